import type { ClampMode } from '../../src/core/clamp.ts';
import type { PlannedSweep } from '../../protocols/plan.ts';

/** A hand-made planned sweep: one square step per headstage (for engine tests, independent of the protocol builders). */
export function stepSweep(opts: {
  rate?: number;
  duration?: number;
  headstages: { headstage: number; mode: ClampMode; amplitude: number; start: number; width: number; holding?: number; testPulse?: boolean }[];
  index?: number;
}): PlannedSweep {
  const rate = opts.rate ?? 20_000;
  const scans = Math.round((opts.duration ?? 0.1) * rate);
  return {
    index: opts.index ?? 0,
    protocol: 'test-steps',
    stimulusName: 'Step',
    sampleRate: rate,
    scans,
    headstages: opts.headstages.map((h) => {
      const stimulus = new Float32Array(scans);
      const a = Math.round(h.start * rate);
      const b = Math.round((h.start + h.width) * rate);
      stimulus.fill(h.amplitude, a, b);
      return {
        headstage: h.headstage,
        mode: h.mode,
        stimulus,
        stimScale: 1,
        holding: h.holding,
        testPulse: h.testPulse ? { start: 0.005, width: 0.01, amplitude: h.mode === 'VC' ? -0.01 : -50e-12 } : undefined,
        epochs: [{ start: a / rate, stop: b / rate, kind: 'step', headstage: h.headstage, params: { amplitude: h.amplitude } }],
      };
    }),
    epochs: [{ start: 0, stop: scans / rate, kind: 'sweep', params: {} }],
    parameters: { condition: 'step' },
    interSweepInterval: 0,
  };
}

/** Mean of `w` over [from, to) seconds. */
export function meanOver(w: Float32Array, rate: number, from: number, to: number): number {
  const a = Math.round(from * rate);
  const b = Math.round(to * rate);
  let s = 0;
  for (let i = a; i < b; i++) s += w[i] as number;
  return s / (b - a);
}
