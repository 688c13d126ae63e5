import { describe, expect, it } from 'vitest';
import { analyzeTestPulse } from '../../src/analysis/test-pulse.ts';
import { SlicePreparation } from '../../simulators/physics/slice.ts';
import { sliceOptionsOf } from '../support/analysis-rig.ts';
import { RATE, Twin, cellTruth, holdAll } from '../support/analysis-truth.ts';

/**
 * The current-clamp test pulse on the noise-free simulated slice (seed 12: pyramidal, Sst, Pvalb and
 * Vip cells, 5 pF pipettes) against the ground truth of tests/scenarios/analysis-ground-truth.test.ts:
 * method error alone, no noise. Measured 2026-11-26 (10 ms pulse): Ra −0.6 to −1 %, Cm −0.7 to
 * +0.1 %, Ri +0.0 to +2.6 % except the Sst cell (+8.9 %: its slow active conductances bend the
 * response after the 10 ms a pulse shows); 50 ms pulse: every figure within 2.6 %.
 */
const SEED = 12;
const ONSET = 0.1;

function pulses(width: number) {
  const twin = new Twin(sliceOptionsOf(SEED));
  holdAll(twin);
  const on = Math.round(ONSET * RATE);
  const off = on + Math.round(width * RATE);
  const y = twin.run(ONSET + width + 0.02, (_ch, i) => (i >= on && i < off ? -50e-12 : 0));
  const subclass = twin.prep.groundTruth();
  return y.map((response, ch) => ({
    subclass: subclass.cells[subclass.patched[ch] as number]?.subclass,
    r: analyzeTestPulse({ mode: 'IC', response, sampleRate: RATE, onset: ONSET, end: ONSET + width, amplitude: -50e-12, holding: 0 }),
  }));
}

const rel = (x: number, truth: number) => Math.abs(x / truth - 1);

describe('test pulse on the noise-free simulated slice vs its ground truth', () => {
  const truth = cellTruth(sliceOptionsOf(SEED));

  it('10 ms pulse (the inserted one): Ra and Cm within 2 %, Ri within 5 % except the Sst (LTS) cells', () => {
    const got = pulses(0.01);
    expect(new Set(got.map((g) => g.subclass))).toEqual(new Set(['pyramidal', 'sst', 'pvalb', 'vip']));
    got.forEach(({ subclass, r }, ch) => {
      const t = truth[ch];
      if (!t) throw new Error(`no truth for headstage ${ch}`);
      expect(rel(r.accessResistance, t.accessResistance), `Ra of ${ch}`).toBeLessThan(0.02);
      expect(rel(r.capacitance, t.capacitance), `Cm of ${ch}`).toBeLessThan(0.02);
      expect(rel(r.inputResistance, t.inputResistance), `Ri of ${ch}`).toBeLessThan(subclass === 'sst' ? 0.12 : 0.05);
    });
  }, 60_000);

  it('50 ms pulse: Ra, Ri and Cm within 5 %', () => {
    pulses(0.05).forEach(({ r }, ch) => {
      const t = truth[ch];
      if (!t) throw new Error(`no truth for headstage ${ch}`);
      expect(rel(r.accessResistance, t.accessResistance), `Ra of ${ch}`).toBeLessThan(0.05);
      expect(rel(r.inputResistance, t.inputResistance), `Ri of ${ch}`).toBeLessThan(0.05);
      expect(rel(r.capacitance, t.capacitance), `Cm of ${ch}`).toBeLessThan(0.05);
    });
  }, 60_000);
});

/**
 * The voltage-clamp test pulse (+10 mV, MIES's default) on the same noise-free slice, each cell held
 * at `hold` for 1 s first, every pulse at once as the probe's inserted pulses are. The amplifier's
 * 10 kHz corner passes unfiltered at 20 kHz and Cp is not compensated: what the pipette sees is
 * what the slice gives. Measured 2026-11-26: at −70 mV Ra within 0.6 %, Ri 1.6 %, Cm 2.1 % (the
 * reference's one exponential: the Sst cells' Ri +126 %, Ra −2.3 %); at −55 mV the step makes every
 * cell but the Sst cells fire unclamped action currents: Ra within 0.9 %, Cm 3.9 % (the one
 * exponential fails there and the reference's sampled peak read Ra +4.3 to +8.1 %).
 */
function vcPulses(hold: number, width: number) {
  const prep = new SlicePreparation(sliceOptionsOf(SEED));
  const n = prep.channelCount;
  const run = (seconds: number, step: (i: number) => number) => {
    const len = Math.round(seconds * RATE);
    const cmd = Array.from({ length: n }, () => Float64Array.from({ length: len }, (_, i) => hold + step(i)));
    const out = Array.from({ length: n }, () => new Float64Array(len));
    prep.advance(Array(n).fill('VC'), cmd, out, len, 1 / RATE);
    return out;
  };
  run(1, () => 0);
  const on = Math.round(ONSET * RATE);
  const off = on + Math.round(width * RATE);
  const y = run(ONSET + width + 0.02, (i) => (i >= on && i < off ? 0.01 : 0));
  const gt = prep.groundTruth();
  return y.map((response, ch) => ({
    subclass: gt.cells[gt.patched[ch] as number]?.subclass,
    r: analyzeTestPulse({ mode: 'VC', response, sampleRate: RATE, onset: ONSET, end: ONSET + width, amplitude: 0.01, holding: hold }),
  }));
}

describe('voltage-clamp test pulse on the noise-free simulated slice vs its ground truth', () => {
  const truth = cellTruth(sliceOptionsOf(SEED));

  it('50 ms, +10 mV from −70 mV: Ra, Ri and Cm of every cell within 5 % (the Sst cells\' T current extrapolated to its end)', () => {
    const got = vcPulses(-0.07, 0.05);
    expect(new Set(got.map((g) => g.subclass))).toEqual(new Set(['pyramidal', 'sst', 'pvalb', 'vip']));
    got.forEach(({ r }, ch) => {
      const t = truth[ch];
      if (!t) throw new Error(`no truth for headstage ${ch}`);
      expect(r.actionCurrents, `action currents on ${ch}`).toBe(false);
      expect(rel(r.accessResistance, t.accessResistance), `Ra of ${ch}`).toBeLessThan(0.05);
      expect(rel(r.inputResistance, t.inputResistance), `Ri of ${ch}`).toBeLessThan(0.05);
      expect(rel(r.capacitance, t.capacitance), `Cm of ${ch}`).toBeLessThan(0.05);
    });
  }, 60_000);

  it('50 ms, +10 mV from −55 mV: unclamped action currents are flagged (no Ri), Ra and Cm still within 5 %', () => {
    const got = vcPulses(-0.055, 0.05);
    got.forEach(({ subclass, r }, ch) => {
      const t = truth[ch];
      if (!t) throw new Error(`no truth for headstage ${ch}`);
      expect(r.actionCurrents, `action currents on ${ch} (${subclass})`).toBe(subclass !== 'sst');
      if (r.actionCurrents) expect(Number.isNaN(r.inputResistance)).toBe(true);
      expect(rel(r.accessResistance, t.accessResistance), `Ra of ${ch}`).toBeLessThan(0.05);
      expect(rel(r.capacitance, t.capacitance), `Cm of ${ch}`).toBeLessThan(0.05);
    });
  }, 60_000);
});
