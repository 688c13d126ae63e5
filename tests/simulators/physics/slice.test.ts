import { describe, expect, it } from 'vitest';
import type { ClampMode } from '../../../src/core/clamp.ts';
import { CONNECTION_RULES, E_EXC, E_INH, connectionProbability, type Subclass } from '../../../simulators/physics/cell-classes.ts';
import { SlicePreparation, type SliceOptions } from '../../../simulators/physics/slice.ts';
import { probeTrainOnsets, tmRelease } from '../../../simulators/physics/stp.ts';
import type { SynapseParams } from '../../../simulators/physics/synapse.ts';

const DT = 50e-6; // 20 kHz, the synphys default rate (synphys-protocols.md §6)

function synapse(pre: number, post: number, preClass: Subclass, postClass: Subclass, extra: Partial<SynapseParams> = {}): SynapseParams {
  const r = CONNECTION_RULES[preClass][postClass];
  return {
    pre,
    post,
    weight: r.weight,
    reversal: preClass === 'pyramidal' ? E_EXC : E_INH,
    tauRise: r.tauRise,
    tauDecay: r.tauDecay,
    latency: r.latency,
    jitter: 0,
    stp: r.stp,
    releaseSites: 0,
    ...extra,
  };
}

/** Runs the slice for `duration` with per-channel command functions; returns measured traces. */
function run(
  prep: SlicePreparation,
  modes: ClampMode[],
  commands: ((t: number) => number)[],
  duration: number,
  t0 = 0,
): Float64Array[] {
  const n = Math.round(duration / DT);
  const cmd = commands.map((f) => Float64Array.from({ length: n }, (_, i) => f(t0 + i * DT)));
  const out = commands.map(() => new Float64Array(n));
  prep.advance(modes, cmd, out, n, DT);
  return out;
}

/** 3 ms, 1.5 nA current pulses at the given onsets: one spike each (synphys-protocols.md §1.1). */
function pulses(onsets: number[], amp = 1.5e-9, width = 0.003): (t: number) => number {
  return (t) => (onsets.some((o) => t >= o && t < o + width) ? amp : 0);
}

describe('SlicePreparation — synapses driven by presynaptic spikes', () => {
  it('simulated release equals the Tsodyks–Markram recursion over the spikes of a 12-pulse train', () => {
    const prep = new SlicePreparation({
      seed: 3,
      subclasses: ['pyramidal', 'sst'],
      synapses: [synapse(0, 1, 'pyramidal', 'sst', { jitter: 0.2e-3 })],
    });
    const log = prep.recordReleases();
    const onsets = probeTrainOnsets(50, 0.25).map((t) => 0.05 + t);
    run(prep, ['IC', 'IC'], [pulses(onsets), () => 0], 0.6);
    const spikes = prep.spikes(0);
    expect(spikes).toHaveLength(12); // one spike per pulse
    const expected = tmRelease(CONNECTION_RULES.pyramidal.sst.stp, spikes);
    expect(log).toHaveLength(12);
    log.forEach((e, k) => {
      expect(e.spikeTime).toBe(spikes[k]);
      expect(Math.abs(e.release - (expected[k] as number))).toBeLessThan(1e-14);
    });
    // Pyramid→Sst facilitates (cell-classes.ts): release at pulse 8 exceeds pulse 1.
    expect((log[7]?.release as number) / (log[0]?.release as number)).toBeGreaterThan(1.5);
  });

  it('an IPSC reverses at E_inh (−75 mV) while an EPSC stays inward at −55 mV (voltage clamp)', () => {
    // Cells: 0 pvalb → 2 pyramidal (inhibitory), 1 pyramidal → 2 (excitatory).
    const opts: SliceOptions = {
      seed: 5,
      subclasses: ['pvalb', 'pyramidal', 'pyramidal'],
      synapses: [synapse(0, 2, 'pvalb', 'pyramidal'), synapse(1, 2, 'pyramidal', 'pyramidal')],
      pipettes: [{}, {}, { pipetteCapacitance: 0 }],
    };
    const peakCurrent = (driver: 0 | 1, vHold: number): number => {
      const prep = new SlicePreparation(opts);
      const cmds: ((t: number) => number)[] = [() => 0, () => 0, () => vHold];
      cmds[driver] = pulses([0.1]);
      const out = run(prep, ['IC', 'IC', 'VC'], cmds, 0.13);
      const post = out[2] as Float64Array;
      const base = post[Math.round(0.099 / DT)] as number;
      let peak = 0;
      for (let i = Math.round(0.1 / DT); i < post.length; i++) {
        const d = (post[i] as number) - base;
        if (Math.abs(d) > Math.abs(peak)) peak = d;
      }
      return peak;
    };
    expect(peakCurrent(0, -0.055)).toBeGreaterThan(2e-12); // outward IPSC at −55 mV (synphys inhibitory holding)
    expect(peakCurrent(0, -0.095)).toBeLessThan(-2e-12); // inward below E_inh
    expect(Math.abs(peakCurrent(0, -0.075))).toBeLessThan(0.1 * peakCurrent(0, -0.055)); // ≈ 0 at E_inh
    expect(peakCurrent(1, -0.055)).toBeLessThan(-2e-12); // EPSC inward at −55 mV
    expect(peakCurrent(1, -0.07)).toBeLessThan(peakCurrent(1, -0.055)); // larger driving force at −70 mV
  });

  it('an IPSP hyperpolarises near −55 mV and depolarises below E_inh (current clamp with bias)', () => {
    const opts: SliceOptions = {
      seed: 6,
      subclasses: ['pvalb', 'pyramidal'],
      synapses: [synapse(0, 1, 'pvalb', 'pyramidal')],
    };
    const psp = (bias: number): { base: number; peak: number } => {
      const prep = new SlicePreparation(opts);
      const out = run(prep, ['IC', 'IC'], [pulses([0.3]), () => bias], 0.34);
      const v = out[1] as Float64Array;
      const base = v[Math.round(0.299 / DT)] as number;
      let peak = 0;
      for (let i = Math.round(0.3 / DT); i < v.length; i++) {
        const d = (v[i] as number) - base;
        if (Math.abs(d) > Math.abs(peak)) peak = d;
      }
      return { base, peak };
    };
    const depol = psp(90e-12); // ≈ −57 mV with R_in ≈ 150 MΩ
    expect(depol.base).toBeGreaterThan(-0.062);
    expect(depol.base).toBeLessThan(-0.05);
    expect(depol.peak).toBeLessThan(-0.1e-3);
    const hyper = psp(-80e-12); // ≈ −83 mV
    expect(hyper.base).toBeLessThan(-0.078);
    expect(hyper.peak).toBeGreaterThan(0.05e-3);
  });
});

describe('SlicePreparation — the drawn slice', () => {
  it('is deterministic: same seed → identical traces and ground truth; different seed → different slice', () => {
    const traces = (seed: number): { out: Float64Array[]; truth: string } => {
      const prep = new SlicePreparation({ seed, stochasticRelease: true });
      const modes: ClampMode[] = ['IC', 'IC', 'IC', 'IC', 'VC', 'VC', 'IC', 'I=0'];
      const cmds = modes.map((m, k) => (m === 'VC' ? () => -0.07 : pulses([0.01 + 0.01 * k, 0.05 + 0.01 * k])));
      return { out: run(prep, modes, cmds, 0.12), truth: JSON.stringify(prep.groundTruth()) };
    };
    const a = traces(11);
    const b = traces(11);
    a.out.forEach((x, k) => expect(x).toEqual(b.out[k]));
    expect(a.truth).toBe(b.truth);
    expect(traces(12).truth).not.toBe(a.truth);
    expect(a.out.every((x) => x.every(Number.isFinite))).toBe(true);
  });

  it('exports its ground truth as JSON: cells with subclass and position, connections with weight, kinetics and STP', () => {
    const prep = new SlicePreparation({ seed: 21 });
    const gt = prep.groundTruth();
    expect(JSON.parse(JSON.stringify(gt))).toEqual(gt);
    expect(gt.cells).toHaveLength(8);
    for (const c of gt.connections) {
      expect(c.pre).not.toBe(c.post);
      expect(c.weight).toBeGreaterThan(0);
      expect(c.reversal).toBe(c.preSubclass === 'pyramidal' ? E_EXC : E_INH);
      expect(c.stp.U).toBeGreaterThan(0);
      expect(c.distance).toBeGreaterThanOrEqual(0);
    }
  });

  it('connects with the class probability falling off as a Gaussian of intersomatic distance', () => {
    // Pyramid→Pvalb: p(d) = pMax·exp(−d²/2σ²) (cell-classes.ts); 400 independent slices per distance.
    const rule = CONNECTION_RULES.pyramidal.pvalb;
    for (const d of [0, 100e-6, 250e-6]) {
      let k = 0;
      const trials = 400;
      for (let s = 0; s < trials; s++) {
        const prep = new SlicePreparation({
          seed: `dist-${d}-${s}`,
          subclasses: ['pyramidal', 'pvalb'],
          positions: [
            [0, 0, 0],
            [d, 0, 0],
          ],
        });
        if (prep.groundTruth().connections.some((c) => c.pre === 0 && c.post === 1)) k++;
      }
      const p = connectionProbability(rule, d);
      expect(Math.abs(k / trials - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / trials) + 0.01);
    }
  });

  it('probes like a whole-cell pipette and refuses bad configuration with the parameter named', () => {
    const prep = new SlicePreparation({ seed: 1, subclasses: ['pyramidal', 'pvalb'] });
    const probe = prep.probe(0);
    expect(probe.accessResistance).toBe(10e6);
    expect(probe.membraneCapacitance).toBeGreaterThan(50e-12);
    expect(probe.membraneCapacitance).toBeLessThan(200e-12);
    expect(() => new SlicePreparation({ cells: 0 })).toThrow(/cells = 0/);
    expect(() => new SlicePreparation({ subclasses: ['pyramidal'], pipettes: [{ pipetteCapacitance: -1e-12 }] })).toThrow(
      /pipettes\[0\]\.pipetteCapacitance = -1e-12/,
    );
    expect(() => new SlicePreparation({ maxSubstep: 1e-3 })).toThrow(/maxSubstep/);
  });
});
