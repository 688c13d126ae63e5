import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chirp, chirpFrequency, chirpPhase } from '../../../protocols/stimuli/chirp.ts';
import { holdingOffset, scaled } from '../../../protocols/stimuli/holding.ts';
import { noise } from '../../../protocols/stimuli/noise.ts';
import { ramp } from '../../../protocols/stimuli/ramp.ts';
import { squareStep } from '../../../protocols/stimuli/square.ts';
import { testPulse, testPulseGeometry } from '../../../protocols/stimuli/test-pulse.ts';
import { concat, silence, sum, toSample } from '../../../protocols/stimuli/timing.ts';
import { offsets, onsets } from './helpers.ts';

const RATE = 20_000;
const rates = fc.constantFrom(10_000, 20_000, 25_000, 50_000, 100_000);

describe('the sample grid', () => {
  it('rounds a time to the nearest sample, ties to the later one, absorbing binary error of decimal times', () => {
    expect(toSample(0.0125, RATE)).toBe(250);
    expect(toSample(1.15, RATE)).toBe(23_000); // 1.15 × 20000 = 22999.999999999996 in binary
    expect(toSample(2.5 / RATE, RATE)).toBe(3);
    expect(toSample(2.4 / RATE, RATE)).toBe(2);
  });
});

describe('square step', () => {
  it('is sample-exact: onset round(t·rate), width round(w·rate), the amplitude, zero elsewhere (property)', () => {
    fc.assert(
      fc.property(rates, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1e-3, max: 0.5, noNaN: true }), fc.double({ min: -1e-9, max: 1e-9, noNaN: true }).filter((a) => Math.fround(a) !== 0), (rate, start, width, amplitude) => {
        const s = squareStep({ sampleRate: rate, start, width, amplitude, duration: start + width + 0.01 });
        expect(onsets(s.samples)).toEqual([toSample(start, rate)]);
        expect(offsets(s.samples)).toEqual([toSample(start, rate) + toSample(width, rate)]);
        expect(s.samples.length).toBe(toSample(start + width + 0.01, rate));
        expect(s.samples[toSample(start, rate)]).toBe(Math.fround(amplitude));
        expect(s.epochs).toEqual([{ start: toSample(start, rate) / rate, stop: (toSample(start, rate) + toSample(width, rate)) / rate, kind: 'step', params: { amplitude, width } }]);
      }),
    );
  });

  it('refuses a step shorter than one sample or longer than its buffer', () => {
    expect(() => squareStep({ sampleRate: RATE, start: 0, width: 1e-5, amplitude: 1 })).toThrow(/shorter than one sample/);
    expect(() => squareStep({ sampleRate: RATE, start: 0.5, width: 1, amplitude: 1, duration: 1 })).toThrow(/after the end/);
  });
});

describe('ramp', () => {
  it('follows from + (to − from)·(t − start)/T at every sample time and is zero outside (property)', () => {
    fc.assert(
      fc.property(rates, fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: -0.1, max: 0.1, noNaN: true }), fc.double({ min: -0.1, max: 0.1, noNaN: true }), (rate, start, T, from, to) => {
        const s = ramp({ sampleRate: rate, start, rampDuration: T, from, to, duration: start + T + 0.01 });
        const first = toSample(start, rate);
        const n = toSample(T, rate);
        for (const i of [first, first + (n >> 1), first + n - 1]) expect(s.samples[i]).toBeCloseTo(from + ((to - from) * (i - first)) / n, 6);
        expect(s.samples.subarray(0, first).every((v) => v === 0)).toBe(true);
        expect(s.samples.subarray(first + n).every((v) => v === 0)).toBe(true);
        expect(s.epochs[0]).toMatchObject({ kind: 'ramp', start: first / rate, stop: (first + n) / rate, params: { from, to } });
      }),
      { numRuns: 50 },
    );
  });
});

describe('chirp (reference §5)', () => {
  /** Instantaneous frequency from the time between consecutive rising zero crossings. */
  function crossingFrequencies(samples: Float32Array, rate: number): { t: number; f: number }[] {
    const ups: number[] = [];
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1]!;
      const b = samples[i]!;
      if (a < 0 && b >= 0) ups.push(i - 1 + a / (a - b));
    }
    return ups.slice(1).map((u, k) => ({ t: (u + ups[k]!) / 2 / rate, f: rate / (u - ups[k]!) }));
  }

  for (const scale of ['linear', 'log'] as const) {
    it(`${scale}: every sample is A·sin φ(t), and the frequency measured from zero crossings follows f(t) within 1 %`, () => {
      const o = { sampleRate: RATE, start: 0.1, chirpDuration: 10, startFrequency: 1, endFrequency: 15, amplitude: 50e-12, scale };
      const s = chirp({ ...o, duration: 10.2 });
      const first = toSample(0.1, RATE);
      for (const i of [0, 1, 777, 20_000, 123_456, 199_999]) expect(s.samples[first + i]).toBeCloseTo(Math.fround(50e-12 * Math.sin(chirpPhase(o, i / RATE))), 18);
      expect(s.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeCloseTo(50e-12, 13);
      for (const { t, f } of crossingFrequencies(s.samples.subarray(first, first + 200_000), RATE)) expect(Math.abs(f / chirpFrequency(o, t) - 1)).toBeLessThan(0.01);
      expect(chirpFrequency(o, 0)).toBe(1);
      expect(chirpFrequency(o, 10)).toBeCloseTo(15, 10);
      if (scale === 'log') expect(chirpFrequency(o, 5)).toBeCloseTo(Math.sqrt(15), 10);
      else expect(chirpFrequency(o, 5)).toBeCloseTo(8, 10);
      expect(s.epochs).toEqual([expect.objectContaining({ kind: 'chirp', start: 0.1, stop: 10.1, params: expect.objectContaining({ scale, startFrequency: 1, endFrequency: 15 }) })]);
    });
  }

  it('refuses frequencies at or above Nyquist and non-positive ones', () => {
    expect(() => chirp({ sampleRate: 1000, start: 0, chirpDuration: 1, startFrequency: 1, endFrequency: 500, amplitude: 1, scale: 'linear' })).toThrow(/Nyquist/);
    expect(() => chirp({ sampleRate: 1000, start: 0, chirpDuration: 1, startFrequency: 0, endFrequency: 5, amplitude: 1, scale: 'log' })).toThrow(/> 0/);
  });
});

describe('seeded noise', () => {
  it('is the same for the same seed, different for another, with the asked mean and sd', () => {
    const o = { sampleRate: RATE, start: 0.05, noiseDuration: 2, sd: 10e-12, mean: 5e-12, seed: 42 };
    const a = noise(o);
    expect(noise(o).samples).toEqual(a.samples);
    expect(noise({ ...o, seed: 43 }).samples).not.toEqual(a.samples);
    const first = toSample(0.05, RATE);
    const body = Array.from(a.samples.subarray(first));
    expect(body).toHaveLength(40_000);
    const m = body.reduce((x, y) => x + y, 0) / body.length;
    const sd = Math.sqrt(body.reduce((x, y) => x + (y - m) ** 2, 0) / body.length);
    expect(m).toBeCloseTo(5e-12, 12); // ± 0.5 pA; standard error 0.05 pA
    expect(sd / 10e-12).toBeGreaterThan(0.98);
    expect(sd / 10e-12).toBeLessThan(1.02);
    expect(a.samples.subarray(0, first).every((v) => v === 0)).toBe(true);
    expect(a.epochs[0]).toMatchObject({ kind: 'noise', start: 0.05, stop: 2.05, params: { seed: 42, sd: 10e-12 } });
  });
});

describe('holding offset and inserted test pulse (reference §1.4, §4.1)', () => {
  it('holding is a constant over the whole buffer with one holding epoch', () => {
    const h = holdingOffset({ sampleRate: RATE, duration: 0.5, level: -0.07 });
    expect(h.samples.length).toBe(10_000);
    expect(h.samples.every((v) => v === Math.fround(-0.07))).toBe(true);
    expect(h.epochs).toEqual([{ start: 0, stop: 0.5, kind: 'holding', params: { level: -0.07 } }]);
  });

  it('has MIES geometry: total = width / (1 − 2 × baseline fraction); 10 ms at 35 % → 33.3 ms window, pulse after 11.7 ms', () => {
    const g = testPulseGeometry(0.01, 0.35);
    expect(g.total).toBeCloseTo(0.01 / 0.3, 12);
    expect(g.pulseOffset).toBeCloseTo(0.35 * (0.01 / 0.3), 12);
    const tp = testPulse({ sampleRate: RATE, width: 0.01, baselineFraction: 0.35, amplitude: -50e-12 });
    expect(tp.samples.length).toBe(toSample(0.01 / 0.3, RATE));
    expect(onsets(tp.samples)).toEqual([toSample(g.pulseOffset, RATE)]);
    expect(offsets(tp.samples)[0]! - onsets(tp.samples)[0]!).toBe(200);
    expect(tp.epochs[0]).toMatchObject({ kind: 'test-pulse', params: { amplitude: -50e-12, width: 0.01, baselineFraction: 0.35 } });
  });
});

describe('concat and sum', () => {
  it('concat moves each part\'s epochs by the samples before it, exactly on the grid', () => {
    const a = squareStep({ sampleRate: RATE, start: 0.01, width: 0.02, amplitude: 1, duration: 0.05 });
    const b = squareStep({ sampleRate: RATE, start: 0.005, width: 0.01, amplitude: 2, duration: 0.03 });
    const c = concat(RATE, a, silence(0.0123, RATE), b);
    expect(c.samples.length).toBe(1000 + 246 + 600);
    expect(onsets(c.samples)).toEqual([200, 1000 + 246 + 100]);
    expect(c.epochs.map((e) => [e.start, e.stop])).toEqual([
      [0.01, 0.03],
      [1346 / RATE, 1546 / RATE],
    ]);
  });

  it('sum adds sample by sample over the longest part and merges epochs in time order; scaled keeps epochs', () => {
    const hold = holdingOffset({ sampleRate: RATE, duration: 0.1, level: -0.07 });
    const step = squareStep({ sampleRate: RATE, start: 0.02, width: 0.01, amplitude: 0.01 });
    const s = sum(hold, step);
    expect(s.samples.length).toBe(2000);
    expect(s.samples[400]).toBe(Math.fround(Math.fround(-0.07) + Math.fround(0.01))); // float32 parts summed in double
    expect(s.samples[399]).toBe(Math.fround(-0.07));
    expect(s.epochs.map((e) => e.kind)).toEqual(['holding', 'step']);
    const x2 = scaled(step, 2);
    expect(x2.samples[400]).toBe(Math.fround(0.02));
    expect(x2.epochs).toBe(step.epochs);
  });
});
