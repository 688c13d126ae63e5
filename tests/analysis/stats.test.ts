import { describe, expect, it } from 'vitest';
import { confirmsConnection, detect } from '../../src/analysis/pair-analysis.ts';
import type { PairTrial } from '../../src/analysis/records.ts';
import { oneSampleT, solveLinear, studentTwoSidedP } from '../../src/analysis/stats.ts';
import { gaussian } from '../support/analysis-noise.ts';

describe("Student's t", () => {
  it('gives the textbook two-sided p-values', () => {
    // t tables: df 9 → 2.262 at p = 0.05, 3.250 at 0.01, 4.781 at 0.001; df 1 → 12.706 at 0.05.
    expect(studentTwoSidedP(2.262, 9)).toBeCloseTo(0.05, 3);
    expect(studentTwoSidedP(3.25, 9)).toBeCloseTo(0.01, 3);
    expect(studentTwoSidedP(4.781, 9)).toBeCloseTo(0.001, 4);
    expect(studentTwoSidedP(12.706, 1)).toBeCloseTo(0.05, 3);
    expect(studentTwoSidedP(0, 5)).toBeCloseTo(1, 10);
  });

  it('tests a mean against zero', () => {
    const r = oneSampleT([1, 2, 3, 4]);
    expect(r.t).toBeCloseTo(2.5 / (Math.sqrt(5 / 3) / 2), 10);
    expect(r.df).toBe(3);
  });
});

describe('linear solve', () => {
  it('solves a 3 × 3 system', () => {
    const x = solveLinear(Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2]), Float64Array.from([1, 2, 3]), 3);
    const back = [4 * x[0]! + x[1]!, x[0]! + 3 * x[1]! + x[2]!, x[1]! + 2 * x[2]!];
    back.forEach((v, i) => expect(v).toBeCloseTo([1, 2, 3][i]!, 12));
  });
});

/** A pair's trials whose responses and baseline windows come from the same noise: no connection. */
function nullTrials(rand: () => number, n: number, shift = 0): PairTrial[] {
  return Array.from({ length: n }, (_, i) => ({
    sweep: i,
    pre: 0,
    post: 1,
    mode: 'IC',
    holding: -0.07,
    frequency: 50,
    recoveryDelay: 0.25,
    events: [],
    pulses: Array.from({ length: 12 }, (_, k) => k + 1),
    used: Array(12).fill(true),
    failed: Array(12).fill(''),
    segments: [],
    detection: Array.from({ length: 12 }, () => shift + 30e-6 * rand()),
    nullAmplitudes: Array.from({ length: 4 }, () => 30e-6 * rand()),
    firstAmplitude: shift + 30e-6 * rand(),
    nullFirst: Array.from({ length: 4 }, () => 30e-6 * rand()),
  }));
}

describe('connection detection (the statistic and its false-positive rate)', () => {
  it('multiplies p by the number of response categories tested (−70 and −55 mV: α per pair stays α)', () => {
    const trials = nullTrials(gaussian(11), 10, -30e-6);
    const one = detect(trials);
    expect(detect(trials, 2).pValue).toBeCloseTo(Math.min(1, 2 * one.pValue), 12);
  });

  it('calls a share of null pairs "significant" that matches the nominal level', () => {
    const rand = gaussian(7);
    const pairs = Array.from({ length: 4000 }, () => detect(nullTrials(rand, 10)));
    const at = (alpha: number) => pairs.filter((p) => p.pValue < alpha).length / pairs.length;
    // Binomial s.d. at 4000 pairs: 0.0034 at 5 %, 0.0016 at 1 %.
    expect(Math.abs(at(0.05) - 0.05)).toBeLessThan(0.012);
    expect(Math.abs(at(0.01) - 0.01)).toBeLessThan(0.006);
    expect(pairs.filter((p) => p.status === 'connected').length / pairs.length).toBeLessThan(0.004);
  });

  it('detects a response of a few noise s.d. per trial, with its sign', () => {
    const d = detect(nullTrials(gaussian(3), 10, -40e-6));
    expect(d.status).toBe('connected');
    expect(d.sign).toBe(-1);
    expect(Math.abs(d.strength + 40e-6)).toBeLessThan(15e-6);
  });

  it('confirms a call only when the fitted first PSP has its sign and at least 20 µV (1 pA in VC)', () => {
    // Seed 12 at five repetitions: p = 7.7e-4 with a −51 µV detection strength, fitted PSP +6.6 µV.
    expect(confirmsConnection(-1, 6.6e-6, 'IC')).toBe(false);
    expect(confirmsConnection(-1, -6.6e-6, 'IC')).toBe(false);
    expect(confirmsConnection(-1, -25e-6, 'IC')).toBe(true);
    expect(confirmsConnection(1, 0.5e-3, 'IC')).toBe(true);
    expect(confirmsConnection(1, -0.5e-3, 'IC')).toBe(false);
    // Voltage clamp: an excitatory connection's current is inward (categories.test.ts has the sign rule).
    expect(confirmsConnection(1, -2e-12, 'VC')).toBe(true);
    expect(confirmsConnection(1, -0.5e-12, 'VC')).toBe(false);
    expect(confirmsConnection(0, 1e-3, 'IC')).toBe(false);
  });

  it('is never more than uncertain with fewer than 3 trials', () => {
    expect(detect(nullTrials(gaussian(4), 2, 1e-3)).status).not.toBe('connected');
  });
});
