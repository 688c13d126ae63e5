import { describe, expect, it } from 'vitest';
import { PADE_MAX_ARG, expNeg } from '../../../simulators/physics/fast-exp.ts';
import type { GateForm } from '../../../simulators/physics/channels.ts';
import { COL_H, COL_M, COL_N, TABLE_MIN, TABLE_STEP, gateTable, modelGates, temperatureFactors } from '../../../simulators/physics/gate-table.ts';
import { NeuronPopulation } from '../../../simulators/physics/population.ts';
import { neuronParams } from '../../../simulators/physics/neuron-models.ts';
import { Neuron } from '../../../simulators/physics/neuron.ts';
import { Rng } from '../../../simulators/physics/rng.ts';
import { SynapseBank, type SynapseParams } from '../../../simulators/physics/synapse.ts';

describe('hot-loop building blocks', () => {
  it('expNeg matches Math.exp(−y) to 6.1e-10 relative on its Padé range, exactly beyond it', () => {
    let worst = 0;
    for (let k = 0; k < 100_000; k++) {
      const y = (k / 100_000) * PADE_MAX_ARG;
      const ref = Math.exp(-y);
      worst = Math.max(worst, Math.abs(expNeg(y) - ref) / ref);
    }
    expect(worst).toBeLessThan(6.1e-10);
    expect(worst).toBeGreaterThan(1e-10); // the bound documented in fast-exp.ts is tight, not slack
    for (const y of [PADE_MAX_ARG, 0.3, 5, 45, -0.1]) expect(expNeg(y)).toBe(Math.exp(-y));
    expect(expNeg(Number.NaN)).toBeNaN();
  });

  it('the voltage step is exponential Euler: a passive membrane relaxes as the exact exponential', () => {
    // No active currents: V(t) = V∞ + (V0 − V∞)·e^(−t·G/C) exactly; an extra conductance sets
    // y = h·G/C on both sides of the Padé switch (0.25).
    for (const y of [1e-3, 0.1, 0.24, 0.6]) {
      const nrn = new Neuron(neuronParams('rs-pyramidal', { gNa: 0, gK: 0, gM: 0 }));
      const h = nrn.substep;
      const gExt = (y * nrn.capacitance) / h - nrn.leakConductance;
      const gTot = gExt + nrn.leakConductance;
      const vInf = (nrn.leakConductance * nrn.params.eLeak + gExt * -0.02) / gTot;
      let exact = nrn.v;
      let worst = 0;
      for (let k = 0; k < 50; k++) {
        nrn.step(gExt, gExt * -0.02, 0);
        exact = vInf + (exact - vInf) * Math.exp(-y);
        worst = Math.max(worst, Math.abs(nrn.v - exact));
      }
      // ≈ 50 mV from V∞: 1e-9 relative per step (fast-exp.ts) bounds the trajectory by 1e-10 V.
      expect(worst).toBeLessThan(1e-10);
    }
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

  it('one table row gives the Rush–Larsen gate update of the published rates (interpolation error)', () => {
    // x ← x∞ + (x − x∞)·e^(−h/τ), evaluated from channels.ts at potentials between table rows.
    const h = 20e-6;
    for (const name of ['rs-pyramidal', 'lts-interneuron', 'hh1952'] as const) {
      const p = neuronParams(name);
      const t = gateTable(p, h);
      const g = modelGates(p);
      const { phi, phiM } = temperatureFactors(p);
      const gates: [string, number, GateForm, number, number][] = [
        ['m', COL_M, g.m, phi, 2e-7],
        ['h', COL_H, g.h, phi, 2e-7],
        ['n', COL_N, g.n, phi, 2e-7],
      ];
      if (t.colP >= 0) gates.push(['p', t.colP, g.p, phiM, 2e-7]);
      if (t.colU >= 0) gates.push(['u', t.colU, g.u, phi, 3e-5]); // τ_u has a kink at V + Vx = −80 mV
      const worst = new Map<string, number>();
      for (let k = 0; k < 20_000; k++) {
        const v = -0.1 + (k / 20_000) * 0.15 + 1.234e-7; // between rows
        const pos = (v - TABLE_MIN) / TABLE_STEP;
        const f = pos - Math.floor(pos);
        const r = Math.floor(pos) * t.stride;
        const at = (c: number): number => (t.data[r + c] as number) + (t.data[r + c + 1] as number) * f;
        for (const [gateName, col, gate, factor] of gates) {
          const b = Math.exp((-h * 1e3 * factor) / gate.tauMs(v * 1e3));
          const inf = gate.inf(v * 1e3);
          for (const x of [0, 0.5, 1]) {
            const err = Math.abs(at(col) + at(col + 2) * x - (inf + (x - inf) * b));
            worst.set(gateName, Math.max(worst.get(gateName) ?? 0, err));
          }
        }
      }
      for (const [gateName, , , , tol] of gates) expect({ name, gateName, ok: (worst.get(gateName) as number) < tol }).toEqual({ name, gateName, ok: true });
    }
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
