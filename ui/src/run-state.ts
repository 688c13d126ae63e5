/**
 * What the header and the protocol panel say about an experiment (criteria 8, 10, 25). Pure, so
 * the wording and the recording rule are tested without a browser.
 */
import type { ExperimentStatus } from './types.ts';
import { formatCountdown } from './units.ts';

const ENDED = new Set(['done', 'aborted', 'failed']);

export function isEnded(s: ExperimentStatus | undefined): boolean {
  return s === undefined || ENDED.has(s.phase);
}

/** The file is open and receiving sweeps from creation until the experiment ends. */
export function isRecording(s: ExperimentStatus | undefined): boolean {
  return s !== undefined && !ENDED.has(s.phase);
}

export function phaseLabel(s: ExperimentStatus | undefined): string {
  if (!s) return 'No experiment';
  const labels: Record<string, string> = {
    preparing: 'Preparing',
    idle: 'Ready',
    acquiring: 'Acquiring',
    resting: 'Resting (ITI)',
    paused: 'Paused',
    done: 'Done',
    aborted: 'Aborted',
    failed: 'Failed',
    closing: 'Closing file',
  };
  return labels[s.phase] ?? s.phase;
}

/** The last sweep safely on disk: `storedThrough` when the service sends it, else from `stored`. */
export function savedThrough(s: ExperimentStatus): number | null {
  if (s.storedThrough !== undefined) return s.storedThrough;
  return s.stored > 0 ? s.stored - 1 : null;
}

/** "Recording → f.nwb · saved through sweep #3" or "Not recording"; never ambiguous (criterion 25). */
export function recordingText(s: ExperimentStatus | undefined): string {
  if (!s) return 'Not recording — view only';
  const through = savedThrough(s);
  const saved = through === null ? 'no sweep saved yet' : `saved through sweep #${through}`;
  if (isRecording(s)) return `Recording → ${s.file} · ${saved} · raw traces + TP`;
  return `Not recording — last file ${s.file} (${s.stored} sweep${s.stored === 1 ? '' : 's'} saved, ${s.phase})`;
}

export interface NextInfo {
  protocol: string;
  /** "sweep 3 of 10". */
  progress: string;
  /** "next: sweep #3" or "–". */
  next: string;
  /** ITI countdown "0:12", or "" when not resting. */
  countdown: string;
  /** "ETA 14:05:10 (in 2:31)" or "". */
  eta: string;
}

function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
}

/** "What runs next" beside Start (criterion 8), at time `now` (ms epoch). */
export function nextInfo(s: ExperimentStatus | undefined, now: number): NextInfo | undefined {
  if (!s) return undefined;
  const done = isEnded(s);
  const current = Math.min(s.total, s.phase === 'acquiring' ? s.acquired + 1 : s.acquired);
  return {
    protocol: s.protocol,
    progress: `sweep ${current} of ${s.total}`,
    next: done || s.next >= s.total ? 'next: –' : `next: sweep #${s.next}`,
    countdown: !done && s.nextAt !== undefined && s.phase === 'resting' ? `ITI ${formatCountdown(s.nextAt - now)}` : '',
    eta: !done && s.eta !== undefined ? `ETA ${clock(s.eta)} (in ${formatCountdown(s.eta - now)})` : '',
  };
}

export type RunCommand = 'start' | 'pause' | 'resume' | 'step' | 'abort';

/** Which run buttons make sense in this phase (the service refuses the others and says why). */
export function allowedCommands(s: ExperimentStatus | undefined): Set<RunCommand> {
  if (isEnded(s)) return new Set(['start', 'step']);
  switch (s?.phase) {
    case 'idle':
      return new Set(['start', 'step', 'abort']);
    case 'acquiring':
      return new Set(['pause', 'abort']);
    case 'resting':
      return new Set(['pause', 'step', 'abort']);
    case 'paused':
      return new Set(['resume', 'step', 'abort']);
    default:
      return new Set(['abort']);
  }
}
