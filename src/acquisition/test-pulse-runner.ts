import { type Actor, createActor, fromCallback } from 'xstate';
import { analyzeTestPulse } from '../analysis/test-pulse.ts';
import type { ClampMode } from '../core/clamp.ts';
import type { Rig } from '../rig/open-rig.ts';
import { type TestPulseEvent, type TestPulseReading, testPulseMachine } from '../../protocols/machines/test-pulse.ts';
import type { PlannedSweep } from '../../protocols/plan.ts';
import { AcquisitionEngine, type SweepBlock } from './engine.ts';
import { pulseBaselineAndPeak } from './pulse-extras.ts';

/** A test pulse's shape in one clamp mode: baseline before, pulse, recovery after (s), amplitude (V or A). */
export interface PulseGeometry {
  pre: number;
  width: number;
  post: number;
  amplitude: number;
}

/**
 * Test-pulse settings (synphys-protocols.md §4.1). VC: MIES's 10 ms pulse with 35 % baseline on
 * each side, ACQ4's −10 mV. IC: ACQ4's 10 ms / 80 ms / 80 ms at MIES's −50 pA — the membrane τ
 * (≈ 20 ms) needs a pulse of several τ and time to recover, or Ri and Cm come out wrong.
 */
export interface TestPulseSettings {
  vc: PulseGeometry;
  ic: PulseGeometry;
  sampleRate: number;
  /** Readings average over this many pulses (MIES "TP buffer size"). */
  average: number;
}

export const DEFAULT_TEST_PULSE: TestPulseSettings = {
  vc: { pre: 0.01 * (0.35 / 0.3), width: 0.01, post: 0.01 * (0.35 / 0.3), amplitude: -0.01 },
  ic: { pre: 0.01, width: 0.08, post: 0.08, amplitude: -50e-12 },
  sampleRate: 50_000,
  average: 4,
};

/**
 * Longest acquisition of back-to-back pulses, s. Each acquisition costs a fixed set-up (modes,
 * telegraphs, upload: ≈ 45 ms for 8 headstages on the simulated rig), so one pulse per acquisition
 * gives ≈ 14 cycles/s; ten 33 ms VC pulses per acquisition give ≈ 26/s. A settings change does
 * not wait for the acquisition to end: `restart` cuts it short (set-up plus one pulse, ≈ 80 ms).
 */
export const MAX_TEST_PULSE_ACQUISITION = 0.34;

/** Where each headstage's pulse sits within one cycle, and the cycle's length. */
export interface PulseCycle {
  /** Samples per cycle. */
  scans: number;
  /** Pulse onset within the cycle, s (the same on every headstage). */
  onset: number;
}

export function pulseCycle(modes: readonly ClampMode[], s: TestPulseSettings): PulseCycle {
  const used = modes.filter((m) => m !== 'I=0').map((m) => (m === 'VC' ? s.vc : s.ic));
  const geos = used.length > 0 ? used : [s.vc];
  const start = Math.max(...geos.map((g) => g.pre));
  const total = start + Math.max(...geos.map((g) => g.width + g.post));
  return { scans: Math.round(total * s.sampleRate), onset: Math.round(start * s.sampleRate) / s.sampleRate };
}

/**
 * One test-pulse acquisition on the given headstages: `pulses` cycles back to back, each with the
 * pulse after the longest baseline in use and lasting as long as the longest geometry in use. The
 * pulses are the stimulus (not the engine's single inserted pulse), so one upload plays them all.
 */
export function testPulseSweep(headstages: { headstage: number; mode: ClampMode }[], s: TestPulseSettings, index = 0, pulses = 1): PlannedSweep {
  const cycle = pulseCycle(headstages.map((h) => h.mode), s);
  const scans = cycle.scans * pulses;
  return {
    index,
    protocol: 'test-pulse',
    stimulusName: 'TestPulse',
    sampleRate: s.sampleRate,
    scans,
    headstages: headstages.map((h) => {
      const g = h.mode === 'IC' ? s.ic : s.vc;
      const stimulus = new Float32Array(scans);
      if (h.mode !== 'I=0') {
        const a = Math.round(cycle.onset * s.sampleRate);
        const b = a + Math.round(g.width * s.sampleRate);
        for (let p = 0; p < pulses; p++) stimulus.fill(g.amplitude, p * cycle.scans + a, p * cycle.scans + b);
      }
      return { headstage: h.headstage, mode: h.mode, stimulus, stimScale: 1, epochs: [] };
    }),
    epochs: [],
    parameters: { pulseStart: cycle.onset, pulses, cycleScans: cycle.scans },
    interSweepInterval: 0,
  };
}

/** A live reading: the machine's plus the baseline and the peak resistance. */
export interface LiveTestPulseReading extends TestPulseReading {
  /** Median before the pulse: A in VC, V in IC. */
  baseline: number;
  /** VC: amplitude / (peak − baseline), Ω; NaN in IC. */
  peakResistance: number;
}

/** One complete test-pulse cycle's traces (for live display), SI. */
export interface PulseTrace {
  sampleRate: number;
  scans: number;
  headstages: number[];
  responses: Float32Array[];
  commands: Float32Array[];
}

export interface TestPulseRunnerOptions {
  /** Fixed settings, or a function read before every acquisition (live changes). */
  settings?: Partial<TestPulseSettings> | (() => TestPulseSettings);
  /** Each headstage's mode, read before every acquisition; the amplifiers' telegraphs at start otherwise. */
  modes?: () => { headstage: number; mode: ClampMode }[];
  holding?: (headstage: number, mode: ClampMode) => number | undefined;
  /** Bridge balance in force in IC, Ω (Ra adds it back). Default 0. */
  bridgeBalance?: (headstage: number) => number;
  /** Once per cycle with every pulsed headstage's averaged reading. */
  onReadings?: (r: LiveTestPulseReading[]) => void;
  /** Once per cycle with its traces. */
  onTrace?: (t: PulseTrace) => void;
}

/** Mean of the finite values; NaN when there are none. */
function mean(v: number[]): number {
  const f = v.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : Number.NaN;
}

/**
 * Runs the test-pulse machine on a rig: pulses back to back on every headstage in its current mode,
 * each cycle analysed as soon as its samples are in, readings averaged over the last few pulses
 * and published.
 */
export class TestPulseRunner {
  private readonly actor: Actor<typeof testPulseMachine>;
  /** The acquisition loop in progress; settles once its digitizer run has ended. */
  private loopDone: Promise<void> = Promise.resolve();
  /** Ends the acquisition in progress (not the loop), so the next one reads new settings at once. */
  private cut: AbortController | undefined;

  constructor(rig: Rig, opts: TestPulseRunnerOptions = {}) {
    const given = opts.settings;
    const settings = typeof given === 'function' ? given : () => ({ ...DEFAULT_TEST_PULSE, ...given });
    const engine = new AcquisitionEngine(rig);
    const pulse = fromCallback<TestPulseEvent>(({ sendBack }) => {
      const ctl = new AbortController();
      const history = new Map<number, LiveTestPulseReading[]>();
      const analyse = (planned: PlannedSweep, cycle: PulseCycle, s: TestPulseSettings, trace: PulseTrace): LiveTestPulseReading[] => {
        const readings: LiveTestPulseReading[] = [];
        trace.headstages.forEach((headstage, k) => {
          const ph = planned.headstages[k];
          if (!ph || (ph.mode !== 'VC' && ph.mode !== 'IC')) return;
          const g = ph.mode === 'VC' ? s.vc : s.ic;
          const response = trace.responses[k] as Float32Array;
          const input = { mode: ph.mode, response, sampleRate: s.sampleRate, onset: cycle.onset, end: cycle.onset + g.width, amplitude: g.amplitude, holding: opts.holding?.(headstage, ph.mode) ?? 0, bridgeBalance: opts.bridgeBalance?.(headstage) ?? 0 };
          let r: ReturnType<typeof analyzeTestPulse>;
          try {
            r = analyzeTestPulse(input);
          } catch {
            return; // a pulse too short to analyse gives no reading
          }
          const extra = pulseBaselineAndPeak(input);
          const one: LiveTestPulseReading = { ...r, ...extra, headstage, mode: ph.mode, count: 1 };
          const h = [...(history.get(headstage) ?? []), one].slice(-s.average);
          history.set(headstage, h);
          const avg = (f: (x: LiveTestPulseReading) => number) => mean(h.map(f));
          readings.push({
            headstage,
            mode: ph.mode,
            count: h.length,
            accessResistance: avg((x) => x.accessResistance),
            inputResistance: avg((x) => x.inputResistance),
            capacitance: avg((x) => x.capacitance),
            timeConstant: avg((x) => x.timeConstant),
            holdingCurrent: avg((x) => x.holdingCurrent),
            holdingPotential: avg((x) => x.holdingPotential),
            steadyStateResistance: avg((x) => x.steadyStateResistance),
            baseline: avg((x) => x.baseline),
            peakResistance: avg((x) => x.peakResistance),
            bathFit: r.bathFit,
          });
        });
        return readings;
      };
      const loop = async () => {
        const initial = opts.modes
          ? undefined
          : await Promise.all(rig.headstages.map(async (h, headstage) => ({ headstage, mode: (await rig.amplifiers.get(h.amplifier)?.telegraph(h.channel))?.mode ?? 'VC' })));
        for (let n = 0; !ctl.signal.aborted; n++) {
          const s = settings();
          const modes = opts.modes?.() ?? initial ?? [];
          // A mode switched since the last acquisition invalidates the averages of that headstage.
          for (const m of modes) if (history.get(m.headstage)?.[0]?.mode !== m.mode) history.delete(m.headstage);
          const cycle = pulseCycle(modes.map((m) => m.mode), s);
          const pulses = Math.max(1, Math.floor(MAX_TEST_PULSE_ACQUISITION * s.sampleRate / cycle.scans));
          const planned = testPulseSweep(modes, s, n, pulses);
          const buffers = { responses: planned.headstages.map(() => new Float32Array(planned.scans)), commands: planned.headstages.map(() => new Float32Array(planned.scans)) };
          let analysed = 0;
          const onBlock = (b: SweepBlock) => {
            b.responses.forEach((r, k) => buffers.responses[k]?.set(r, b.firstScan));
            b.commands.forEach((c, k) => buffers.commands[k]?.set(c, b.firstScan));
            // Every cycle is published as soon as its last sample is in.
            while ((analysed + 1) * cycle.scans <= b.firstScan + b.scans && analysed < pulses) {
              const a = analysed * cycle.scans;
              const trace: PulseTrace = {
                sampleRate: s.sampleRate,
                scans: cycle.scans,
                headstages: b.headstages,
                responses: buffers.responses.map((x) => x.subarray(a, a + cycle.scans)),
                commands: buffers.commands.map((x) => x.subarray(a, a + cycle.scans)),
              };
              analysed++;
              opts.onTrace?.(trace);
              const readings = analyse(planned, cycle, s, trace);
              opts.onReadings?.(readings);
              sendBack({ type: 'READINGS', readings });
            }
          };
          const cut = new AbortController();
          this.cut = cut;
          await engine.runSweep(planned, { signal: AbortSignal.any([ctl.signal, cut.signal]), holding: opts.holding, onBlock });
          // Cut short by `restart`: the loop goes on with the settings of now.
          if (ctl.signal.aborted) return;
        }
      };
      this.loopDone = loop().catch((e: unknown) => {
        if (!ctl.signal.aborted) sendBack({ type: 'FAILED', error: (e as Error).message });
      });
      return () => ctl.abort();
    });
    this.actor = createActor(testPulseMachine.provide({ actors: { pulse } })).start();
  }

  start(): void {
    this.actor.send({ type: 'START' });
  }

  stop(): void {
    this.actor.send({ type: 'STOP' });
  }

  /** Ends the acquisition in progress early; the next starts at once with the current settings. */
  restart(): void {
    this.cut?.abort();
  }

  /** Stops and resolves once the acquisition in progress has ended (the rig is free). */
  async halt(): Promise<void> {
    this.stop();
    await this.loopDone;
  }

  /** True while pulses are being played. */
  get running(): boolean {
    return this.actor.getSnapshot().value === 'running';
  }

  /** Calls `fn` whenever the machine is stopped (by `stop` or by a failure). */
  onStopped(fn: () => void): () => void {
    const sub = this.actor.subscribe((snap) => {
      if (snap.value === 'stopped') fn();
    });
    return () => sub.unsubscribe();
  }

  get readings(): Record<number, TestPulseReading> {
    return this.actor.getSnapshot().context.readings;
  }

  get pulses(): number {
    return this.actor.getSnapshot().context.pulses;
  }

  get error(): string | undefined {
    return this.actor.getSnapshot().context.error;
  }
}
