import { describe, expect, it } from 'vitest';
import { CELL_CLASSES, type Subclass } from '../../../simulators/physics/cell-classes.ts';
import { Neuron, simulateCurrentClamp } from '../../../simulators/physics/neuron.ts';
import { neuronParams } from '../../../simulators/physics/neuron-models.ts';

/**
 * Expected ranges for mouse neocortex in slices at 32–36 °C. Sources: the Allen Cell Types
 * Database feature distributions by transcriptomic subclass (Gouwens et al. 2019, Nat Neurosci
 * 22:1182; mouse VISp, 34 °C) and the review of Tremblay, Lee & Rudy 2016 (Neuron 91:260) —
 * Pvalb: low R_in, fast τ, narrow non-adapting spikes, high rheobase and steep f–I; Sst: higher
 * R_in, adapting, low rheobase; Vip: highest R_in; pyramidal: broad adapting spikes. The numeric
 * bounds are ours: deliberately broad envelopes around those distributions (read from figures, not
 * tables), so they check the class character, not a fit.
 */
interface Range {
  rin: [number, number]; // MΩ
  tau: [number, number]; // ms
  rheobase: [number, number]; // pA
  halfWidth: [number, number]; // ms
  fiSlope: [number, number]; // Hz/pA, from rheobase + 50 pA to rheobase + 100 pA
  adaptation: [number, number]; // last / first ISI at 2× rheobase
}
const RANGES: Record<Subclass, Range> = {
  pyramidal: { rin: [80, 300], tau: [10, 40], rheobase: [50, 300], halfWidth: [0.5, 1.5], fiSlope: [0.05, 0.4], adaptation: [1.3, 5] },
  pvalb: { rin: [50, 200], tau: [3, 15], rheobase: [100, 500], halfWidth: [0.2, 0.5], fiSlope: [0.2, 1.0], adaptation: [0.8, 1.3] },
  sst: { rin: [150, 500], tau: [10, 40], rheobase: [20, 200], halfWidth: [0.4, 1.0], fiSlope: [0.1, 0.8], adaptation: [1.3, 6] },
  vip: { rin: [200, 800], tau: [10, 40], rheobase: [10, 150], halfWidth: [0.4, 1.2], fiSlope: [0.1, 1.0], adaptation: [1.0, 4] },
};

const DT = 20e-6;

function stepRun(sc: Subclass, amp: number, dt = DT) {
  const cls = CELL_CLASSES[sc];
  const n = Math.round(0.8 / dt);
  const I = new Float64Array(n);
  for (let i = Math.round(0.1 / dt); i < Math.round(0.7 / dt); i++) I[i] = amp;
  return simulateCurrentClamp(new Neuron(neuronParams(cls.model, cls.overrides)), I, dt, Math.min(dt, 25e-6));
}

function measure(sc: Subclass) {
  const cls = CELL_CLASSES[sc];
  const vRest = new Neuron(neuronParams(cls.model, cls.overrides)).v;
  const { v } = stepRun(sc, -10e-12);
  const vEnd = v[Math.round(0.69 / DT)] as number;
  const rin = (vEnd - vRest) / -10e-12;
  let tau = Number.NaN;
  for (let i = Math.round(0.1 / DT); i < v.length; i++) {
    if ((v[i] as number) - vRest <= 0.632 * (vEnd - vRest)) {
      tau = i * DT - 0.1;
      break;
    }
  }
  let lo = 0;
  let hi = 1e-9;
  for (let k = 0; k < 10; k++) {
    const mid = (lo + hi) / 2;
    if (stepRun(sc, mid).spikeTimes.length > 0) hi = mid;
    else lo = mid;
  }
  const rheobase = hi;
  const rate = (amp: number): number => stepRun(sc, amp).spikeTimes.length / 0.6;
  const fiSlope = (rate(rheobase + 100e-12) - rate(rheobase + 50e-12)) / 50;
  const fine = 5e-6;
  const r = stepRun(sc, 2 * rheobase, fine);
  const st = r.spikeTimes;
  const i0 = Math.round((st[0] as number) / fine); // on the upstroke (−20 mV crossing)
  let ip = i0;
  while ((r.v[ip + 1] as number) > (r.v[ip] as number)) ip++;
  let it = i0;
  while (it > 0 && ((r.v[it] as number) - (r.v[it - 1] as number)) / fine > 20) it--; // threshold: dV/dt = 20 V/s
  const half = ((r.v[ip] as number) + (r.v[it] as number)) / 2;
  let a = ip;
  while ((r.v[a] as number) > half) a--;
  let b = ip;
  while ((r.v[b] as number) > half) b++;
  const isi = st.slice(1).map((t, i) => t - (st[i] as number));
  return {
    rin: rin / 1e6,
    tau: tau * 1e3,
    rheobase: rheobase * 1e12,
    halfWidth: (b - a) * fine * 1e3,
    fiSlope,
    adaptation: (isi.at(-1) as number) / (isi[0] as number),
  };
}

describe('cell classes of the slice — intrinsic properties inside the cited ranges', () => {
  it.each(['pyramidal', 'pvalb', 'sst', 'vip'] as const)('%s', (sc) => {
    const m = measure(sc);
    const r = RANGES[sc];
    for (const key of Object.keys(r) as (keyof Range)[]) {
      const [lo, hi] = r[key];
      expect({ [key]: m[key] > lo && m[key] < hi, value: m[key] }).toEqual({ [key]: true, value: m[key] });
    }
  });

  it('Pvalb spikes are narrower and its f–I curve steeper than the pyramidal cell’s (Tremblay et al. 2016)', () => {
    const pv = measure('pvalb');
    const pyr = measure('pyramidal');
    expect(pv.halfWidth).toBeLessThan(0.75 * pyr.halfWidth);
    expect(pv.fiSlope).toBeGreaterThan(pyr.fiSlope);
  });
});
