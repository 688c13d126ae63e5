import type { ClampMode } from '../core/clamp.ts';
import type { Rig } from '../rig/open-rig.ts';
import { SafetyLimitError, checkCommandLevel } from '../rig/safety.ts';
import { DEFAULT_TEST_PULSE, type LiveTestPulseReading, type PulseTrace, TestPulseRunner, type TestPulseSettings } from '../acquisition/test-pulse-runner.ts';
import type { RigGate } from '../experiments/manager.ts';
import type { TestPulsePut, TestPulseReadingEvent, TestPulseStatus } from '../server/console-api.ts';
import { ControlError } from './errors.ts';

export interface TestPulseControlOptions {
  rig: Rig;
  modes: () => { headstage: number; mode: ClampMode }[];
  holding: (headstage: number, mode: ClampMode) => number | undefined;
  bridgeBalance: (headstage: number) => number;
  onReadings?: (at: number, rate: number, readings: TestPulseReadingEvent[]) => void;
  onTrace?: (t: PulseTrace) => void;
  /** Called before the test pulse (re)starts, e.g. to re-read the modes an experiment left. */
  beforeStart?: () => Promise<void>;
  /** Wall clock, ms epoch. */
  now?: () => number;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** A machine reading as the `testpulse` event carries it (NaN → null: JSON has no NaN). */
export function readingEvent(r: LiveTestPulseReading): TestPulseReadingEvent {
  return {
    headstage: r.headstage,
    mode: r.mode,
    Ra: finite(r.accessResistance),
    Ri: finite(r.inputResistance),
    Rss: finite(r.steadyStateResistance),
    Rpeak: finite(r.peakResistance),
    Cm: finite(r.capacitance),
    tau: finite(r.timeConstant),
    baseline: finite(r.baseline),
    ...(r.mode === 'VC' ? { holdingCurrent: finite(r.holdingCurrent) } : { vm: finite(r.holdingPotential) }),
  };
}

/**
 * The console's continuous test pulse and the rig's arbiter: the test pulse plays whenever it is
 * switched on and no experiment holds the rig. An experiment takes the rig through `acquire`
 * (the test pulse stops and its acquisition ends first) and gives it back with `release`.
 */
export class TestPulseControl implements RigGate {
  private wanted = false;
  private held = 0;
  private runner: TestPulseRunner | undefined;
  private settings: TestPulseSettings = structuredClone(DEFAULT_TEST_PULSE);
  private readonly cycles: number[] = [];
  private lastError: string | undefined;
  /** Serialises start/stop so a stop always waits for the acquisition it ends. */
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly opts: TestPulseControlOptions) {
    this.now = opts.now ?? Date.now;
  }

  status(): TestPulseStatus {
    const s = this.settings;
    return {
      running: this.wanted,
      active: this.runner !== undefined,
      settings: { vc: { amplitude: s.vc.amplitude, width: s.vc.width }, ic: { amplitude: s.ic.amplitude, width: s.ic.width }, average: s.average },
      ...(this.runner ? { rate: this.rate() } : {}),
      ...(this.lastError ? { error: this.lastError } : {}),
    };
  }

  /** Applies a change; amplitudes beyond the safety limits are refused before anything changes. */
  async update(p: TestPulsePut): Promise<TestPulseStatus> {
    const limits = this.opts.rig.safety;
    try {
      if (p.vc?.amplitude !== undefined) checkCommandLevel(limits, 'VC', p.vc.amplitude, 'vc.amplitude');
      if (p.ic?.amplitude !== undefined) checkCommandLevel(limits, 'IC', p.ic.amplitude, 'ic.amplitude');
    } catch (e) {
      if (e instanceof SafetyLimitError) throw new ControlError('SAFETY_LIMIT', `${e.message}; the test pulse was not changed`);
      throw e;
    }
    // A new settings object: the runner reads it before its next acquisition (no device query).
    const s = structuredClone(this.settings);
    Object.assign(s.vc, p.vc ?? {});
    Object.assign(s.ic, p.ic ?? {});
    if (p.average !== undefined) s.average = p.average;
    this.settings = s;
    // New pulses play from the next acquisition: start it now rather than after this one.
    if (p.vc !== undefined || p.ic !== undefined) this.runner?.restart();
    if (p.running !== undefined && p.running !== this.wanted) {
      this.wanted = p.running;
      this.lastError = undefined;
      await this.reconcile();
    }
    return this.status();
  }

  async acquire(): Promise<void> {
    this.held++;
    await this.reconcile();
  }

  release(): void {
    this.held = Math.max(0, this.held - 1);
    void this.reconcile();
  }

  /** Runs `fn` with the test pulse stopped (a mode switch), then restarts it if it was playing. */
  async paused<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  async close(): Promise<void> {
    this.wanted = false;
    await this.reconcile();
  }

  private rate(): number {
    const t = this.now();
    while (this.cycles.length > 0 && (this.cycles[0] as number) < t - 1000) this.cycles.shift();
    return this.cycles.length;
  }

  private reconcile(): Promise<void> {
    this.chain = this.chain.then(async () => {
      const on = () => this.wanted && this.held === 0;
      if (on() && !this.runner) {
        try {
          await this.opts.beforeStart?.();
        } catch (e) {
          this.lastError = `reading the headstages before the test pulse failed: ${(e as Error).message}`;
          this.wanted = false;
        }
        // An experiment may have taken the rig meanwhile.
        if (on() && !this.runner) this.start();
      } else if (!on() && this.runner) await this.stop();
    });
    return this.chain;
  }

  private start(): void {
    this.cycles.length = 0;
    const runner = new TestPulseRunner(this.opts.rig, {
      settings: () => this.settings,
      modes: this.opts.modes,
      holding: this.opts.holding,
      bridgeBalance: this.opts.bridgeBalance,
      onTrace: (t) => this.opts.onTrace?.(t),
      onReadings: (r) => {
        const at = this.now();
        this.cycles.push(at);
        this.opts.onReadings?.(at, this.rate(), r.map(readingEvent));
      },
    });
    runner.onStopped(() => {
      // Stopped by a failure (not by us): say why and stay off.
      if (this.runner === runner && runner.error) {
        this.lastError = runner.error;
        this.wanted = false;
        this.runner = undefined;
      }
    });
    this.runner = runner;
    runner.start();
  }

  private async stop(): Promise<void> {
    const r = this.runner;
    this.runner = undefined;
    if (r) await r.halt();
  }
}
