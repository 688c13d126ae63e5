import { type Actor, createActor, fromPromise, waitFor } from 'xstate';
import type { Sweep } from '../core/sweep.ts';
import type { ClampMode } from '../core/clamp.ts';
import type { Rig } from '../rig/open-rig.ts';
import { checkCommandLevel } from '../rig/safety.ts';
import { type AcquireInput, type ExperimentContext, type WaitInput, experimentMachine } from '../../protocols/machines/experiment.ts';
import type { Plan } from '../../protocols/plan.ts';
import { AcquisitionEngine, type SweepBlock, SweepFailedError } from './engine.ts';

export interface RunnerOptions {
  rig: Rig;
  plan: Plan;
  /** `max`: rests between sweeps pass in simulated time at once; `realtime`: they are waited. */
  speed: 'max' | 'realtime';
  holding?: Record<number, number>;
  itiMode?: 'startToStart' | 'endToStart';
  /** Stores a sweep (complete, aborted or failed) before the runner moves on; a failure stops the run. */
  store?: (sweep: Sweep) => Promise<void> | void;
  onBlock?: (block: SweepBlock) => void;
  onState?: (state: RunnerState) => void;
}

export type RunnerPhase = 'idle' | 'acquiring' | 'resting' | 'paused' | 'done' | 'aborted' | 'failed';

export interface RunnerState {
  phase: RunnerPhase;
  /** Next planned sweep. */
  next: number;
  total: number;
  acquired: number;
  error?: string;
}

export interface RunSummary extends RunnerState {
  ran: number[];
  skipped: number[];
  /** Sweeps stored, in order, with whether each was aborted. */
  sweeps: { index: number; planned: number; aborted: boolean }[];
  /** Simulated or wall seconds the run took on the runner's clock. */
  duration: number;
}

/**
 * Runs a plan on a rig through the experiment machine: the engine acquires each sweep, `store`
 * keeps it (NWB), rests pass on a wall or simulated clock, and the controls (pause, resume, step,
 * skip, abort, set holding) go to the machine as events.
 */
export class ExperimentRunner {
  readonly engine: AcquisitionEngine;
  private readonly actor: Actor<typeof experimentMachine>;
  private simMs = 0;
  private readonly stored: RunSummary['sweeps'] = [];
  private readonly t0: number;

  constructor(private readonly opts: RunnerOptions) {
    this.engine = new AcquisitionEngine(opts.rig);
    const realtime = opts.speed === 'realtime';
    const now = realtime ? () => performance.now() : () => this.simMs;
    this.t0 = now();
    const machine = experimentMachine.provide({
      actors: {
        acquire: fromPromise<Sweep, AcquireInput>(async ({ input }) => this.acquire(input)),
        // xstate aborts `signal` when the rest is left early (PAUSE, ABORT, STEP, SKIP).
        wait: fromPromise<void, WaitInput>(async ({ input, signal }) => {
          if (!realtime) {
            this.simMs = Math.max(this.simMs, input.deadline);
            return;
          }
          await sleepUntil(input.deadline, signal);
        }),
      },
      actions: {
        holdingChanged: (_, p) => {
          void this.engine.applyHolding(p.headstage, p.mode, p.value).catch((e: unknown) => {
            this.holdingErrors.push((e as Error).message);
          });
        },
      },
    });
    this.actor = createActor(machine, { input: { plan: opts.plan, holding: opts.holding, now, itiMode: opts.itiMode } });
    this.actor.subscribe((snap) => opts.onState?.(stateOf(snap.value, snap.context)));
    this.actor.start();
  }

  /** Holding changes that could not be applied (e.g. beyond the safety limits). */
  readonly holdingErrors: string[] = [];

  private async acquire(input: AcquireInput): Promise<Sweep> {
    const planned = input.planned;
    let sweep: Sweep;
    try {
      sweep = await this.engine.runSweep(planned, {
        signal: input.signal,
        index: input.number,
        holding: (hs) => input.holding[hs],
        onBlock: this.opts.onBlock,
      });
    } catch (e) {
      if (e instanceof SweepFailedError) await this.keep(e.partial, planned.index);
      throw e;
    }
    this.simMs += (sweep.channels[0]?.response.length ?? planned.scans) / planned.sampleRate * 1000;
    await this.keep(sweep, planned.index);
    return sweep;
  }

  private async keep(sweep: Sweep, planned: number): Promise<void> {
    await this.opts.store?.(sweep);
    this.stored.push({ index: sweep.index, planned, aborted: sweep.aborted });
  }

  get state(): RunnerState {
    const snap = this.actor.getSnapshot();
    return stateOf(snap.value, snap.context);
  }

  start(): void {
    this.actor.send({ type: 'START' });
  }
  pause(): void {
    this.actor.send({ type: 'PAUSE' });
  }
  resume(): void {
    this.actor.send({ type: 'RESUME' });
  }
  step(): void {
    this.actor.send({ type: 'STEP' });
  }
  skip(): void {
    this.actor.send({ type: 'SKIP' });
  }
  abort(): void {
    this.actor.send({ type: 'ABORT' });
  }
  /** Sets a headstage's holding for the sweeps to come and applies it now; refused (throws) beyond the safety limits. */
  setHolding(headstage: number, mode: ClampMode, value: number): void {
    checkCommandLevel(this.opts.rig.safety, mode, value, `holding of headstage ${headstage}`);
    this.actor.send({ type: 'SET_HOLDING', headstage, mode, value });
  }

  /** Resolves once the phase satisfies `pred`. */
  async until(pred: (s: RunnerState) => boolean): Promise<RunnerState> {
    await waitFor(this.actor, (snap) => pred(stateOf(snap.value, snap.context)), { timeout: Infinity });
    return this.state;
  }

  /** Resolves when the run has ended (done, aborted or failed). */
  async finished(): Promise<RunSummary> {
    await waitFor(this.actor, (snap) => snap.status === 'done', { timeout: Infinity });
    const snap = this.actor.getSnapshot();
    const realtime = this.opts.speed === 'realtime';
    return {
      ...stateOf(snap.value, snap.context),
      ran: snap.context.ran,
      skipped: snap.context.skipped,
      sweeps: [...this.stored],
      duration: ((realtime ? performance.now() : this.simMs) - this.t0) / 1000,
    };
  }
}

function stateOf(value: unknown, ctx: ExperimentContext): RunnerState {
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0];
  const phase: RunnerPhase =
    top === 'deciding' ? 'resting' : top === 'pausedDeciding' ? 'paused' : ((top ?? 'idle') as RunnerPhase);
  return { phase, next: ctx.next, total: ctx.plan.sweeps.length, acquired: ctx.acquired, ...(ctx.error ? { error: ctx.error } : {}) };
}

function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const ms = Math.max(0, deadline - performance.now());
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
