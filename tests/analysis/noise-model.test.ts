import { describe, expect, it } from 'vitest';
import { fitEvents } from '../../src/analysis/event-fit.ts';
import { baselineNoise, fitNoiseModel, poolNoise, whiten, whitening, type NoiseSums } from '../../src/analysis/noise-model.ts';
import { sampleShape, type PspShape } from '../../src/analysis/psp-shape.ts';
import { IC_NOISE, VC_NOISE, addNoise, gaussian, type NoiseSpec } from '../support/analysis-noise.ts';

const RATE = 20_000;

/** The noise of `trials` baselines of 200 ms (the synphys turn's baseline), pooled. */
function baselines(spec: NoiseSpec, trials: number, seed: number): NoiseSums | undefined {
  const rand = gaussian(seed);
  return poolNoise(
    Array.from({ length: trials }, () => {
      const y = new Float32Array(0.2 * RATE);
      addNoise(y, RATE, spec, rand);
      return baselineNoise(y, RATE, 0, y.length);
    }),
  );
}

function autocorrelation(x: Float64Array, lag: number): number {
  let s0 = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s0 += (x[i] as number) ** 2;
  for (let i = 0; i + lag < x.length; i++) s += (x[i] as number) * (x[i + lag] as number);
  return s / s0;
}

describe('the recording-noise model (white + one slow exponential component) read off baselines', () => {
  it('recovers the white and slow rms within 10 % and the slow time constant within 25 % from 50 baselines of 200 ms', () => {
    for (const spec of [IC_NOISE, VC_NOISE]) {
      const m = fitNoiseModel(baselines(spec, 50, 3));
      expect(m).toBeDefined();
      if (!m) continue;
      expect(Math.sqrt(m.white) / spec.whiteRms).toBeGreaterThan(0.9);
      expect(Math.sqrt(m.white) / spec.whiteRms).toBeLessThan(1.1);
      expect(Math.sqrt(m.slow) / spec.slowRms).toBeGreaterThan(0.9);
      expect(Math.sqrt(m.slow) / spec.slowRms).toBeLessThan(1.1);
      expect(m.tau / spec.slowTau).toBeGreaterThan(0.75);
      expect(m.tau / spec.slowTau).toBeLessThan(1.25);
    }
  });

  it('finds no slow part in white noise (the fit then stays ordinary least squares)', () => {
    expect(fitNoiseModel(baselines({ whiteRms: 2e-12, slowRms: 0, slowTau: 20e-3 }, 50, 4))).toBeUndefined();
  });

  it('has no model without data, or with too short a baseline', () => {
    expect(fitNoiseModel(undefined)).toBeUndefined();
    expect(baselineNoise(new Float32Array(1000), RATE, 100, 150)).toBeUndefined();
  });

  it('leaves a baseline with a non-finite sample out of the pool instead of losing the model', () => {
    const good = baselines(VC_NOISE, 20, 10);
    const bad = new Float32Array(0.2 * RATE);
    addNoise(bad, RATE, VC_NOISE, gaussian(11));
    bad[100] = Number.NaN;
    const pooled = poolNoise([good, baselineNoise(bad, RATE, 0, bad.length)]);
    expect(pooled?.sums).toEqual(good?.sums);
    expect(fitNoiseModel(pooled)).toBeDefined();
  });

  it('whitens the noise it describes: no autocorrelation left at lags of 1 sample to 20 ms (|ρ| < 0.03)', () => {
    const w = whitening(fitNoiseModel(baselines(VC_NOISE, 50, 5)), RATE);
    expect(w).toBeDefined();
    if (!w) return;
    const y = new Float32Array(2 * RATE);
    addNoise(y, RATE, VC_NOISE, gaussian(6));
    const raw = Float64Array.from(y);
    const white = whiten(y, w);
    expect(autocorrelation(raw, 40)).toBeGreaterThan(0.3);
    for (const lag of [1, 2, 5, 20, 100, 400]) expect(Math.abs(autocorrelation(white, lag))).toBeLessThan(0.03);
  });
});

describe('generalised least squares event fit (fitEvents with the noise whitening)', () => {
  const SHAPE: PspShape = { latency: 1e-3, tauRise: 0.3e-3, tauDecay: 3e-3 }; // a PSC
  const AMPS = [-20e-12, -15e-12, -12e-12, -10e-12, -9e-12, -9e-12, -8e-12, -8e-12];
  const interval = 0.02; // 50 Hz
  const n = Math.round(0.25 * RATE);
  const events = AMPS.map((_, k) => 0.05 + k * interval);
  const clean = new Float32Array(n).fill(-50e-12);
  AMPS.forEach((a, k) => {
    const col = sampleShape(SHAPE, -(events[k] as number), RATE, n);
    for (let i = 0; i < n; i++) clean[i] = (clean[i] as number) + a * (col[i] as number);
  });
  const w = whitening(fitNoiseModel(baselines(VC_NOISE, 50, 8)), RATE);

  it('is exact on noise-free data', () => {
    const f = fitEvents({ y: clean, start: 0, rate: RATE }, events, SHAPE, w);
    f.amplitudes.forEach((a, k) => expect(a / (AMPS[k] as number)).toBeCloseTo(1, 4));
    expect(f.baseline).toBeCloseTo(-50e-12, 15);
  });

  it('pins PSC amplitudes down ≥ 2× better (in s.d.) than ordinary least squares under slow noise, unbiased, and reports that spread (within 30 %)', () => {
    expect(w).toBeDefined();
    const rand = gaussian(9);
    const runs = 150;
    const ols: number[][] = [];
    const gls: number[][] = [];
    const reported: number[][] = [];
    for (let r = 0; r < runs; r++) {
      const y = Float32Array.from(clean);
      addNoise(y, RATE, VC_NOISE, rand);
      ols.push(fitEvents({ y, start: 0, rate: RATE }, events, SHAPE).amplitudes);
      const g = fitEvents({ y, start: 0, rate: RATE }, events, SHAPE, w);
      gls.push(g.amplitudes);
      reported.push(g.variances);
    }
    const stats = (rows: number[][], k: number) => {
      const a = rows.map((x) => x[k] as number);
      const m = a.reduce((s, v) => s + v, 0) / a.length;
      return { mean: m, variance: a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1) };
    };
    AMPS.forEach((truth, k) => {
      const o = stats(ols, k);
      const g = stats(gls, k);
      expect(Math.sqrt(o.variance / g.variance)).toBeGreaterThan(2);
      // Unbiased: the mean within 3 standard errors of the truth.
      expect(Math.abs(g.mean - truth)).toBeLessThan(3 * Math.sqrt(g.variance / runs));
      const rep = reported.reduce((s, v) => s + (v[k] as number), 0) / runs;
      expect(rep / g.variance).toBeGreaterThan(0.7);
      expect(rep / g.variance).toBeLessThan(1.3);
    });
  });
});
