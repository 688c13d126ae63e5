import { describe, expect, it } from 'vitest';
import { analyzeTestPulse } from '../../src/analysis/test-pulse.ts';
import { BesselLowpass4 } from '../../simulators/devices/amplifier/bessel-filter.ts';
import { Rng } from '../../simulators/physics/rng.ts';

const RATE = 100_000;

/** Ideal circuit of synphys-protocols.md §4.3: series Ra into Ri ∥ Cm, no filtering. */
function vcTrace(ra: number, ri: number, cm: number, a: number, noise = 0): Float64Array {
  const tau = (cm * ra * ri) / (ra + ri);
  const y = new Float64Array(Math.round(0.04 * RATE));
  const rng = new Rng(5);
  for (let i = 0; i < y.length; i++) {
    const t = i / RATE - 0.01;
    const base = -2e-12;
    y[i] = base + (t >= 0 && t < 0.01 ? a / (ra + ri) + (a / ra - a / (ra + ri)) * Math.exp(-t / tau) : 0) + noise * rng.normal();
  }
  return y;
}

function icTrace(ri: number, cm: number, ra: number, i0: number, bb = 0): Float64Array {
  const tau = ri * cm;
  const y = new Float64Array(Math.round(0.3 * RATE));
  for (let k = 0; k < y.length; k++) {
    const t = k / RATE - 0.05;
    y[k] = -0.07 + (t >= 0 && t < 0.2 ? i0 * (ra - bb) + i0 * ri * (1 - Math.exp(-t / tau)) : 0);
  }
  return y;
}

describe('test-pulse analysis (neuroanalysis procedure, synphys-protocols.md §4.3)', () => {
  it('recovers Ra, Ri, Cm and τ of the reference check circuit in voltage clamp', () => {
    const r = analyzeTestPulse({ mode: 'VC', response: vcTrace(10e6, 200e6, 100e-12, -0.01), sampleRate: RATE, onset: 0.01, end: 0.02, amplitude: -0.01, holding: -0.07 });
    // The transient is extrapolated back to the onset, so Ra is not biased by the 50 µs padding.
    expect(Math.abs(r.accessResistance / 10e6 - 1)).toBeLessThan(0.01);
    expect(r.inputResistance / 200e6).toBeCloseTo(1, 2);
    expect(r.timeConstant / 0.952e-3).toBeCloseTo(1, 2);
    expect(Math.abs(r.capacitance / 100e-12 - 1)).toBeLessThan(0.01);
    expect(r.holdingCurrent).toBeCloseTo(-2e-12, 15);
    expect(r.bathFit).toBe(false);
  });

  it('stays within 5 % with realistic noise (2 pA rms)', () => {
    const r = analyzeTestPulse({ mode: 'VC', response: vcTrace(10e6, 200e6, 100e-12, -0.01, 2e-12), sampleRate: RATE, onset: 0.01, end: 0.02, amplitude: -0.01, holding: -0.07 });
    expect(Math.abs(r.inputResistance / 200e6 - 1)).toBeLessThan(0.05);
    expect(Math.abs(r.capacitance / 100e-12 - 1)).toBeLessThan(0.08);
  });

  it('recovers Ri, Cm, τ and Ra in current clamp, with the bridge balance added back', () => {
    const r = analyzeTestPulse({ mode: 'IC', response: icTrace(200e6, 100e-12, 10e6, -50e-12, 4e6), sampleRate: RATE, onset: 0.05, end: 0.25, amplitude: -50e-12, holding: 0, bridgeBalance: 4e6 });
    expect(r.inputResistance / 200e6).toBeCloseTo(1, 2);
    expect(r.timeConstant / 0.02).toBeCloseTo(1, 2);
    expect(r.capacitance / 100e-12).toBeCloseTo(1, 2);
    expect(r.accessResistance / 10e6).toBeCloseTo(1, 2);
    expect(r.holdingPotential).toBeCloseTo(-0.07, 9);
  });

  it('falls back to Ohm’s law for an open pipette in the bath (no exponential)', () => {
    const y = new Float64Array(4000);
    const rng = new Rng(9);
    for (let i = 0; i < y.length; i++) y[i] = (i >= 1000 && i < 2000 ? -0.01 / 5e6 : 0) + 1e-12 * rng.normal();
    const r = analyzeTestPulse({ mode: 'VC', response: y, sampleRate: RATE, onset: 0.01, end: 0.02, amplitude: -0.01, holding: 0 });
    expect(r.bathFit).toBe(true);
    expect(Number.isNaN(r.timeConstant)).toBe(true);
    expect(r.steadyStateResistance / 5e6).toBeCloseTo(1, 2);
  });
});

/**
 * Exact step response of the current-clamp circuit with pipette capacitance (src/analysis/ic-circuit.ts):
 * I into the pipette node (Cp), through Ra into Rm ∥ Cm; a pulse of `width` at `onset`, −70 mV
 * baseline, the bridge subtracting I·bb while the pulse is on.
 */
function icCircuitTrace(o: { ra: number; rm: number; cm: number; cp: number; i0: number; rate: number; onset: number; width: number; total: number; bb?: number }): Float64Array {
  const R = o.ra + o.rm;
  const tm = o.rm * o.cm;
  const b1 = tm + o.cp * R;
  const b2 = o.cp * o.ra * tm;
  const disc = Math.sqrt(b1 * b1 - 4 * b2);
  const tf = (b1 - disc) / 2;
  const ts = (b1 + disc) / 2;
  const as = (R * ts - o.ra * tm) / (ts - tf);
  const af = R - as;
  const step = (t: number) => (t <= 0 ? 0 : o.i0 * (R - af * Math.exp(-t / tf) - as * Math.exp(-t / ts)));
  const y = new Float64Array(Math.round(o.total * o.rate));
  for (let k = 0; k < y.length; k++) {
    const t = k / o.rate - o.onset;
    y[k] = -0.07 + step(t) - step(t - o.width) - (t >= 0 && t < o.width ? (o.bb ?? 0) * o.i0 : 0);
  }
  return y;
}

const rel = (x: number, truth: number) => Math.abs(x / truth - 1);

describe('current-clamp test pulse with pipette capacitance (fast stage + membrane charging)', () => {
  // 10 MΩ · 5 pF = 50 µs: one sample at 20 kHz. The one-exponential reading is ≈ 2·Ra·Cp/Cm low in
  // Ra (8 % at 120 pF, 17 % at 60 pF) and ≈ Cp high in Cm; the circuit reading must stay within 1 %.
  for (const rate of [20_000, 50_000]) {
    for (const cm of [120e-12, 60e-12]) {
      it(`recovers Ra, Ri, Cm and Cp at ${rate / 1000} kHz, Cm ${cm * 1e12} pF`, () => {
        const y = icCircuitTrace({ ra: 10e6, rm: 150e6, cm, cp: 5e-12, i0: -50e-12, rate, onset: 0.02, width: 0.01, total: 0.05 });
        const r = analyzeTestPulse({ mode: 'IC', response: y, sampleRate: rate, onset: 0.02, end: 0.03, amplitude: -50e-12, holding: 0 });
        expect(rel(r.accessResistance, 10e6)).toBeLessThan(0.01);
        expect(rel(r.inputResistance, 150e6)).toBeLessThan(0.01);
        expect(rel(r.capacitance, cm)).toBeLessThan(0.01);
        expect(rel(r.pipetteCapacitance ?? Number.NaN, 5e-12)).toBeLessThan(0.02);
        expect(rel(r.timeConstant, 150e6 * cm)).toBeLessThan(0.015);
      });
    }
  }

  it('adds the bridge balance back (the bridge steps at once, the pipette node does not)', () => {
    const y = icCircuitTrace({ ra: 15e6, rm: 200e6, cm: 80e-12, cp: 4e-12, i0: -50e-12, rate: 20_000, onset: 0.02, width: 0.01, total: 0.05, bb: 12e6 });
    const r = analyzeTestPulse({ mode: 'IC', response: y, sampleRate: 20_000, onset: 0.02, end: 0.03, amplitude: -50e-12, holding: 0, bridgeBalance: 12e6 });
    expect(rel(r.accessResistance, 15e6)).toBeLessThan(0.01);
    expect(rel(r.inputResistance, 200e6)).toBeLessThan(0.01);
    expect(rel(r.capacitance, 80e-12)).toBeLessThan(0.01);
  });

  it('reads Ra from the first 10 ms of a long pulse and Ri from its whole length', () => {
    const y = icCircuitTrace({ ra: 10e6, rm: 150e6, cm: 120e-12, cp: 5e-12, i0: -50e-12, rate: 20_000, onset: 0.02, width: 0.08, total: 0.2 });
    const r = analyzeTestPulse({ mode: 'IC', response: y, sampleRate: 20_000, onset: 0.02, end: 0.1, amplitude: -50e-12, holding: 0 });
    expect(rel(r.accessResistance, 10e6)).toBeLessThan(0.01);
    expect(rel(r.inputResistance, 150e6)).toBeLessThan(0.005);
    expect(rel(r.capacitance, 120e-12)).toBeLessThan(0.01);
  });

  // Not modelled (docs/analysis.md): an output filter slow enough to shape the fast stage reads as
  // extra Cp. A 10 kHz 4-pole Bessel at 50 kHz (the live test pulse's rate): Ra +4.7 % / +11 %,
  // Cm −3.8 % / −7.5 % on 120 / 60 pF; the one-exponential reading: Ra −11 % / −20 %, Cm +3 % / +7 %.
  for (const [cm, raBound, cmBound] of [[120e-12, 0.06, 0.05], [60e-12, 0.12, 0.08]] as const) {
    it(`bounds the error a 10 kHz Bessel filter adds at 50 kHz, Cm ${cm * 1e12} pF`, () => {
      const y = icCircuitTrace({ ra: 10e6, rm: 150e6, cm, cp: 5e-12, i0: -50e-12, rate: 50_000, onset: 0.02, width: 0.01, total: 0.05 });
      const filter = new BesselLowpass4(10_000, 50_000);
      filter.reset(y[0]);
      filter.process(y);
      const r = analyzeTestPulse({ mode: 'IC', response: y, sampleRate: 50_000, onset: 0.02, end: 0.03, amplitude: -50e-12, holding: 0 });
      expect(rel(r.accessResistance, 10e6)).toBeLessThan(raBound);
      expect(rel(r.inputResistance, 150e6)).toBeLessThan(0.02);
      expect(rel(r.capacitance, cm)).toBeLessThan(cmBound);
    });
  }

  it('stays on the one-exponential reading when the pipette capacitance is neutralised (Cp = 0)', () => {
    const y = icCircuitTrace({ ra: 10e6, rm: 150e6, cm: 60e-12, cp: 1e-16, i0: -50e-12, rate: 20_000, onset: 0.02, width: 0.01, total: 0.05 });
    const r = analyzeTestPulse({ mode: 'IC', response: y, sampleRate: 20_000, onset: 0.02, end: 0.03, amplitude: -50e-12, holding: 0 });
    expect(rel(r.accessResistance, 10e6)).toBeLessThan(0.01);
    expect(rel(r.capacitance, 60e-12)).toBeLessThan(0.01);
    expect(r.pipetteCapacitance ?? Number.NaN).toBeLessThan(0.1e-12);
  });
});
