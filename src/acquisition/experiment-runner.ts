import { type Actor, createActor, fromPromise, waitFor } from 'xstate';
import type { Sweep } from '../core/sweep.ts';
import type { ClampMode } from '../core/clamp.ts';
import type { Rig } from '../rig/open-rig.ts';
import { checkCommandLevel } from '../rig/safety.ts';
import { type AcquireInput, type ExperimentContext, type WaitInput, experimentMachine } from '../../protocols/machines/experiment.ts';
import type { Plan } from '../../protocols/plan.ts';
import { AcquisitionEngine, type SweepBlock, SweepFailedError } from './engine.ts';
import { recordingQc } from '../../protocols/qc/index.ts';
import { analyzeTestPulse } from '../analysis/test-pulse.ts';
import { pulseQcOf } from './pulse-qc.ts';
import { type AutoBiasOptions, DEFAULT_AUTO_BIAS, nextBias, restingPotential } from './auto-bias.ts';
import { type CalibrationResult, calibrateStimScale } from './calibrate-stim-scale.ts';

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
  /** Current-clamp auto-bias between sweeps towards each headstage's planned target potential. */
  autoBias?: Partial<AutoBiasOptions> | false;
}

/** Bias sweeps when the plan changes a headstage's target potential (0.15 s each). */
const RETARGET_SWEEPS = 8;

export type RunnerPhase = 'idle' | 'acquiring' | 'resting' | 'paused' | 'done' | 'aborted' | 'failed';

export interface RunnerState {
  phase: RunnerPhase;
  /** Next planned sweep. */
  next: number;
  total: number;
  acquired: number;
  error?: string;
}

export interface PreparationReport {
  /** Bias current reached per current-clamp headstage, A. */
  bias: Record<number, number>;
  calibration: CalibrationResult[];
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
  /** Calibrated stimulus scale per headstage (`prepare`). */
  readonly stimScale = new Map<number, number>();
  /** Current-clamp bias per headstage, A, kept by auto-bias. */
  readonly bias = new Map<number, number>();
  /** Target potential per current-clamp headstage of the last sweep (or preparation), V. */
  private readonly target = new Map<number, number>();
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
            // Not waited out, but the cells still live through the rest (simulated devices).
            if (input.deadline > this.simMs) opts.rig.restPassed((input.deadline - this.simMs) / 1000);
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
    await this.retarget(planned, input.signal);
    let sweep: Sweep;
    try {
      sweep = await this.engine.runSweep(planned, {
        signal: input.signal,
        index: input.number,
        holding: (hs, mode) => (mode === 'IC' && this.bias.has(hs) ? this.bias.get(hs) : input.holding[hs]),
        stimScale: (hs) => this.stimScale.get(hs),
        onBlock: this.opts.onBlock,
      });
    } catch (e) {
      if (e instanceof SweepFailedError) await this.keep(e.partial, planned.index);
      throw e;
    }
    this.simMs += (sweep.channels[0]?.response.length ?? planned.scans) / planned.sampleRate * 1000;
    await this.keep(sweep, planned.index);
    this.followTargets(sweep, planned);
    return sweep;
  }

  /**
   * A few short holding-only sweeps that bring the given current-clamp headstages to their target
   * potentials (before the first sweep, and whenever the plan changes a target, e.g. from −70 to
   * −55 mV between the probe's recording blocks: one auto-bias step per sweep would leave the
   * first sweeps of the new block mV away from it, where an IPSP's amplitude changes 5 % per mV).
   */
  private async settleBias(first: AcquireInput['planned'], targets: AcquireInput['planned']['headstages'], sweeps: number, signal?: AbortSignal): Promise<void> {
    const rate = first.sampleRate;
    const scans = Math.round(0.15 * rate);
    const last = new Map<number, { bias: number; v: number }>();
    for (let i = 0; i < sweeps; i++) {
      const planned = {
        ...first,
        protocol: 'auto-bias',
        stimulusName: 'Bias',
        scans,
        epochs: [],
        headstages: targets.map((h) => ({ ...h, stimulus: new Float32Array(scans), testPulse: undefined, epochs: [] })),
      };
      const sweep = await this.engine.runSweep(planned, { signal, holding: (hs) => this.bias.get(hs) ?? 0 });
      if (i === 0 || !this.secantStep(sweep, planned, last)) this.followTargets(sweep, planned);
      for (const h of targets) {
        const ch = sweep.channels.find((c) => c.headstage === h.headstage);
        if (ch) last.set(h.headstage, { bias: ch.holding, v: restingPotential(sweep, ch) });
      }
    }
  }

  /**
   * One bias step with the cell's own input resistance, from the last two bias sweeps (ΔV/ΔI,
   * bounded), instead of followTargets' assumed 150 MΩ: a 15 mV change of target then settles in
   * a few sweeps whatever the cell. False when no headstage had a usable previous step.
   */
  private secantStep(sweep: Sweep, planned: AcquireInput['planned'], last: Map<number, { bias: number; v: number }>): boolean {
    if (this.opts.autoBias === false) return false;
    const given = { ...DEFAULT_AUTO_BIAS, ...(this.opts.autoBias ?? {}) };
    const o = { ...given, maxCurrent: Math.min(given.maxCurrent, this.opts.rig.safety.maxCurrent) };
    let any = false;
    for (const ph of planned.headstages) {
      const ch = sweep.channels.find((c) => c.headstage === ph.headstage);
      const prev = last.get(ph.headstage);
      if (!ch || !prev || ph.targetPotential === undefined) continue;
      const v = restingPotential(sweep, ch);
      const dI = ch.holding - prev.bias;
      const dV = v - prev.v;
      const r = Math.abs(dI) > 1e-12 && Math.abs(dV) > 1e-4 ? Math.min(1e9, Math.max(30e6, dV / dI)) : o.inputResistance;
      const next = nextBias(this.bias.get(ph.headstage) ?? 0, v, ph.targetPotential, { ...o, followRate: 0.8 }, r);
      this.bias.set(ph.headstage, next);
      void this.engine.applyHolding(ph.headstage, 'IC', next).catch((e: unknown) => this.holdingErrors.push((e as Error).message));
      any = true;
    }
    return any;
  }

  /** Before a sweep: settles the bias of every current-clamp headstage whose target the plan changes. */
  private async retarget(planned: AcquireInput['planned'], signal?: AbortSignal): Promise<void> {
    const changed = planned.headstages.filter((h) => {
      if (h.mode !== 'IC' || h.targetPotential === undefined) return false;
      const before = this.target.get(h.headstage);
      this.target.set(h.headstage, h.targetPotential);
      return before !== undefined && Math.abs(before - h.targetPotential) > 1e-6;
    });
    if (changed.length > 0 && this.opts.autoBias !== false) await this.settleBias(planned, changed, RETARGET_SWEEPS, signal);
  }

  /** Auto-bias after a sweep: IC headstages with a target potential move their bias towards it. */
  private followTargets(sweep: Sweep, planned: AcquireInput['planned']): void {
    if (this.opts.autoBias === false) return;
    const given = { ...DEFAULT_AUTO_BIAS, ...(this.opts.autoBias ?? {}) };
    const o = { ...given, maxCurrent: Math.min(given.maxCurrent, this.opts.rig.safety.maxCurrent) };
    for (const ph of planned.headstages) {
      if (ph.mode !== 'IC' || ph.targetPotential === undefined) continue;
      const ch = sweep.channels.find((c) => c.headstage === ph.headstage);
      if (!ch) continue;
      const next = nextBias(this.bias.get(ph.headstage) ?? 0, restingPotential(sweep, ch), ph.targetPotential, o);
      this.bias.set(ph.headstage, next);
      void this.engine.applyHolding(ph.headstage, 'IC', next).catch((e: unknown) => this.holdingErrors.push((e as Error).message));
    }
  }

  /**
   * Before the first sweep: brings each current-clamp cell to its target potential (a few short
   * holding-only sweeps) and, when asked, calibrates each presynaptic cell's stimulus scale so every
   * pulse of the plan evokes exactly one spike.
   */
  async prepare(o: { calibrate?: boolean; biasSweeps?: number; signal?: AbortSignal } = {}): Promise<PreparationReport> {
    const report: PreparationReport = { bias: {}, calibration: [] };
    const first = this.opts.plan.sweeps[0];
    if (!first) return report;
    const targets = first.headstages.filter((h) => h.mode === 'IC' && h.targetPotential !== undefined);
    for (const t of targets) this.target.set(t.headstage, t.targetPotential as number);
    if (targets.length > 0 && this.opts.autoBias !== false) {
      await this.settleBias(first, targets, o.biasSweeps ?? 6, o.signal);
      for (const t of targets) report.bias[t.headstage] = this.bias.get(t.headstage) ?? 0;
    }
    if (o.calibrate) {
      for (const h of first.headstages) {
        const pulses = this.opts.plan.sweeps.flatMap((s) => s.headstages.filter((x) => x.headstage === h.headstage && x.mode === 'IC').flatMap((x) => x.epochs.filter((e) => e.kind === 'pulse')));
        const p = pulses[0];
        if (!p) continue;
        // Every frequency of the plan, with the recovery delay it is most often played with.
        const trains = new Map<number, number | undefined>();
        for (const sw of this.opts.plan.sweeps) {
          const f = Number(sw.parameters.frequency);
          const d = sw.parameters.recoveryDelay;
          if (Number.isFinite(f) && !trains.has(f)) trains.set(f, typeof d === 'number' ? d : undefined);
        }
        if (trains.size === 0) trains.set(Number(p.params.frequency), undefined);
        const r = await calibrateStimScale(this.engine, h.headstage, {
          amplitude: Number(p.params.amplitude),
          width: Number(p.params.width),
          trains: [...trains].map(([frequency, recoveryDelay]) => ({ frequency, recoveryDelay })),
          pulses: 8,
          sampleRate: first.sampleRate,
          holding: this.bias.get(h.headstage) ?? 0,
          maxCurrent: this.opts.rig.safety.maxCurrent,
          signal: o.signal,
        });
        this.stimScale.set(h.headstage, r.scale);
        report.calibration.push(r);
      }
    }
    return report;
  }

  private async keep(sweep: Sweep, planned: number): Promise<void> {
    // Recording QC (synphys-protocols.md §7.1) and the inserted test pulse's results travel with the sweep into storage.
    for (const c of sweep.channels) {
      c.qc ??= recordingQc(sweep, c);
      c.testPulse ??= insertedTestPulse(sweep, c);
    }
    sweep.pulseQc ??= pulseQcOf(sweep);
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

/** Ra, Ri (and Cm in voltage clamp) from a channel's inserted test pulse, when it has one and it can be fitted. */
function insertedTestPulse(sweep: Sweep, c: Sweep['channels'][number]): Sweep['channels'][number]['testPulse'] {
  const e = sweep.epochs.find((x) => x.kind === 'test-pulse' && x.headstage === c.headstage);
  if (!e || (c.mode !== 'VC' && c.mode !== 'IC') || c.response.length < Math.round(e.stop * sweep.sampleRate)) return undefined;
  try {
    const r = analyzeTestPulse({
      mode: c.mode,
      response: c.response,
      sampleRate: sweep.sampleRate,
      onset: e.start,
      end: e.stop,
      amplitude: Number(e.params.amplitude),
      holding: c.holding,
      bridgeBalance: c.settings.device.BRIDGEEN === true && typeof c.settings.device.BRIDGE === 'number' ? c.settings.device.BRIDGE : 0,
    });
    if (!Number.isFinite(r.accessResistance) || !Number.isFinite(r.inputResistance)) return undefined;
    // A 10 ms pulse is too short for the membrane τ in current clamp: no capacitance from it there.
    return { accessResistance: r.accessResistance, inputResistance: r.inputResistance, ...(c.mode === 'VC' && Number.isFinite(r.capacitance) ? { capacitance: r.capacitance } : {}) };
  } catch {
    return undefined;
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
