import type { Plan } from '../../protocols/plan.ts';

/** What the manager notes of a run's wall-clock progress. */
export interface Timing {
  /** Rests are waited on the wall clock (not `max` speed): only then do times of day mean anything. */
  realtime: boolean;
  /** ms epoch the sweep in progress (or the last one) started. */
  sweepStartedAt: number | undefined;
  phase: string;
}

function duration(plan: Plan, i: number): number {
  const p = plan.sweeps[i];
  return p ? p.scans / p.sampleRate : 0;
}

/**
 * The next sweep's duration and, on realtime runs, when it starts (during rests) and when the run
 * should end. Rests run start to start (the runner's default): sweep i+1 starts sweep i's
 * interval after sweep i started, or when sweep i ends if that is later.
 */
export function timingOf(plan: Plan, t: Timing, phase: string, next: number, now: number): { nextAt?: number; eta?: number; sweepDuration?: number } {
  const total = plan.sweeps.length;
  if (total === 0) return {};
  const sweepDuration = duration(plan, Math.min(next, total - 1));
  if (!t.realtime || !['idle', 'acquiring', 'resting'].includes(phase)) return { sweepDuration };
  // The runner waits the finished sweep's own interval, counted from its start.
  const gap = (i: number) => Math.max((plan.sweeps[i - 1]?.interSweepInterval ?? 0) * 1000, duration(plan, i - 1) * 1000);
  let start: number;
  let nextAt: number | undefined;
  if (phase === 'resting' && t.sweepStartedAt !== undefined && next < total) {
    nextAt = Math.max(now, t.sweepStartedAt + gap(next));
    start = nextAt;
  } else if (phase === 'acquiring' && t.sweepStartedAt !== undefined) {
    // `next` is the sweep being acquired.
    start = t.sweepStartedAt;
  } else start = now;
  let end = start;
  for (let i = next + 1; i < total; i++) end += gap(i);
  end += duration(plan, total - 1) * 1000;
  return { sweepDuration, ...(nextAt === undefined ? {} : { nextAt: Math.round(nextAt) }), ...(next < total ? { eta: Math.round(end) } : {}) };
}
