import { describe, expect, it } from 'vitest';
import { CELL_CLASSES, type Subclass } from '../../../simulators/physics/cell-classes.ts';
import { Neuron, simulateCurrentClamp } from '../../../simulators/physics/neuron.ts';
import { neuronParams } from '../../../simulators/physics/neuron-models.ts';

/**
 * The slice's cell classes against the Allen Cell Types Database (ACT: mouse visual cortex,
 * whole-cell current clamp in slices at 34 °C, 1 s current steps; the dataset of Gouwens et al.
 * 2019, Nat Neurosci 22:1182). Features follow the database's definitions (AllenSDK / ipfx):
 * - rin: input resistance, MΩ, slope of the steady-state voltage over hyperpolarising steps (ef__ri);
 * - tau: membrane time constant, ms, of the response to a small hyperpolarising step (ef__tau);
 * - rheobase: smallest 1 s step that evokes a spike, pA (ef__threshold_i_long_square);
 * - fiSlope: slope of a linear fit of rate against amplitude over suprathreshold 1 s steps, Hz/pA
 *   (ef__f_i_curve_slope; here rheobase … rheobase + 100 pA in 20 pA steps);
 * - adaptation: adaptation index, the mean of (ISI[k+1] − ISI[k]) / (ISI[k+1] + ISI[k]) on the
 *   "hero" sweep, rheobase + 39…61 pA (ef__adaptation; here rheobase + 50 pA).
 *
 * Ranges. rin, tau, fiSlope and adaptation: the 10th–90th percentiles of those per-cell features
 * in the database's specimen table (cell_types_specimen_details: 2333 cells, 1920 mouse), grouped by
 * Cre line — Pvalb n = 242, Sst n = 166, Vip n = 157 (lines whose name contains Pvalb / Sst / Vip,
 * so the Vip group also holds Vipr2-Cre cells) — and, for pyramidal cells, all mouse spiny cells
 * (n = 892, layers 2/3–6). The percentiles are those computed from that table in the public
 * repository JacobFV/IBM-1 (data/sources/allen-cell-types-patchseq/evidence/population_kinetics@1/
 * measured.json); rows of the table we read agree with them. rheobase: the smallest and largest
 * value among the rows we read (four places of the table: Pvalb-IRES-Cre n = 10, 130–480 pA;
 * Sst lines n = 7, 30–210; Vip-IRES-Cre n = 5, 10–110; spiny n = 39, 50–350) — a sample, so
 * these ranges are narrower than the population's.
 * The models are measured as ACT measured the cells: at 34 °C, 1 s steps from rest.
 */
interface Range {
  rin: [number, number];
  tau: [number, number];
  rheobase: [number, number];
  fiSlope: [number, number];
  adaptation: [number, number];
}
const RANGES: Record<Subclass, Range> = {
  pyramidal: { rin: [101.7, 254.0], tau: [13.87, 30.18], rheobase: [50, 350], fiSlope: [0.0753, 0.2554], adaptation: [0.0112, 0.174] },
  pvalb: { rin: [65.8, 162.8], tau: [5.05, 10.69], rheobase: [130, 480], fiSlope: [0.513, 1.433], adaptation: [-0.0011, 0.0369] },
  sst: { rin: [134.0, 369.6], tau: [10.9, 44.27], rheobase: [30, 210], fiSlope: [0.029, 0.5767], adaptation: [0.0046, 0.2525] },
  vip: { rin: [112.7, 285.8], tau: [7.37, 23.15], rheobase: [10, 110], fiSlope: [0.0193, 0.8269], adaptation: [0.0034, 0.1579] },
};

const DT = 20e-6;
const FINE = 5e-6;
const CELSIUS = 34; // ACT recording temperature
const ONSET = 0.1;
const STEP = 1; // s, ACT long square

function stepRun(sc: Subclass, amp: number, dt = DT, stop = ONSET + STEP + 0.1) {
  const cls = CELL_CLASSES[sc];
  const n = Math.round(stop / dt);
  const I = new Float64Array(n);
  for (let i = Math.round(ONSET / dt); i < Math.min(n, Math.round((ONSET + STEP) / dt)); i++) I[i] = amp;
  const r = simulateCurrentClamp(new Neuron(neuronParams(cls.model, { ...cls.overrides, celsius: CELSIUS })), I, dt, Math.min(dt, 25e-6));
  return { v: r.v, spikes: r.spikeTimes.filter((t) => t >= ONSET && t < ONSET + STEP) };
}

interface Features {
  rin: number;
  tau: number;
  rheobase: number;
  fiSlope: number;
  adaptation: number;
  /** Peak upstroke / |peak downstroke| of the first spike at rheobase (ACT: upstroke_downstroke_ratio). */
  upDown: number;
  /** Width at half height (threshold dV/dt = 20 V/s to peak) of the first spike at 2× rheobase, ms. */
  halfWidth: number;
}

function slope(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  x.forEach((xi, k) => {
    sxy += (xi - mx) * ((y[k] as number) - my);
    sxx += (xi - mx) ** 2;
  });
  return sxy / sxx;
}

/** The first spike at `amp`, sampled finely up to 5 ms past its −20 mV crossing. */
function firstSpike(sc: Subclass, amp: number): { v: Float64Array; i0: number } {
  const t0 = stepRun(sc, amp).spikes[0] as number;
  const r = stepRun(sc, amp, FINE, t0 + 0.005);
  return { v: r.v, i0: Math.round((r.spikes[0] as number) / FINE) };
}

const cache = new Map<Subclass, Features>();

function measure(sc: Subclass): Features {
  const hit = cache.get(sc);
  if (hit) return hit;
  const cls = CELL_CLASSES[sc];
  const vRest = new Neuron(neuronParams(cls.model, { ...cls.overrides, celsius: CELSIUS })).v;
  const end = Math.round((ONSET + STEP - 0.01) / DT);
  const hyper = [-10e-12, -30e-12, -50e-12];
  const dv = hyper.map((a) => (stepRun(sc, a).v[end] as number) - vRest);
  const rin = slope(hyper, dv);
  const v10 = stepRun(sc, -10e-12).v;
  let tau = Number.NaN;
  for (let i = Math.round(ONSET / DT); i < v10.length; i++) {
    if ((v10[i] as number) - vRest <= 0.632 * (dv[0] as number)) {
      tau = i * DT - ONSET;
      break;
    }
  }
  let lo = 0;
  let hi = 1e-9;
  for (let k = 0; k < 10; k++) {
    const mid = (lo + hi) / 2;
    if (stepRun(sc, mid).spikes.length > 0) hi = mid;
    else lo = mid;
  }
  const rheobase = hi;
  const amps = [0, 20, 40, 60, 80, 100].map((d) => rheobase + d * 1e-12);
  const fiSlope = slope(amps.map((a) => a * 1e12), amps.map((a) => stepRun(sc, a).spikes.length / STEP));
  const hero = stepRun(sc, rheobase + 50e-12).spikes;
  const isi = hero.slice(1).map((t, k) => t - (hero[k] as number));
  const norm = isi.slice(1).map((x, k) => (x - (isi[k] as number)) / (x + (isi[k] as number)));
  const adaptation = norm.reduce((a, b) => a + b, 0) / norm.length;

  const atRheo = firstSpike(sc, rheobase);
  let up = 0;
  let down = 0;
  for (let i = atRheo.i0 - 200; i + 1 < atRheo.v.length; i++) {
    const d = ((atRheo.v[i + 1] as number) - (atRheo.v[i] as number)) / FINE;
    up = Math.max(up, d);
    down = Math.min(down, d);
  }
  const { v, i0 } = firstSpike(sc, 2 * rheobase);
  let ip = i0;
  while ((v[ip + 1] as number) > (v[ip] as number)) ip++;
  let it = i0;
  while (it > 0 && ((v[it] as number) - (v[it - 1] as number)) / FINE > 20) it--;
  const half = ((v[ip] as number) + (v[it] as number)) / 2;
  let a = ip;
  while ((v[a] as number) > half) a--;
  let b = ip;
  while ((v[b] as number) > half) b++;

  const f: Features = {
    rin: rin / 1e6,
    tau: tau * 1e3,
    rheobase: rheobase * 1e12,
    fiSlope,
    adaptation,
    upDown: up / -down,
    halfWidth: (b - a) * FINE * 1e3,
  };
  cache.set(sc, f);
  return f;
}

describe('cell classes of the slice — intrinsic properties inside the Allen Cell Types ranges', () => {
  it.each(['pyramidal', 'pvalb', 'sst', 'vip'] as const)('%s', (sc) => {
    const m = measure(sc);
    const r = RANGES[sc];
    for (const key of Object.keys(r) as (keyof Range)[]) {
      const [lo, hi] = r[key];
      expect({ [key]: m[key] > lo && m[key] < hi, value: m[key] }).toEqual({ [key]: true, value: m[key] });
    }
  });

  it('Pvalb spikes are the narrowest and the most symmetric, and its f–I curve the steepest', () => {
    // Not absolute ranges: a single compartment with the Traub-type Na / K_d kinetics of
    // Pospischil et al. 2008 rises at ≈ 470–580 V/s and falls at only ≈ 90–175 V/s, so its
    // upstroke/downstroke ratio is ≈ 3.3 (Pvalb) to 5.3, above the ACT 10th–90th percentiles
    // (Pvalb 1.10–1.50, Sst 1.39–2.59, Vip 1.46–3.75, spiny 2.58–4.46; medians 1.28, 1.89, 2.83,
    // 3.52), and ACT has no per-class half-width. What the classes must reproduce is the order:
    // Pvalb's ratio is well below the others' (ACT medians: 1.28 / 1.89 = 0.68 of the next, Sst),
    // its spikes are narrower than the pyramidal cell's (Tremblay, Lee & Rudy 2016, Neuron 91:260,
    // section "PV interneurons"; McCormick et al. 1985, J Neurophysiol 54:782: 0.32 vs 0.80 ms at
    // half amplitude), and its f–I slope is the highest (ACT medians Pvalb 0.94, Sst 0.29, Vip
    // 0.21, spiny 0.17 Hz/pA).
    const pv = measure('pvalb');
    const others = (['pyramidal', 'sst', 'vip'] as const).map(measure);
    for (const o of others) {
      expect(pv.upDown).toBeLessThan(0.75 * o.upDown);
      expect(pv.fiSlope).toBeGreaterThan(o.fiSlope);
    }
    expect(pv.halfWidth).toBeLessThan(0.75 * measure('pyramidal').halfWidth);
  });
});
