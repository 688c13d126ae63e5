import { type Actor, createActor, fromCallback } from 'xstate';
import { analyzeTestPulse } from '../analysis/test-pulse.ts';
import type { ClampMode } from '../core/clamp.ts';
import type { Rig } from '../rig/open-rig.ts';
import { type TestPulseEvent, type TestPulseReading, testPulseMachine } from '../../protocols/machines/test-pulse.ts';
import type { PlannedSweep } from '../../protocols/plan.ts';
import { AcquisitionEngine } from './engine.ts';

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
 * One test-pulse sweep on the given headstages: every pulse starts after the longest baseline in
 * use; the sweep lasts as long as the longest geometry in use.
 */
export function testPulseSweep(headstages: { headstage: number; mode: ClampMode }[], s: TestPulseSettings, index = 0): PlannedSweep {
  const used = headstages.filter((h) => h.mode !== 'I=0').map((h) => (h.mode === 'VC' ? s.vc : s.ic));
  const geos = used.length > 0 ? used : [s.vc];
  const start = Math.max(...geos.map((g) => g.pre));
  const total = start + Math.max(...geos.map((g) => g.width + g.post));
  const scans = Math.round(total * s.sampleRate);
  const at = Math.round(start * s.sampleRate) / s.sampleRate;
  return {
    index,
    protocol: 'test-pulse',
    stimulusName: 'TestPulse',
    sampleRate: s.sampleRate,
    scans,
    headstages: headstages.map((h) => {
      const g = h.mode === 'IC' ? s.ic : s.vc;
      return {
        headstage: h.headstage,
        mode: h.mode,
        stimulus: new Float32Array(scans),
        stimScale: 1,
        testPulse: h.mode === 'I=0' ? undefined : { start: at, width: g.width, amplitude: g.amplitude },
        epochs: [],
      };
    }),
    epochs: [],
    parameters: { pulseStart: at },
    interSweepInterval: 0,
  };
}

/** Mean of the finite values; NaN when there are none. */
function mean(v: number[]): number {
  const f = v.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : Number.NaN;
}

/**
 * Runs the test-pulse machine on a rig: pulses back to back on every headstage in its current mode,
 * each analysed, readings averaged over the last few pulses and published.
 */
export class TestPulseRunner {
  private readonly actor: Actor<typeof testPulseMachine>;

  constructor(
    rig: Rig,
    opts: { settings?: Partial<TestPulseSettings>; holding?: (headstage: number, mode: ClampMode) => number | undefined; onReadings?: (r: TestPulseReading[]) => void } = {},
  ) {
    const s = { ...DEFAULT_TEST_PULSE, ...opts.settings };
    const engine = new AcquisitionEngine(rig);
    const pulse = fromCallback<TestPulseEvent>(({ sendBack }) => {
      const ctl = new AbortController();
      const history = new Map<number, TestPulseReading[]>();
      const loop = async () => {
        const modes = await Promise.all(
          rig.headstages.map(async (h, headstage) => ({ headstage, mode: (await rig.amplifiers.get(h.amplifier)?.telegraph(h.channel))?.mode ?? 'VC' })),
        );
        for (let n = 0; !ctl.signal.aborted; n++) {
          const planned = testPulseSweep(modes, s, n);
          const sweep = await engine.runSweep(planned, { signal: ctl.signal, holding: opts.holding });
          if (sweep.aborted) return;
          const readings: TestPulseReading[] = [];
          for (const ch of sweep.channels) {
            const tp = planned.headstages.find((h) => h.headstage === ch.headstage)?.testPulse;
            if (!tp || (ch.mode !== 'VC' && ch.mode !== 'IC')) continue;
            const r = analyzeTestPulse({
              mode: ch.mode,
              response: ch.response,
              sampleRate: s.sampleRate,
              onset: tp.start,
              end: tp.start + tp.width,
              amplitude: tp.amplitude,
              holding: ch.holding,
              bridgeBalance: ch.settings.device.BRIDGEEN === true && typeof ch.settings.device.BRIDGE === 'number' ? ch.settings.device.BRIDGE : 0,
            });
            const h = [...(history.get(ch.headstage) ?? []), { ...r, headstage: ch.headstage, mode: ch.mode, count: 1 }].slice(-s.average);
            history.set(ch.headstage, h);
            readings.push({
              headstage: ch.headstage,
              mode: ch.mode,
              count: h.length,
              accessResistance: mean(h.map((x) => x.accessResistance)),
              inputResistance: mean(h.map((x) => x.inputResistance)),
              capacitance: mean(h.map((x) => x.capacitance)),
              timeConstant: mean(h.map((x) => x.timeConstant)),
              holdingCurrent: mean(h.map((x) => x.holdingCurrent)),
              holdingPotential: mean(h.map((x) => x.holdingPotential)),
              steadyStateResistance: mean(h.map((x) => x.steadyStateResistance)),
              bathFit: r.bathFit,
            });
          }
          opts.onReadings?.(readings);
          sendBack({ type: 'READINGS', readings });
        }
      };
      loop().catch((e: unknown) => {
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
