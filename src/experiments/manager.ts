import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ExperimentRunner } from '../acquisition/experiment-runner.ts';
import type { ExperimentPhase, ExperimentStatus } from '../server/console-api.ts';
import type { SweepBlock } from '../acquisition/engine.ts';
import { openRunFile } from '../cli/run-storage.ts';
import type { Rig } from '../rig/open-rig.ts';
import { SafetyLimitError } from '../rig/safety.ts';
import { NwbError, messageOf } from '../storage/errors.ts';
import type { ExperimentMetadata } from '../storage/metadata.ts';
import type { NwbWriter } from '../storage/writer.ts';
import { DEFAULT_SAMPLE_RATE, ProtocolDefinitionError, expandPlan, getProtocol, PROTOCOL_IDS } from '../../protocols/definitions/index.ts';
import type { Plan } from '../../protocols/plan.ts';
import { ExperimentError, invalid } from './errors.ts';
import { fileStamp } from './files.ts';
import { CreateExperimentSchema, HoldingSchema, checkBody } from './request.ts';
import { SweepStore, type SweepQc, sweepQc } from './sweep-store.ts';
import { type Timing, timingOf } from './timing.ts';
import type { Sweep } from '../core/sweep.ts';

// The status shapes are part of the console contract (the UI imports them from there).
export type { ExperimentPhase, ExperimentStatus };

export const ENDED_PHASES: readonly ExperimentPhase[] = ['done', 'aborted', 'failed'];

export type ExperimentCommand = 'start' | 'pause' | 'resume' | 'step' | 'skip' | 'abort';


/**
 * Exclusive use of the rig's acquisition hardware: the test pulse gives it up while an experiment
 * holds the rig (from creation until its file is closed).
 */
export interface RigGate {
  /** Resolves once nothing else acquires. */
  acquire(): Promise<void>;
  release(): void;
}

export interface ExperimentManagerOptions {
  rig: Rig;
  /** Where each experiment's NWB file goes; created when missing. */
  dataDir: string;
  /** How rests pass: `max` only for simulated devices running at max speed. Default `realtime`. */
  speed?: 'max' | 'realtime';
  /** Seed named in a simulated subject's id. */
  seed?: number;
  onBlock?: (block: SweepBlock) => void;
  /** After each sweep is safely stored: its recording QC per headstage. */
  onStored?: (experiment: string, sweep: number, qc: SweepQc[]) => void;
  /**
   * Each acquired sweep, before the writer may move its arrays to its own thread: a listener that
   * keeps the data must copy it at once (the online analysis posts it to its thread).
   */
  onSweep?: (experiment: string, sweep: Sweep) => void;
  /** Taken before an experiment touches the devices, given back when its file is closed. */
  gate?: RigGate;
  /** Where the sweep browser finds the current experiment's sweeps; made here when absent. */
  sweeps?: SweepStore;
  /** For tests: the clock that names files. */
  now?: () => Date;
}

// Which commands each phase takes; the machine would silently ignore the others, the API says why.
const ALLOWED: Record<ExperimentCommand, readonly ExperimentPhase[]> = {
  start: ['idle'],
  pause: ['acquiring', 'resting'],
  // In `acquiring`, RESUME cancels a pause asked for during the sweep.
  resume: ['paused', 'acquiring'],
  step: ['idle', 'resting', 'paused'],
  skip: ['acquiring', 'resting', 'paused'],
  abort: ['preparing', 'idle', 'acquiring', 'resting', 'paused'],
};

const HINT: Partial<Record<ExperimentPhase, string>> = {
  preparing: 'wait until it is prepared (phase idle) or abort it',
  idle: 'start or step it first',
  acquiring: 'a sweep is being acquired; pause to stop after it',
  resting: 'it is running; pause it first',
  paused: 'resume, step, skip or abort it',
  closing: 'it has ended and its file is being closed',
  done: 'it has ended; create a new one with POST /api/experiments',
  aborted: 'it has ended; create a new one with POST /api/experiments',
  failed: 'it has ended; create a new one with POST /api/experiments',
};

interface Experiment {
  id: string;
  protocol: string;
  file: string;
  headstages: number[];
  createdAt: string;
  runner: ExperimentRunner;
  writer: NwbWriter;
  preparing: boolean;
  prepAbort: AbortController;
  closed: boolean;
  /** A failure outside the runner's machine (preparation, closing the file). */
  failure?: string;
  calibration?: ExperimentStatus['calibration'];
  ended: Promise<void>;
  plan: Plan;
  storedThrough: number | null;
  timing: Timing;
}

/**
 * One experiment at a time on the rig: expands the plan (refusing bad input before anything is
 * sent), opens `<dataDir>/<timestamp>_<protocol>.nwb`, prepares, runs the plan through the
 * ExperimentRunner with every sweep appended to the file, and closes the file when the run ends.
 */
export class ExperimentManager {
  private current: Experiment | undefined;
  private creating = false;
  private readonly listeners = new Set<(s: ExperimentStatus) => void>();
  /** The current experiment's sweeps, for the sweep browser. */
  readonly sweeps: SweepStore;

  constructor(private readonly opts: ExperimentManagerOptions) {
    this.sweeps = opts.sweeps ?? new SweepStore();
  }

  get dataDir(): string {
    return this.opts.dataDir;
  }

  /** The current (or last) experiment, or undefined before the first. */
  status(): ExperimentStatus | undefined {
    return this.current ? statusOf(this.current) : undefined;
  }

  /** True while an experiment holds the rig (until its file is closed). */
  get busy(): boolean {
    return this.creating || (this.current !== undefined && !this.current.closed);
  }

  /** The file being written, if any: not to be served until it is closed. */
  get openFile(): string | undefined {
    return this.current && !this.current.closed ? this.current.file : undefined;
  }

  /** Calls `fn` on every change of the current experiment's state; returns the unsubscribe. */
  subscribe(fn: (s: ExperimentStatus) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Creates an experiment from a request body (parsed JSON, checked here). Throws ExperimentError. */
  async create(body: unknown): Promise<ExperimentStatus> {
    const req = checkBody(CreateExperimentSchema, body);
    if (this.busy) throw new ExperimentError('EXPERIMENT_BUSY', `an experiment is already on the rig (${this.current?.file ?? 'being created'}); abort it or wait until it ends`);
    const rig = this.opts.rig;
    if (!getProtocol(req.protocol)) throw invalid([`protocol: unknown protocol "${req.protocol}" (known: ${PROTOCOL_IDS.join(', ')})`]);
    const headstages = req.headstages ?? rig.headstages.map((_, k) => k);
    const hsProblems = headstages.flatMap((h, i) => (h >= rig.headstages.length ? [`headstages[${i}]: headstage ${h} does not exist (the rig has ${rig.headstages.length}: 0–${rig.headstages.length - 1})`] : []));
    if (new Set(headstages).size !== headstages.length) hsProblems.push(`headstages: each headstage may appear once, got ${headstages.join(', ')}`);
    if (hsProblems.length > 0) throw invalid(hsProblems);
    const given = (req.metadata ?? {}) as Partial<ExperimentMetadata>;
    if (!rig.simulation && !given.subject) throw invalid(['metadata.subject: required on a real rig (at least subjectId and species); patchrig never invents a subject for real data']);
    const named = req.definition?.protocol;
    if (named !== undefined && named !== req.protocol) throw invalid([`definition.protocol: must be ${JSON.stringify(req.protocol)} (the request's protocol) or left out, not ${JSON.stringify(named)}`]);
    const definition = { ...(req.definition ?? {}), protocol: req.protocol };
    let plan: Plan;
    try {
      // Everything that can be refused is refused before the file or the devices are touched.
      plan = expandPlan(definition, { headstages, sampleRate: DEFAULT_SAMPLE_RATE, safety: rig.safety });
    } catch (e) {
      if (e instanceof ProtocolDefinitionError) throw invalid(e.problems.map(inDefinition));
      throw e;
    }
    this.creating = true;
    let gated = false;
    try {
      await this.opts.gate?.acquire();
      gated = true;
      const writer = await this.openExperimentFile(req.protocol, plan, headstages, given);
      const x = this.track(req.protocol, writer, plan, headstages);
      this.current = x;
      this.sweeps.clear();
      x.ended = this.lifecycle(x, { calibrate: req.calibrate === true, start: req.start === true });
      this.notify();
      return statusOf(x);
    } catch (e) {
      if (gated) this.opts.gate?.release();
      throw e;
    } finally {
      this.creating = false;
    }
  }

  /** Sends a run control to the current experiment; 409-type refusals name the phase and what to do. */
  control(command: ExperimentCommand): ExperimentStatus {
    const x = this.need();
    const s = statusOf(x);
    if (!ALLOWED[command].includes(s.phase)) {
      throw new ExperimentError('EXPERIMENT_STATE', `cannot ${command} the experiment while it is ${s.phase}: ${HINT[s.phase] ?? ''}`.trim());
    }
    if (command === 'abort' && x.preparing) x.prepAbort.abort();
    else x.runner[command]();
    return statusOf(x);
  }

  /** Sets a headstage's holding (V in VC, A in IC) now and for the sweeps to come. */
  setHolding(body: unknown): ExperimentStatus {
    const req = checkBody(HoldingSchema, body);
    const x = this.need();
    const s = statusOf(x);
    if (s.phase === 'closing' || ENDED_PHASES.includes(s.phase)) throw new ExperimentError('EXPERIMENT_STATE', `cannot set a holding while the experiment is ${s.phase}: ${HINT[s.phase] ?? ''}`.trim());
    if (!x.headstages.includes(req.headstage)) throw invalid([`headstage: ${req.headstage} is not one of this experiment's headstages (${x.headstages.join(', ')})`]);
    try {
      x.runner.setHolding(req.headstage, req.mode, req.value);
    } catch (e) {
      if (e instanceof SafetyLimitError) throw new ExperimentError('SAFETY_LIMIT', e.message);
      throw e;
    }
    return statusOf(x);
  }

  /** Resolves when the current experiment has ended and its file is closed. */
  async ended(): Promise<ExperimentStatus | undefined> {
    await this.current?.ended;
    return this.status();
  }

  /** Aborts whatever runs and closes its file (the service is stopping). */
  async close(): Promise<void> {
    const x = this.current;
    if (!x || x.closed) return;
    if (x.preparing) x.prepAbort.abort();
    else x.runner.abort();
    await x.ended;
  }

  private need(): Experiment {
    if (!this.current) throw new ExperimentError('EXPERIMENT_NONE', 'there is no experiment; create one with POST /api/experiments');
    return this.current;
  }

  private notify(): void {
    const s = this.status();
    if (!s) return;
    for (const fn of this.listeners) {
      try {
        fn(s);
      } catch {
        // a listener's failure must not reach the runner
      }
    }
  }

  private async openExperimentFile(protocol: string, plan: Plan, headstages: number[], given: Partial<ExperimentMetadata>): Promise<NwbWriter> {
    await mkdir(this.opts.dataDir, { recursive: true });
    const stem = `${fileStamp((this.opts.now ?? (() => new Date()))())}_${protocol}`;
    // Never overwrite: two experiments in the same second get _2, _3…
    for (let n = 1; n < 1000; n++) {
      const path = join(this.opts.dataDir, n === 1 ? `${stem}.nwb` : `${stem}_${n}.nwb`);
      try {
        return await openRunFile(path, {
          rig: this.opts.rig,
          headstages,
          protocol,
          definition: plan.definition,
          given,
          overwrite: false,
          seed: this.opts.seed ?? this.opts.rig.config.simulation?.seed ?? 1,
          sessionDescription: `patchrig serve: ${protocol}`,
        });
      } catch (e) {
        if (e instanceof NwbError && e.code === 'NWB_EXISTS') continue;
        if (e instanceof NwbError && e.code === 'NWB_BAD_OPTIONS') throw invalid(e.problems.length > 0 ? e.problems : [e.message]);
        throw e;
      }
    }
    throw new Error(`cannot find a free file name for ${stem} in ${this.opts.dataDir}`);
  }

  /** Keeps a sweep for the browser, stores it durably, then reports its QC. */
  private async store(x: Experiment, sweep: Sweep): Promise<void> {
    const qc = sweepQc(sweep);
    // Before the writer, which may move the sample arrays to its thread.
    this.sweeps.add(sweep);
    try {
      this.opts.onSweep?.(x.id, sweep);
    } catch {
      // a listener's failure must not fail the run
    }
    await x.writer.append(sweep, { transfer: false });
    x.storedThrough = sweep.index;
    try {
      this.opts.onStored?.(x.id, sweep.index, qc);
    } catch {
      // a listener's failure must not fail the run
    }
  }

  private track(protocol: string, writer: NwbWriter, plan: Plan, headstages: number[]): Experiment {
    const file = basename(writer.path);
    // The runner reports its state from its constructor on: what onState touches exists first.
    const timing: Timing = { realtime: (this.opts.speed ?? 'realtime') === 'realtime', sweepStartedAt: undefined, phase: 'idle' };
    const x: Experiment = {
      id: file.replace(/\.nwb$/, ''),
      protocol,
      file,
      headstages,
      createdAt: new Date().toISOString(),
      writer,
      preparing: true,
      prepAbort: new AbortController(),
      closed: false,
      ended: Promise.resolve(),
      plan,
      storedThrough: null,
      timing,
      runner: new ExperimentRunner({
        rig: this.opts.rig,
        plan,
        speed: this.opts.speed ?? 'realtime',
        store: (sweep) => this.store(x, sweep),
        onBlock: this.opts.onBlock,
        onState: (r) => {
          // Sweep starts on the wall clock, for the rest countdown and the expected end.
          if (r.phase === 'acquiring' && timing.phase !== 'acquiring') timing.sweepStartedAt = Date.now();
          timing.phase = r.phase;
          this.notify();
        },
      }),
    };
    return x;
  }

  private async lifecycle(x: Experiment, o: { calibrate: boolean; start: boolean }): Promise<void> {
    try {
      const prep = await x.runner.prepare({ calibrate: o.calibrate, signal: x.prepAbort.signal });
      x.calibration = prep.calibration.map((c) => ({ headstage: c.headstage, scale: c.scale, ok: c.ok }));
      x.preparing = false;
      if (x.prepAbort.signal.aborted) x.runner.abort();
      else if (o.start) x.runner.start();
    } catch (e) {
      x.preparing = false;
      if (!x.prepAbort.signal.aborted) x.failure = `preparing the experiment failed: ${messageOf(e)}`;
      // Ends the runner's machine from idle: nothing was acquired for the plan.
      x.runner.abort();
    }
    this.notify();
    await x.runner.finished();
    this.notify();
    try {
      await x.writer.close();
    } catch (e) {
      x.failure ??= `closing ${x.file} failed: ${messageOf(e)}`;
    }
    x.closed = true;
    this.opts.gate?.release();
    this.notify();
  }
}

/** Protocol problems name definition fields; the context's own fields keep their names. */
function inDefinition(problem: string): string {
  if (/^(headstages|sampleRate):/.test(problem)) return problem;
  if (problem.startsWith('(top level)')) return problem.replace('(top level)', 'definition');
  return `definition.${problem}`;
}

function statusOf(x: Experiment): ExperimentStatus {
  const r = x.runner.state;
  const ended = ENDED_PHASES.includes(r.phase);
  const phase: ExperimentPhase = x.preparing ? 'preparing' : ended && !x.closed ? 'closing' : x.failure ? 'failed' : r.phase;
  const error = x.failure ?? r.error;
  return {
    id: x.id,
    protocol: x.protocol,
    phase,
    next: r.next,
    total: r.total,
    acquired: r.acquired,
    stored: x.writer.sweepCount,
    file: x.file,
    headstages: x.headstages,
    createdAt: x.createdAt,
    ...(error ? { error } : {}),
    ...(x.calibration && x.calibration.length > 0 ? { calibration: x.calibration } : {}),
    ...(x.runner.holdingErrors.length > 0 ? { holdingErrors: [...x.runner.holdingErrors] } : {}),
    storedThrough: x.storedThrough,
    ...timingOf(x.plan, x.timing, phase, r.next, Date.now()),
  };
}
