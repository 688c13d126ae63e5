import { describe, expect, it } from 'vitest';
import type { ClampMode } from '../../../src/core/clamp.ts';
import { PhysicsParameterError } from '../../../simulators/physics/errors.ts';
import { PassivePreparation, type PassiveChannelConfig } from '../../../simulators/physics/passive-cell.ts';

// Reference circuit of synphys-protocols.md §4.3 ("Check values for tests"): Ra 10 MΩ into
// Ri 200 MΩ ∥ Cm 100 pF; the brief's defaults add Cp 5 pF and E = −70 mV.
const RA = 10e6;
const RM = 200e6;
const CM = 100e-12;
const E = -0.07;

function run(
  prep: PassivePreparation,
  mode: ClampMode,
  cmd: (i: number) => number,
  n: number,
  dt: number,
): Float64Array {
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = cmd(i);
  const out = new Float64Array(n);
  prep.advance([mode], [c], [out], n, dt);
  return out;
}

/** Fits τ of y(t) = y∞ + A·e^(−t/τ) from three equally spaced samples (exact for one exponential). */
function tauFrom(y0: number, y1: number, y2: number, spacing: number): number {
  return -spacing / Math.log((y2 - y1) / (y1 - y0));
}

const noCp: PassiveChannelConfig = { pipette: { pipetteCapacitance: 0 } };

describe('PassivePreparation — voltage clamp (analytic, synphys-protocols.md §4.3)', () => {
  it.each([1e-6, 20e-6, 100e-6])('a −10 mV step gives peak ΔV/Ra, steady ΔV/(Ra+Rm), τ = Cm·Ra·Rm/(Ra+Rm) at dt = %s s', (dt) => {
    const prep = new PassivePreparation([noCp]);
    // Hold at rest so the baseline current is zero, then step by −10 mV.
    const n0 = Math.round(0.005 / dt);
    run(prep, 'VC', () => E, n0, dt);
    const n = Math.round(0.02 / dt);
    const i = run(prep, 'VC', () => E - 0.01, n, dt);
    const dv = -0.01;
    expect(i[0]).toBeCloseTo(dv / RA, 15); // −1 nA exactly at the step sample
    const ss = dv / (RA + RM);
    expect((i[n - 1] as number) / ss).toBeCloseTo(1, 6); // −47.6 pA
    const tau = (CM * RA * RM) / (RA + RM); // 0.952 ms
    // Exact integration: the sampled decay is exactly exponential, so τ is recovered to rounding.
    const k = Math.max(1, Math.round(0.3e-3 / dt));
    const fitted = tauFrom(i[0] as number, i[k] as number, i[2 * k] as number, k * dt);
    expect(fitted / tau).toBeCloseTo(1, 6);
  });

  it('adds the pipette-capacitance transient Cp·ΔV/dt on the step sample only', () => {
    const dt = 10e-6;
    const prep = new PassivePreparation(1); // default Cp = 5 pF
    run(prep, 'VC', () => E, 100, dt);
    const i = run(prep, 'VC', () => E - 0.01, 3, dt);
    expect(i[0]).toBeCloseTo(-0.01 / RA + (5e-12 * -0.01) / dt, 15);
    const ref = new PassivePreparation([noCp]);
    run(ref, 'VC', () => E, 100, dt);
    const j = run(ref, 'VC', () => E - 0.01, 3, dt);
    expect(i[1]).toBeCloseTo(j[1] as number, 18);
  });

  it('a seal leak in parallel lowers the steady-state resistance to Ra + Rm∥Rseal', () => {
    const rs = 1e9;
    const prep = new PassivePreparation([{ pipette: { pipetteCapacitance: 0, sealResistance: rs } }]);
    const dt = 50e-6;
    const base = run(prep, 'VC', () => E, 2000, dt); // seal current at −70 mV is −70 mV/(Ra+…)
    const step = run(prep, 'VC', () => E - 0.01, 2000, dt);
    const rpar = (RM * rs) / (RM + rs);
    const dI = (step[1999] as number) - (base[1999] as number);
    expect(-0.01 / dI / (RA + rpar)).toBeCloseTo(1, 5);
  });
});

describe('PassivePreparation — current clamp (analytic)', () => {
  it.each([1e-6, 20e-6, 100e-6])('−50 pA charges with τ = Rm·Cm and shows the bridge error I·Ra at once (dt = %s s)', (dt) => {
    const prep = new PassivePreparation([noCp]);
    const I = -50e-12;
    const before = run(prep, 'IC', () => 0, 10, dt);
    expect(before[9]).toBeCloseTo(E, 12);
    const n = Math.round(0.2 / dt);
    const v = run(prep, 'IC', () => I, n, dt);
    // First sample: membrane has not moved, the pipette shows V = E + I·Ra (bridge error −0.5 mV).
    expect((v[0] as number) - E).toBeCloseTo(I * RA, 12);
    // After 10 τ: ΔV = I·(Ra + Rm) = −10.5 mV.
    expect(((v[n - 1] as number) - E) / (I * (RA + RM))).toBeCloseTo(1, 4);
    const k = Math.round(0.01 / dt);
    const fitted = tauFrom(v[0] as number, v[k] as number, v[2 * k] as number, k * dt);
    expect(fitted / (RM * CM)).toBeCloseTo(1, 6); // 20 ms
  });

  it('with Cp the (pipette node, membrane) pair matches a fine-step RK4 solution of the circuit ODE', () => {
    // Circuit: Cp·du/dt = I − (u − Vm)/Ra; Cm·dVm/dt = (u − Vm)/Ra − (Vm − E)/Rm (Cp = 5 pF).
    const cp = 5e-12;
    const I = -50e-12;
    const dt = 20e-6;
    const prep = new PassivePreparation(1);
    const v = run(prep, 'IC', () => I, 50, dt); // 1 ms
    const f = (u: number, vm: number): [number, number] => [
      (I - (u - vm) / RA) / cp,
      ((u - vm) / RA - (vm - E) / RM) / CM,
    ];
    let u = E;
    let vm = E;
    const h = 0.05e-6;
    const stepsPerSample = Math.round(dt / h);
    for (let k = 0; k < 50; k++) {
      // v[k] is the state at t_k (sampling convention), compared before stepping on.
      expect(Math.abs((v[k] as number) - u)).toBeLessThan(1e-9);
      for (let j = 0; j < stepsPerSample; j++) {
        const [a1, b1] = f(u, vm);
        const [a2, b2] = f(u + (h / 2) * a1, vm + (h / 2) * b1);
        const [a3, b3] = f(u + (h / 2) * a2, vm + (h / 2) * b2);
        const [a4, b4] = f(u + h * a3, vm + h * b3);
        u += (h / 6) * (a1 + 2 * a2 + 2 * a3 + a4);
        vm += (h / 6) * (b1 + 2 * b2 + 2 * b3 + b4);
      }
    }
    // Monotonic charging, no overshoot (both eigenvalues real and negative).
    for (let i = 1; i < v.length; i++) expect(v[i] as number).toBeLessThanOrEqual((v[i - 1] as number) + 1e-15);
  });

  it('I=0 ignores the command and reads the resting potential plus the pipette offset', () => {
    const prep = new PassivePreparation([{ pipette: { offsetVoltage: 0.005 } }]);
    const v = run(prep, 'I=0', () => 1e-9, 100, 20e-6);
    expect(v[99]).toBeCloseTo(E + 0.005, 12);
  });
});

describe('PassivePreparation — patching stages', () => {
  it('bath: VC current = (Vp − offset)/Rpip; cell-attached: through Rpip + Rseal; whole-cell: probe shows Cm', () => {
    const prep = new PassivePreparation([{ pipette: { stage: 'bath', offsetVoltage: 0.003, pipetteCapacitance: 0 } }]);
    expect(prep.probe(0).membraneCapacitance).toBe(0);
    expect(prep.probe(0).accessResistance).toBe(5e6);
    let i = run(prep, 'VC', () => 0.01, 5, 20e-6);
    expect(i[4]).toBeCloseTo((0.01 - 0.003) / 5e6, 18);
    prep.setPipette(0, { stage: 'cell-attached', sealResistance: 2e9 });
    i = run(prep, 'VC', () => 0.01, 5, 20e-6);
    expect(i[4]).toBeCloseTo((0.01 - 0.003) / (5e6 + 2e9), 20);
    prep.setPipette(0, { stage: 'whole-cell' });
    expect(prep.probe(0)).toEqual({
      pipetteOffsetVolts: 0.003,
      pipetteCapacitance: 0,
      accessResistance: RA,
      membraneCapacitance: CM,
    });
    expect(prep.membranePotential(0)).toBeCloseTo(E, 12);
  });

  it('bath in IC: the pipette node charges through Rpip with τ = Rpip·Cp and reads offset + I·Rpip', () => {
    const prep = new PassivePreparation([{ pipette: { stage: 'bath', offsetVoltage: 0.002 } }]);
    const dt = 1e-6;
    const v = run(prep, 'IC', () => 100e-12, 1000, dt);
    expect(v[999]).toBeCloseTo(0.002 + 100e-12 * 5e6, 9); // after 40 τ
    const tau = tauFrom(v[1] as number, v[6] as number, v[11] as number, 5 * dt);
    expect(tau / (5e6 * 5e-12)).toBeCloseTo(1, 6);
  });
});

describe('PassivePreparation — bad input', () => {
  it('refuses non-physical parameters, naming the parameter and its range', () => {
    expect(() => new PassivePreparation([{ cell: { membraneCapacitance: -1e-12 } }])).toThrow(PhysicsParameterError);
    expect(() => new PassivePreparation([{ cell: { membraneCapacitance: -1e-12 } }])).toThrow(
      /channels\[0\]\.cell\.membraneCapacitance = -1e-12 is outside its allowed range \[1e-13, 1e-8\] F/,
    );
    expect(() => new PassivePreparation([{ pipette: { accessResistance: Number.NaN } }])).toThrow(/accessResistance = NaN/);
    const prep = new PassivePreparation(1);
    expect(() => prep.advance(['VC'], [new Float64Array(1)], [new Float64Array(1)], 1, 0.01)).toThrow(/dt = 0.01/);
  });

  it('never emits NaN: non-finite commands are treated as zero', () => {
    const prep = new PassivePreparation(1);
    const v = run(prep, 'IC', (i) => (i % 2 ? Number.NaN : Number.POSITIVE_INFINITY), 50, 20e-6);
    const j = run(prep, 'VC', () => Number.NaN, 50, 20e-6);
    expect([...v, ...j].every(Number.isFinite)).toBe(true);
  });
});
