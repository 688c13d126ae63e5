import { describe, expect, it } from 'vitest';
import { expNeg } from '../../../simulators/physics/fast-exp.ts';
import { NeuronPopulation } from '../../../simulators/physics/population.ts';
import { neuronParams } from '../../../simulators/physics/neuron-models.ts';
import { Neuron } from '../../../simulators/physics/neuron.ts';
import { Rng } from '../../../simulators/physics/rng.ts';
import { SynapseBank, type SynapseParams } from '../../../simulators/physics/synapse.ts';

describe('hot-loop building blocks', () => {
  it('expNeg matches Math.exp(−y) to 1e-13 relative over the whole range, and beyond it', () => {
    let worst = 0;
    for (let k = 0; k <= 100_000; k++) {
      const y = (k / 100_000) * 45; // past EXP_MAX_ARG = 40 into the Math.exp fallback
      const ref = Math.exp(-y);
      worst = Math.max(worst, Math.abs(expNeg(y) - ref) / ref);
    }
    expect(worst).toBeLessThan(1e-13);
    expect(expNeg(Number.NaN)).toBeNaN();
  });

  it('a population steps each cell exactly like a standalone Neuron of the same parameters', () => {
    const params = [neuronParams('rs-pyramidal'), neuronParams('fs-interneuron'), neuronParams('lts-interneuron')];
    const pop = new NeuronPopulation(params);
    pop.useSubstep(20e-6);
    const alone = params.map((p) => new Neuron(p));
    alone.forEach((n) => n.useSubstep(20e-6));
    const g = new Float64Array(3);
    const ge = new Float64Array(3);
    const i = Float64Array.of(150e-12, 300e-12, 60e-12);
    for (let k = 0; k < 20_000; k++) {
      pop.step(0, 3, g, ge, i);
      alone.forEach((n, c) => n.step(0, 0, i[c] as number));
    }
    alone.forEach((n, c) => expect(pop.v[c]).toBe(n.v));
  });

  it('grouped synapses give the same total conductance as the sum of the synapses', () => {
    // Three synapses onto cell 1, two sharing kinetics (one group), one with other kinetics.
    const base: SynapseParams = { pre: 0, post: 1, weight: 1e-9, reversal: 0, tauRise: 3e-4, tauDecay: 3e-3, latency: 1e-3, jitter: 0, stp: { U: 0.5, tauRec: 0.8, tauFacil: 0 }, releaseSites: 0 };
    const syn = [base, { ...base, pre: 2, weight: 2e-9 }, { ...base, pre: 2, reversal: -0.075, tauRise: 5e-4, tauDecay: 8e-3 }];
    const bank = new SynapseBank(syn, 3, new Rng(1));
    expect(bank.groupCount).toBe(2);
    bank.useSubstep(20e-6);
    bank.onSpike(0, 0);
    bank.onSpike(2, 0.5e-3);
    const g = new Float64Array(3);
    const ge = new Float64Array(3);
    for (let k = 0; k < 300; k++) {
      g.fill(0);
      ge.fill(0);
      bank.accumulate(k * 20e-6, g, ge);
    }
    const sum = [0, 1, 2].reduce((s, k) => s + bank.conductance(k), 0);
    expect(sum).toBeGreaterThan(1e-10);
    expect(Math.abs(bank.conductanceOnto(1) - sum)).toBeLessThan(1e-12 * sum);
  });
});
