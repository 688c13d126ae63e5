import { describe, expect, it } from 'vitest';
import { analyzeTestPulse } from '../../src/analysis/test-pulse.ts';
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
