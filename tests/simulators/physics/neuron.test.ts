import { describe, expect, it } from 'vitest';
import { PhysicsParameterError } from '../../../simulators/physics/errors.ts';
import { Neuron, simulateCurrentClamp } from '../../../simulators/physics/neuron.ts';
import { neuronParams, type ModelName } from '../../../simulators/physics/neuron-models.ts';

function stepResponse(name: ModelName, amp: number, duration: number, dt: number, maxSubstep?: number, overrides = {}) {
  const n = Math.round(duration / dt);
  const current = new Float64Array(n).fill(amp);
  return simulateCurrentClamp(new Neuron(neuronParams(name, overrides)), current, dt, maxSubstep);
}

describe('Neuron — Pospischil et al. 2008 parameter sets', () => {
  // Pospischil et al. 2008 (Biol Cybern 99:427) list the resting potential of each fitted model:
  // RS −71.9 mV, FS −71.4 mV, LTS −54 mV. Reproducing them checks the channel equations and densities.
  it.each([
    ['rs-pyramidal', -71.9e-3],
    ['fs-interneuron', -71.4e-3],
    ['lts-interneuron', -54e-3],
  ] as const)('%s rests at the published potential (%s V ± 0.3 mV) and stays there', (name, vRest) => {
    const nrn = new Neuron(neuronParams(name));
    expect(Math.abs(nrn.v - vRest)).toBeLessThan(0.3e-3);
    const { v, spikeTimes } = simulateCurrentClamp(nrn, new Float64Array(5000), 20e-6); // 100 ms, no input
    expect(spikeTimes).toEqual([]);
    expect(Math.abs((v[4999] as number) - vRest)).toBeLessThan(0.3e-3);
  });

  it('the RS model adapts: later inter-spike intervals are longer (I_M, Pospischil 2008)', () => {
    const { spikeTimes } = stepResponse('rs-pyramidal', 120e-12, 0.6, 20e-6);
    expect(spikeTimes.length).toBeGreaterThan(4);
    const first = (spikeTimes[1] as number) - (spikeTimes[0] as number);
    const last = (spikeTimes.at(-1) as number) - (spikeTimes.at(-2) as number);
    expect(last / first).toBeGreaterThan(1.5);
  });

  it('the LTS model fires a rebound burst after release from hyperpolarisation (I_T, Pospischil 2008)', () => {
    const dt = 20e-6;
    const n = Math.round(0.8 / dt);
    const current = new Float64Array(n);
    for (let i = 0; i < Math.round(0.4 / dt); i++) current[i] = -60e-12; // hyperpolarise to ≈ −75 mV, de-inactivating I_T
    const { spikeTimes } = simulateCurrentClamp(new Neuron(neuronParams('lts-interneuron')), current, dt);
    const rebound = spikeTimes.filter((t) => t > 0.4 && t < 0.5);
    expect(rebound.length).toBeGreaterThanOrEqual(1);
    // Without I_T there is no rebound spike.
    const noT = simulateCurrentClamp(new Neuron(neuronParams('lts-interneuron', { gT: 0 })), current, dt);
    expect(noT.spikeTimes.filter((t) => t > 0.4 && t < 0.5)).toEqual([]);
  });
});

describe('Neuron — Hodgkin & Huxley 1952 squid axon (per unit area)', () => {
  const UA_PER_CM2 = 1e-6; // with the default area of 1 cm², 1 µA/cm² is 1 µA

  it('rests at −65 mV (HH 1952 in the modern convention)', () => {
    expect(new Neuron(neuronParams('hh1952')).v).toBeCloseTo(-0.065, 3);
  });

  it('fires repetitively at 10 µA/cm² but not at 5 µA/cm² (onset ≈ 6.3 µA/cm², Rinzel & Miller 1980, Math Biosci 49:27)', () => {
    const late = (amp: number): number =>
      stepResponse('hh1952', amp * UA_PER_CM2, 0.3, 20e-6).spikeTimes.filter((t) => t > 0.1).length;
    expect(late(5)).toBe(0);
    // ≈ 68 Hz at 10 µA/cm², 6.3 °C (Rinzel & Miller 1980, f–I curve): 12–15 spikes in 200 ms.
    expect(late(10)).toBeGreaterThanOrEqual(12);
    expect(late(10)).toBeLessThanOrEqual(15);
  });

  it('scales with area: the same current density gives the same voltage for a 100× smaller patch', () => {
    const a = stepResponse('hh1952', 10 * UA_PER_CM2, 0.05, 20e-6);
    const b = stepResponse('hh1952', 0.1 * UA_PER_CM2, 0.05, 20e-6, undefined, { area: 1e-6 });
    expect(b.spikeTimes).toEqual(a.spikeTimes);
  });

  it('warming speeds the kinetics by Q10 = 3: spikes are narrower at 16.3 °C than at 6.3 °C', () => {
    const width = (celsius: number): number => {
      const dt = 5e-6;
      const { v } = stepResponse('hh1952', 20 * UA_PER_CM2, 0.02, dt, 5e-6, { celsius });
      let up = 0;
      while ((v[up] as number) <= 0) up++;
      let down = up;
      while ((v[down] as number) > 0) down++;
      return (down - up) * dt; // time above 0 mV of the first spike
    };
    expect(width(16.3)).toBeLessThan(0.7 * width(6.3));
  });
});

describe('Neuron — numerics (Rush–Larsen gates + exponential-Euler voltage)', () => {
  // The integrator is first order: error ∝ substep. Measured against a 1 µs reference, a 25 µs
  // substep keeps every spike of 0.3 s of repetitive firing within 0.2 ms (the claim documented at
  // DEFAULT_MAX_SUBSTEP in neuron.ts).
  it.each(['rs-pyramidal', 'fs-interneuron', 'hh1952'] as const)('%s: 25 µs substep vs 1 µs reference — same spikes, each within 0.2 ms', (name) => {
    const amp = name === 'hh1952' ? 10e-6 : 120e-12;
    const ref = stepResponse(name, amp, 0.3, 25e-6, 1e-6);
    const coarse = stepResponse(name, amp, 0.3, 25e-6, 25e-6);
    expect(ref.spikeTimes.length).toBeGreaterThan(2);
    expect(coarse.spikeTimes.length).toBe(ref.spikeTimes.length);
    coarse.spikeTimes.forEach((t, i) => expect(Math.abs(t - (ref.spikeTimes[i] as number))).toBeLessThan(0.2e-3));
  });

  it('stays finite and bounded under absurd inputs (stability, never NaN)', () => {
    const dt = 50e-6;
    const current = new Float64Array(2000);
    for (let i = 0; i < current.length; i++) current[i] = i % 400 < 200 ? 1e-6 : i % 3 ? Number.NaN : -1e-6;
    const { v } = simulateCurrentClamp(new Neuron(neuronParams('fs-interneuron')), current, dt, 50e-6);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  it('refuses non-physical parameters and too-large steps, naming the parameter and range', () => {
    expect(() => neuronParams('rs-pyramidal', { specificCapacitance: -0.01 })).toThrow(PhysicsParameterError);
    expect(() => neuronParams('rs-pyramidal', { specificCapacitance: -0.01 })).toThrow(
      /neuron\.specificCapacitance = -0\.01 is outside its allowed range \[0\.001, 0\.1\] F\/m²/,
    );
    expect(() => neuronParams('fs-interneuron', { gNa: Number.NaN })).toThrow(/neuron\.gNa = NaN/);
    expect(() => neuronParams('hh1952', { celsius: 80 })).toThrow(/celsius = 80/);
    const nrn = new Neuron(neuronParams('rs-pyramidal'));
    expect(() => nrn.useSubstep(200e-6)).toThrow(/substep = 0\.0002 is outside its allowed range/);
    expect(() => simulateCurrentClamp(nrn, new Float64Array(1), 0.01)).toThrow(/dt = 0\.01/);
  });
});
