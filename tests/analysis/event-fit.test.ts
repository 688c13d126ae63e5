import { describe, expect, it } from 'vitest';
import { fitEvents } from '../../src/analysis/event-fit.ts';
import { sampleShape, peakTime, riseTime, type PspShape } from '../../src/analysis/psp-shape.ts';
import { gaussian } from '../support/analysis-noise.ts';

const RATE = 20_000;
const SHAPE: PspShape = { latency: 1e-3, tauRise: 1.5e-3, tauDecay: 20e-3 };

/** A 200 Hz train of summing PSPs on a drifting baseline, sampled like a recording. */
function train(amplitudes: number[], interval: number, drift = 0): { y: Float32Array; events: number[] } {
  const n = Math.round(0.2 * RATE);
  const events = amplitudes.map((_, k) => 0.01 + k * interval);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = -0.07 + drift * (i / RATE);
  amplitudes.forEach((a, k) => {
    const col = sampleShape(SHAPE, -(events[k] as number), RATE, n);
    for (let i = 0; i < n; i++) y[i] = (y[i] as number) + a * (col[i] as number);
  });
  return { y, events };
}

describe('the unit response', () => {
  it('peaks at exactly 1 at its analytic peak time and is zero before its onset', () => {
    const col = sampleShape(SHAPE, 0, 1e6, 40_000);
    const max = Math.max(...col);
    expect(max).toBeCloseTo(1, 6);
    expect(col.indexOf(max) / 1e6).toBeCloseTo(SHAPE.latency + peakTime(SHAPE), 5);
    expect(col[Math.floor(SHAPE.latency * 1e6) - 1]).toBe(0);
  });

  it('has a 10–90 % rise time shorter than its peak time', () => {
    expect(riseTime(SHAPE)).toBeGreaterThan(0);
    expect(riseTime(SHAPE)).toBeLessThan(peakTime(SHAPE));
  });
});

describe('amplitudes of overlapping responses (fitEvents)', () => {
  const truth = [1e-3, 0.6e-3, 0.45e-3, 0.4e-3, 0.38e-3, 0.37e-3, 0.36e-3, 0.36e-3];

  it('recovers every amplitude of a 200 Hz train, where each response rides on the previous ones', () => {
    const { y, events } = train(truth, 0.005);
    const f = fitEvents({ y, start: 0, rate: RATE }, events, SHAPE);
    f.amplitudes.forEach((a, k) => expect(a).toBeCloseTo(truth[k] as number, 7));
    expect(f.baseline).toBeCloseTo(-0.07, 6);
  });

  it('is not fooled by a linear baseline drift', () => {
    const { y, events } = train(truth, 0.005, 0.01);
    const f = fitEvents({ y, start: 0, rate: RATE }, events, SHAPE);
    f.amplitudes.forEach((a, k) => expect(a).toBeCloseTo(truth[k] as number, 6));
    expect(f.drift).toBeCloseTo(0.01, 4);
  });

  it('differs from a naive peak-minus-pre-pulse measurement, which underestimates summing responses', () => {
    const { y, events } = train(truth, 0.005);
    // Naive: the largest value in the 5 ms after each event minus the value at the event.
    const naive = events.map((e) => {
      const i0 = Math.round(e * RATE);
      let max = -Infinity;
      for (let i = i0; i < i0 + 100; i++) max = Math.max(max, y[i] as number);
      return max - (y[i0] as number);
    });
    expect(Math.abs((naive[1] as number) - (truth[1] as number)) / (truth[1] as number)).toBeGreaterThan(0.2);
  });
});

describe('how well each amplitude is pinned down (fitEvents variances)', () => {
  const SIGMA = 50e-6;
  /** Many noisy copies of a train: the spread of each fitted amplitude, and the variance the fit reports. */
  function spread(interval: number, runs: number): { measured: number[]; reported: number[] } {
    const rand = gaussian(7);
    const amps = [0.5e-3, 0.5e-3, 0.5e-3, 0.5e-3];
    const { y: clean, events } = train(amps, interval);
    const fits = Array.from({ length: runs }, () => {
      const y = Float32Array.from(clean, (v) => v + SIGMA * rand());
      return fitEvents({ y, start: 0, rate: RATE }, events, SHAPE);
    });
    const measured = amps.map((_, k) => {
      const a = fits.map((f) => f.amplitudes[k] as number);
      const m = a.reduce((x, z) => x + z, 0) / a.length;
      return a.reduce((x, z) => x + (z - m) ** 2, 0) / (a.length - 1);
    });
    const reported = amps.map((_, k) => fits.reduce((x, f) => x + (f.variances[k] as number), 0) / fits.length);
    return { measured, reported };
  }

  it('reports the sampling variance of every amplitude under white noise (within 25 % of the spread over 200 noisy copies)', () => {
    for (const interval of [0.005, 0.05]) {
      const { measured, reported } = spread(interval, 200);
      reported.forEach((v, k) => expect(v / (measured[k] as number)).toBeGreaterThan(0.75));
      reported.forEach((v, k) => expect(v / (measured[k] as number)).toBeLessThan(1.25));
    }
  });

  it('knows an amplitude inside a 200 Hz train less well than an isolated one', () => {
    const fast = spread(0.005, 20).reported;
    const slow = spread(0.05, 20).reported;
    expect((fast[1] as number) / (slow[1] as number)).toBeGreaterThan(2);
  });
});
