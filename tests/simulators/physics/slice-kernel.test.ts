import { describe, expect, it } from 'vitest';
import type { ClampMode } from '../../../src/core/clamp.ts';
import { CELL_CLASSES, CONNECTION_RULES, E_EXC, E_INH, type Subclass } from '../../../simulators/physics/cell-classes.ts';
import type { PipetteParams } from '../../../simulators/physics/pipette.ts';
import { SlicePreparation, type SliceOptions } from '../../../simulators/physics/slice.ts';
import type { SynapseParams } from '../../../simulators/physics/synapse.ts';

/**
 * The WebAssembly kernel (simulators/physics/wasm/slice-kernel.as.ts) performs the JS reference
 * loop's operations in the same order, so both must give the same bits: every measured sample,
 * spike time, release and final state, compared with Object.is (NaN and −0 included).
 */

interface Block {
  modes: ClampMode[];
  n: number;
  dt: number;
  /** Command of channel ch at sample i of the block. */
  command: (ch: number, i: number) => number;
  /** Pipette changes applied before the block. */
  pipettes?: Record<number, Partial<PipetteParams>>;
}

interface Trace {
  out: number[];
  spikes: number[][];
  releases: number[];
  state: number[];
  now: number;
}

function runSlice(opts: SliceOptions, blocks: Block[]): Trace {
  const prep = new SlicePreparation(opts);
  const log = prep.recordReleases();
  const out: number[] = [];
  for (const b of blocks) {
    for (const [ch, p] of Object.entries(b.pipettes ?? {})) prep.setPipette(Number(ch), p);
    const cmd = b.modes.map((_, ch) => Float64Array.from({ length: b.n }, (_, i) => b.command(ch, i)));
    const meas = b.modes.map(() => new Float64Array(b.n).fill(Number.NaN));
    prep.advance(b.modes, cmd, meas, b.n, b.dt);
    for (const m of meas) out.push(...m);
  }
  const pop = prep.population;
  const state = [...pop.v, ...pop.m, ...pop.h, ...pop.n, ...pop.p, ...pop.u];
  for (let c = 0; c < prep.cellCount; c++) state.push(prep.synapses.conductanceOnto(c));
  for (let s = 0; s < prep.synapses.count; s++) state.push(prep.synapses.conductance(s));
  return {
    out,
    spikes: Array.from({ length: prep.cellCount }, (_, c) => [...prep.spikes(c)]),
    releases: log.flatMap((r) => [r.synapse, r.spikeTime, r.release, r.arrival]),
    state,
    now: prep.now,
  };
}

function sameBits(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differ++;
  return differ;
}

function expectIdentical(opts: SliceOptions, blocks: Block[]): Trace {
  const js = runSlice({ ...opts, kernel: 'js' }, blocks);
  const wasm = runSlice({ ...opts, kernel: 'wasm' }, blocks);
  expect(sameBits(wasm.out, js.out)).toBe(0);
  expect(wasm.spikes).toEqual(js.spikes);
  expect(sameBits(wasm.spikes.flat(), js.spikes.flat())).toBe(0);
  expect(sameBits(wasm.releases, js.releases)).toBe(0);
  expect(sameBits(wasm.state, js.state)).toBe(0);
  expect(Object.is(wasm.now, js.now)).toBe(true);
  return js;
}

/** 1.5 nA, 3 ms pulses every 20 ms, staggered by channel: every patched cell fires. */
const pulses =
  (t0: number, dt: number) =>
  (ch: number, i: number): number =>
    ((t0 + i * dt + 0.0025 * ch) % 0.02) < 0.003 ? 1.5e-9 : 0;

function allToAll(subclasses: readonly Subclass[]): SynapseParams[] {
  return subclasses.flatMap((a, pre) =>
    subclasses.flatMap((b, post) => {
      if (pre === post) return [];
      const r = CONNECTION_RULES[a][b];
      const reversal = CELL_CLASSES[a].excitatory ? E_EXC : E_INH;
      return [{ pre, post, weight: r.weight, reversal, tauRise: r.tauRise, tauDecay: r.tauDecay, latency: r.latency, jitter: r.jitter, stp: { ...r.stp }, releaseSites: 0 }];
    }),
  );
}

describe('slice kernels — WebAssembly and JS reference give identical bits', () => {
  it('8 coupled cells firing in current clamp (the benchmark case), blocks of several lengths and rates', () => {
    const subclasses: Subclass[] = ['pyramidal', 'pyramidal', 'pyramidal', 'pyramidal', 'pvalb', 'pvalb', 'sst', 'vip'];
    const ic = Array.from({ length: 8 }, (): ClampMode => 'IC');
    const blocks: Block[] = [
      { modes: ic, n: 1000, dt: 20e-6, command: pulses(0, 20e-6) },
      { modes: ic, n: 1, dt: 20e-6, command: pulses(0.02, 20e-6) },
      { modes: ic, n: 2500, dt: 20e-6, command: pulses(0.02002, 20e-6) }, // crosses chunks
      { modes: ic, n: 1024, dt: 50e-6, command: pulses(0.07, 50e-6) }, // 2 substeps per sample
      { modes: ic, n: 333, dt: 100e-6, command: pulses(0.1212, 100e-6) }, // 4 substeps
      { modes: ic, n: 777, dt: 20e-6, command: pulses(0.1545, 20e-6) },
    ];
    const js = expectIdentical({ seed: 1, subclasses, synapses: allToAll(subclasses) }, blocks);
    expect(js.spikes.every((s) => s.length >= 5)).toBe(true);
    expect(js.releases.length).toBeGreaterThan(100);
  });

  it('VC, IC and I=0 channels, with and without pipette capacitance, a seal leak and offsets, odd commands', () => {
    const modes: ClampMode[] = ['VC', 'IC', 'I=0', 'IC', 'VC', 'IC', 'IC', 'VC'];
    const odd = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0];
    const command = (ch: number, i: number): number => {
      if (i % 97 === 13) return odd[(i + ch) % odd.length] as number;
      if (modes[ch] === 'VC') return i % 400 < 200 ? -0.07 : -0.06;
      return i % 500 < 150 ? 1.5e-9 : -1e-11;
    };
    const pipettes: Partial<PipetteParams>[] = [
      {},
      { pipetteCapacitance: 0 },
      { offsetVoltage: 0.004 },
      { sealResistance: 1e9, accessResistance: 20e6 },
      { pipetteCapacitance: 0, offsetVoltage: -0.002 },
      { pipetteCapacitance: 3e-12 },
      {},
      { sealResistance: 2e9 },
    ];
    const blocks: Block[] = [
      { modes, n: 1500, dt: 20e-6, command },
      { modes, n: 600, dt: 50e-6, command },
      { modes: modes.map((m) => (m === 'VC' ? 'IC' : 'VC')), n: 1100, dt: 20e-6, command },
    ];
    expectIdentical({ seed: 7, cells: 8, stochasticRelease: true, pipettes }, blocks);
  });

  it('bath and cell-attached pipettes, then break-in; stochastic release; odd cell count and channel order', () => {
    const modes: ClampMode[] = ['VC', 'IC', 'IC'];
    const command = (ch: number, i: number): number => (ch === 0 ? (i % 300 < 100 ? 0.01 : 0) : i % 400 < 120 ? 2e-9 : 0);
    const blocks: Block[] = [
      { modes, n: 900, dt: 20e-6, command },
      { modes: ['IC', 'VC', 'IC'], n: 700, dt: 50e-6, command, pipettes: { 2: { stage: 'whole-cell' } } },
      { modes, n: 2100, dt: 20e-6, command, pipettes: { 0: { stage: 'whole-cell' }, 1: { stage: 'cell-attached' } } },
    ];
    const js = expectIdentical(
      {
        seed: 11,
        cells: 5,
        stochasticRelease: true,
        patched: [4, 0, 2],
        pipettes: [{ stage: 'bath' }, {}, { stage: 'cell-attached', sealResistance: 2e9 }],
      },
      blocks,
    );
    expect(js.spikes.flat().length).toBeGreaterThan(0);
  });

  it('an odd last cell with M and T currents (scalar path), after a pair where only one cell has the M current', () => {
    // The 8-cell case runs every cell in pairs; here the last cell (LTS: g_M and g_T) takes the
    // scalar path, whose table reads (compact rows, s∞ of I_T) nothing else covers.
    const subclasses: Subclass[] = ['pvalb', 'vip', 'sst'];
    const ic = subclasses.map((): ClampMode => 'IC');
    const blocks: Block[] = [
      { modes: ic, n: 2000, dt: 20e-6, command: pulses(0, 20e-6) },
      { modes: ic, n: 700, dt: 50e-6, command: pulses(0.04, 50e-6) },
    ];
    const js = expectIdentical({ seed: 3, subclasses, synapses: allToAll(subclasses) }, blocks);
    expect(js.spikes.every((s) => s.length >= 2)).toBe(true);
  });

  it('cells held past both ends of the gate tables (row index clamped at 0 and at the last row)', () => {
    // Commands of ±20 V (the membrane shunts them to ≈ ±1–19 V) hold the cells far below TABLE_MIN
    // and above TABLE_MAX (±0.25 V), in both lanes of a pair and in the odd last cell: the kernel's
    // clamp of the table row (and its Math.exp branch) must match the JS loop's.
    const subclasses: Subclass[] = ['pyramidal', 'sst', 'pvalb'];
    const vc = subclasses.map((): ClampMode => 'VC');
    const hold = (a: number, b: number) => (ch: number, i: number): number => (i < 300 ? a : b) * (ch === 1 ? -1 : 1);
    const blocks: Block[] = [
      { modes: vc, n: 600, dt: 20e-6, command: hold(-20, 20) },
      { modes: vc, n: 600, dt: 20e-6, command: hold(20, -0.07) },
    ];
    for (const n of [300, 600]) {
      const v = runSlice({ seed: 5, subclasses, kernel: 'js' }, [{ ...(blocks[0] as Block), n }]).state.slice(0, 3);
      expect(v.every((x) => x < -0.25 || x > 0.25)).toBe(true);
    }
    expectIdentical({ seed: 5, subclasses, synapses: allToAll(subclasses) }, blocks);
  });

  it('refuses an unknown kernel', () => {
    expect(() => new SlicePreparation({ kernel: 'gpu' as unknown as 'js' })).toThrow(/kernel/);
  });
});
