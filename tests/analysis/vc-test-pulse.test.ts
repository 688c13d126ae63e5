import { describe, expect, it } from 'vitest';
import { analyzeTestPulse } from '../../src/analysis/test-pulse.ts';
import { BesselLowpass4 } from '../../simulators/devices/amplifier/bessel-filter.ts';
import { Rng } from '../../simulators/physics/rng.ts';

/**
 * The voltage-clamp circuit of a test pulse: an ideal clamp steps the pipette by `a` at `onset`;
 * current flows through Ra onto the membrane, Cm ∥ Rm ∥ a slow conductance (Rx in series with an
 * inductance Lx: the linearised form of a conductance that relaxes after a step, Mauro 1970; none
 * when Lx is 0). Sampled as the simulated slice does: sample i is the current at t_i, the pipette
 * capacitance's charge Cp·ΔV delivered within the sample of each step. Exact (2 × 2 matrix
 * exponential), no noise.
 */
interface Circuit {
  ra: number;
  rm: number;
  cm: number;
  cp?: number;
  rx?: number;
  lx?: number;
  a: number;
  rate: number;
  onset: number;
  width: number;
  total: number;
}

const BASELINE = 20e-12;

/** Current after a step of 1 V at t = 0 (state at rest before), A. */
function stepResponse(c: Circuit): (t: number) => number {
  const gx = c.lx ? 1 : 0;
  const rx = c.rx ?? 1;
  const lx = c.lx || 1;
  // d/dt [Vm, Ix] = M·[Vm, Ix] + [1/(Ra·Cm), 0] for a unit step.
  const m11 = -(1 / c.ra + 1 / c.rm) / c.cm;
  const m12 = -gx / c.cm;
  const m21 = gx / lx;
  const m22 = c.lx ? -rx / lx : -1;
  const b1 = 1 / (c.ra * c.cm);
  const det = m11 * m22 - m12 * m21;
  // Steady state x∞ = −M⁻¹·b.
  const v = (-m22 * b1) / det;
  const ix = (m21 * b1) / det;
  const tr = m11 + m22;
  const disc = Math.sqrt(tr * tr - 4 * det);
  const l1 = (tr + disc) / 2;
  const l2 = (tr - disc) / 2;
  return (t) => {
    if (t < 0) return 0;
    // e^(Mt) = (e^(λ1 t)(M − λ2) − e^(λ2 t)(M − λ1)) / (λ1 − λ2), applied to x(0) − x∞ = −x∞.
    const e1 = Math.exp(l1 * t);
    const e2 = Math.exp(l2 * t);
    const vm = v - (e1 * ((m11 - l2) * v + m12 * ix) - e2 * ((m11 - l1) * v + m12 * ix)) / (l1 - l2);
    return (1 - vm) / c.ra;
  };
}

function vcCircuit(c: Circuit): Float64Array {
  const unit = stepResponse(c);
  const y = new Float64Array(Math.round(c.total * c.rate));
  const on = Math.round(c.onset * c.rate);
  const off = on + Math.round(c.width * c.rate);
  for (let i = 0; i < y.length; i++) {
    const t = (i - on) / c.rate;
    const cp = (i === on ? 1 : i === off ? -1 : 0) * (c.cp ?? 0) * c.a * c.rate;
    y[i] = BASELINE + c.a * (unit(t) - unit(t - c.width)) + cp;
  }
  return y;
}

function analyse(c: Circuit, y = vcCircuit(c)) {
  return analyzeTestPulse({ mode: 'VC', response: y, sampleRate: c.rate, onset: c.onset, end: c.onset + c.width, amplitude: c.a, holding: -0.07 });
}

const rel = (x: number, truth: number) => Math.abs(x / truth - 1);

describe('voltage-clamp test pulse read as its circuit (Ra onto Cm ∥ Rm)', () => {
  for (const rate of [20_000, 50_000]) {
    for (const [cm, width, a] of [[120e-12, 0.05, 0.01], [60e-12, 0.01, -0.01], [60e-12, 0.05, 0.01]] as const) {
      it(`passive cell with 5 pF pipette, ${rate / 1000} kHz, Cm ${cm * 1e12} pF, ${width * 1e3} ms, ${a * 1e3} mV: exact Ra, Ri, Cm, τ`, () => {
        const c: Circuit = { ra: 10e6, rm: 150e6, cm, cp: 5e-12, a, rate, onset: 0.02, width, total: width + 0.04 };
        const r = analyse(c);
        expect(r.bathFit).toBe(false);
        expect(r.actionCurrents).toBe(false);
        expect(rel(r.accessResistance, 10e6)).toBeLessThan(1e-4);
        expect(rel(r.inputResistance, 150e6)).toBeLessThan(1e-4);
        expect(rel(r.capacitance, cm)).toBeLessThan(1e-4);
        expect(rel(r.timeConstant, (cm * 10e6 * 150e6) / 160e6)).toBeLessThan(1e-4);
        expect(r.holdingCurrent).toBeCloseTo(BASELINE, 15);
      });
    }
  }

  it('a slow conductance relaxing within the pulse: Ri is its DC value, Ra and Cm exact', () => {
    // Rm ∥ Rx = 200 MΩ at DC; the slow mode's τ ≈ 12 ms. ΔV/ΔI − Ra is 210 MΩ at 25 ms and still
    // 201.2 MΩ at the end of the 50 ms pulse.
    const c: Circuit = { ra: 10e6, rm: 300e6, cm: 100e-12, rx: 600e6, lx: 7.3e6, a: 0.01, rate: 20_000, onset: 0.02, width: 0.05, total: 0.1 };
    const r = analyse(c);
    expect(rel(r.inputResistance, 200e6)).toBeLessThan(1e-3);
    expect(rel(r.accessResistance, 10e6)).toBeLessThan(1e-4);
    expect(rel(r.capacitance, 100e-12)).toBeLessThan(1e-3);
  });

  it('a drift slower than the pulse is read where the pulse ends, not extrapolated', () => {
    // τ ≈ 240 ms on a 50 ms pulse: the fit cannot tell it from a ramp. ΔV/ΔI − Ra is 275 MΩ at the
    // end, 200 MΩ at DC; the fit, its slow τ at the bound, reads 0.5 % above the end value.
    const c: Circuit = { ra: 10e6, rm: 300e6, cm: 100e-12, rx: 600e6, lx: 146e6, a: 0.01, rate: 20_000, onset: 0.02, width: 0.05, total: 0.1 };
    const end = stepResponse(c)(c.width - 50e-6) * c.a;
    const r = analyse(c);
    expect(rel(r.inputResistance, c.a / end - 10e6)).toBeLessThan(0.01);
    expect(rel(r.accessResistance, 10e6)).toBeLessThan(1e-4);
    expect(rel(r.capacitance, 100e-12)).toBeLessThan(1e-3);
  });

  it('action currents escaping the clamp: no Ri; Ra and Cm from the transient before them', () => {
    const c: Circuit = { ra: 10e6, rm: 150e6, cm: 100e-12, cp: 5e-12, a: 0.01, rate: 20_000, onset: 0.02, width: 0.05, total: 0.1 };
    const y = vcCircuit(c);
    // Unclamped spikes: 5 nA inward, 0.3 ms wide, from 3 ms into the pulse and every 12 ms after.
    for (let i = 0; i < y.length; i++) {
      const t = i / c.rate - c.onset;
      for (let s = 0.003; s < c.width; s += 0.012) y[i] = (y[i] as number) - 5e-9 * Math.exp(-0.5 * ((t - s) / 0.3e-3) ** 2);
    }
    const r = analyse(c, y);
    expect(r.actionCurrents).toBe(true);
    expect(r.bathFit).toBe(false);
    expect(Number.isNaN(r.inputResistance)).toBe(true);
    expect(rel(r.accessResistance, 10e6)).toBeLessThan(1e-4);
    expect(rel(r.capacitance, 100e-12)).toBeLessThan(1e-4);
  });

  it('a sealed pipette (2 GΩ, 3 pA rms of noise, its capacitance uncompensated) stays a bath pulse: its noise is no action current', () => {
    const rate = 50_000;
    for (let seed = 1; seed <= 50; seed++) {
      const rng = new Rng(seed);
      const c: Circuit = { ra: 2e9, rm: 1e12, cm: 1e-15, cp: 5e-12, a: -0.01, rate, onset: 0.01, width: 0.01, total: 0.03 };
      const y = vcCircuit(c).map((v) => v + 3e-12 * rng.normal());
      const r = analyse(c, y);
      expect({ seed, bath: r.bathFit, actionCurrents: r.actionCurrents }).toEqual({ seed, bath: true, actionCurrents: false });
    }
  });

  // Not modelled (docs/analysis.md): the output filter delays the transient, so it reads larger at
  // the onset. A 10 kHz 4-pole Bessel at 50 kHz (the live test pulse's case): Ra −2.5 % / −4.9 %,
  // Cm +2.3 % / +4.6 % on 120 / 60 pF; Ri +0.2 / +0.3 %.
  for (const [cm, bound] of [[120e-12, 0.03], [60e-12, 0.055]] as const) {
    it(`bounds the error a 10 kHz Bessel filter adds at 50 kHz, Cm ${cm * 1e12} pF`, () => {
      const c: Circuit = { ra: 10e6, rm: 150e6, cm, cp: 5e-12, a: 0.01, rate: 50_000, onset: 0.02, width: 0.05, total: 0.1 };
      const y = vcCircuit(c);
      const filter = new BesselLowpass4(10_000, c.rate);
      filter.reset(y[0]);
      filter.process(y);
      const r = analyse(c, y);
      expect(rel(r.accessResistance, 10e6)).toBeLessThan(bound);
      expect(rel(r.capacitance, cm)).toBeLessThan(bound);
      expect(rel(r.inputResistance, 150e6)).toBeLessThan(0.005);
    });
  }
});
