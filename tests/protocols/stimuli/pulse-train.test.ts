import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pulseTrain, trainDuration, trainOnsetSamples, trainOnsets } from '../../../protocols/stimuli/pulse-train.ts';
import { toSample } from '../../../protocols/stimuli/timing.ts';
import { offsets, onsets, stimParams } from './helpers.ts';

const RATE = 20_000;

describe('the synphys 12-pulse train (reference §1)', () => {
  it('reproduces the published 20 Hz, 3 ms example: pulse 8 at 1375 ms, end 1378 ms, pulse 9 at 1628 ms (§1.2)', () => {
    const s = pulseTrain({ sampleRate: RATE, start: 1.025, frequency: 20, width: 0.003, amplitude: 1.3e-9, recoveryDelay: 0.25 });
    const on = onsets(s.samples);
    expect(on).toHaveLength(12);
    expect(on[0]).toBe(20_500);
    expect(on[7]).toBe(27_500); // 1375 ms
    expect(offsets(s.samples)[7]).toBe(27_560); // 1378 ms
    expect(on[8]).toBe(32_560); // 1628 ms
    // The analysis measures onset to onset: 0.253 s in the example (§1.2).
    expect(stimParams(s.samples, RATE)).toEqual({ indFreq: 20, recDelay: 0.253 });
  });

  it('numbers every pulse 1–12 as an epoch with its train, amplitude, width and frequency (§1.4)', () => {
    const s = pulseTrain({ sampleRate: RATE, start: 0.01, frequency: 50, width: 0.003, amplitude: 1e-9, recoveryDelay: 0.125 });
    const pulses = s.epochs.filter((e) => e.kind === 'pulse');
    expect(pulses.map((e) => e.params.pulse)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(pulses.map((e) => e.params.train)).toEqual([...Array(8).fill('induction'), ...Array(4).fill('recovery')]);
    expect(pulses.every((e) => e.params.amplitude === 1e-9 && e.params.width === 0.003 && e.params.frequency === 50)).toBe(true);
    expect(pulses.map((e) => Math.round(e.start * RATE))).toEqual(onsets(s.samples));
    expect(pulses.map((e) => Math.round(e.stop * RATE))).toEqual(offsets(s.samples));
    const delay = s.epochs.find((e) => e.kind === 'recovery-delay');
    expect(delay && Math.round((delay.stop - delay.start) * RATE)).toBe(2500);
    expect(s.epochs.filter((e) => e.kind === 'train').map((e) => [e.params.train, e.params.pulses])).toEqual([
      ['induction', 8],
      ['recovery', 4],
    ]);
  });

  // §1.3's formula gives 306 ms at 200 Hz (35 + 3 + 250 + 15 + 3); the "291 ms" printed beside it
  // does not follow from the formula or from the 2 ms gaps it quotes, so the formula is what we test.
  it('has the train durations of the §1.3 formula (w = 3 ms): 456, 1256, 306 and 4206 ms', () => {
    const w = 0.003;
    expect(trainDuration({ frequency: 50, width: w, recoveryDelay: 0.25 })).toBeCloseTo(0.456, 12);
    expect(trainDuration({ frequency: 10, width: w, recoveryDelay: 0.25 })).toBeCloseTo(1.256, 12);
    expect(trainDuration({ frequency: 200, width: w, recoveryDelay: 0.25 })).toBeCloseTo(0.306, 12);
    expect(trainDuration({ frequency: 50, width: w, recoveryDelay: 4 })).toBeCloseTo(4.206, 12);
    const s = pulseTrain({ sampleRate: RATE, start: 0, frequency: 200, width: w, recoveryDelay: 0.25, amplitude: 1 });
    expect(s.samples.length).toBe(toSample(0.306, RATE));
  });

  it('at 200 Hz leaves 2 ms between 3 ms pulses (§1.3)', () => {
    const s = pulseTrain({ sampleRate: RATE, start: 0, frequency: 200, width: 0.003, amplitude: 1 });
    const gaps = onsets(s.samples).slice(1).map((on, i) => on - (offsets(s.samples)[i] ?? 0));
    expect(gaps).toEqual(Array(7).fill(40));
  });

  it('is sample-exact for any valid frequency, width, delay, start and rate (property)', () => {
    const params = fc
      .record({
        rate: fc.constantFrom(10_000, 20_000, 25_000, 50_000),
        frequency: fc.double({ min: 1, max: 400, noNaN: true }),
        widthFraction: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
        delay: fc.double({ min: 0, max: 2, noNaN: true }),
        start: fc.double({ min: 0, max: 2, noNaN: true }),
        amplitude: fc.double({ min: -2e-9, max: 2e-9, noNaN: true }).filter((a) => Math.fround(a) !== 0),
      })
      .filter(({ rate, frequency, widthFraction }) => {
        const period = toSample(1 / frequency, rate);
        const w = toSample(widthFraction / frequency, rate);
        return w >= 1 && period - w >= 2;
      });
    fc.assert(
      fc.property(params, ({ rate, frequency, widthFraction, delay, start, amplitude }) => {
        const width = widthFraction / frequency;
        const s = pulseTrain({ sampleRate: rate, start, frequency, width, amplitude, recoveryDelay: delay });
        const w = toSample(width, rate);
        const d = toSample(delay, rate);
        const on = onsets(s.samples);
        const off = offsets(s.samples);
        // A delay shorter than one sample merges pulse 8 and 9 into one run of samples.
        fc.pre(d >= 1);
        expect(on).toEqual(trainOnsetSamples({ sampleRate: rate, start, frequency, width, recoveryDelay: delay }));
        // The rule, sample for sample: onset 1 = round(t0·rate); onset k = onset 1 + round((k−1)·rate/f);
        // every pulse round(w·rate) wide; onset 9 = end of pulse 8 + round(d·rate); onset 9+j = onset 9 + round(j·rate/f).
        expect(on[0]).toBe(toSample(start, rate));
        for (let k = 1; k < 8; k++) expect(on[k]! - on[0]!).toBe(toSample(k / frequency, rate));
        // …which keeps pulses 1–8 within half a sample of the nominal t0 + (k−1)/f of §1.3, counted from pulse 1.
        trainOnsets({ start: on[0]! / rate, frequency, width }).forEach((t, k) => expect(Math.abs(on[k]! / rate - t)).toBeLessThanOrEqual(0.5 / rate + 1e-8));
        expect(off.map((o, i) => o - on[i]!)).toEqual(Array(12).fill(w));
        const levels = new Set<number>();
        for (const v of s.samples) if (v !== 0) levels.add(v);
        expect([...levels]).toEqual([Math.fround(amplitude)]);
        // Recovery delay from the end of pulse 8: exactly round(d × rate) samples (§1.2, generator's definition).
        expect(on[8]! - off[7]!).toBe(d);
        // The recovery train repeats the induction train's spacing sample for sample.
        for (let j = 1; j < 4; j++) expect(on[8 + j]! - on[8]!).toBe(on[j]! - on[0]!);
        // Frequency recovered from t2 − t1 within the one-sample resolution of the grid.
        const period = (on[1]! - on[0]!) / rate;
        expect(Math.abs(1 / period - frequency)).toBeLessThanOrEqual((frequency * frequency) / rate + 1e-6);
        const pulses = s.epochs.filter((e) => e.kind === 'pulse');
        expect(pulses.map((e) => Math.round(e.start * rate))).toEqual(on);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses overlapping pulses, a negative frequency and a train longer than its buffer', () => {
    expect(() => pulseTrain({ sampleRate: RATE, start: 0, frequency: 500, width: 0.003, amplitude: 1 })).toThrow(/overlap/);
    expect(() => pulseTrain({ sampleRate: RATE, start: 0, frequency: -10, width: 0.003, amplitude: 1 })).toThrow(/positive/);
    expect(() => pulseTrain({ sampleRate: RATE, start: 0, frequency: 10, width: 0.003, amplitude: 1, recoveryDelay: 0.25, duration: 0.5 })).toThrow(/after the end of the 0.5 s buffer/);
  });
});
