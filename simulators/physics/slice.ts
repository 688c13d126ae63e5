import type { ClampMode } from '../../src/core/clamp.ts';
import { CELL_CLASSES, SUBCLASSES, type Subclass } from './cell-classes.ts';
import { PhysicsParameterError, requireInRange, requireInteger, requireSampleInterval } from './errors.ts';
import { Neuron } from './neuron.ts';
import { neuronParams } from './neuron-models.ts';
import { probePipette, type PipetteParams } from './pipette.ts';
import { PIPETTE_CHUNK, PipetteChannels } from './pipette-channels.ts';
import { DEFAULT_MAX_SUBSTEP, MAX_SUBSTEP_LIMIT, NeuronPopulation } from './population.ts';
import type { Preparation, PreparationProbe } from './preparation.ts';
import { Rng } from './rng.ts';
import {
  distance,
  drawConnections,
  drawSubclass,
  restingPotentialOf,
  type ConnectionTruth,
  type SliceGroundTruth,
} from './slice-circuit.ts';
import { KernelMemory, SliceKernel } from './slice-kernel.ts';
import { HEAP } from './slice-memory.ts';
import { SynapseBank, type ReleaseEvent, type SynapseParams } from './synapse.ts';

export type { CellTruth, ConnectionTruth, SliceGroundTruth } from './slice-circuit.ts';

export interface SliceOptions {
  seed?: number | string;
  /** Number of cells (default 8). */
  cells?: number;
  /** Subclass of each cell; drawn from CELL_CLASSES abundances when omitted. */
  subclasses?: readonly Subclass[];
  /** Cells are placed uniformly in a box of this size (m), default 200 × 200 × 40 µm (GUESS). */
  volume?: readonly [number, number, number];
  /** Explicit positions (m), overriding the random placement. */
  positions?: readonly (readonly [number, number, number])[];
  /** Explicit synapses, replacing the drawn connectivity (for tests and hand-built circuits). */
  synapses?: readonly SynapseParams[];
  /** Draw release-site counts so that release is stochastic (default false: mean release). */
  stochasticRelease?: boolean;
  /** Patched cells (channel k records cell patched[k]); default the first min(cells, 8). */
  patched?: readonly number[];
  pipettes?: readonly Partial<PipetteParams>[];
  celsius?: number;
  /** Largest integration substep, s (default 25 µs). */
  maxSubstep?: number;
  /**
   * Which implementation runs the per-substep loop: 'wasm' (default), the WebAssembly kernel
   * (slice-kernel.ts), or 'js', the reference it is tested bit-identical against.
   */
  kernel?: 'wasm' | 'js';
}

/**
 * A slice of N model neurons with synaptic connections, up to 8 of them patched. Implements the
 * amplifier boundary like PassivePreparation (same pipette circuit and sampling convention:
 * pipette-channels.ts).
 *
 * Per sample of dt: the sample is split into ⌈dt / maxSubstep⌉ equal substeps (one at 50 kHz). In
 * each substep the pipette terms (pipette-channels.ts) and the synaptic conductances at the start
 * of the substep (synapse.ts) enter each cell's membrane equation as linear conductances; all
 * neurons then take one Rush–Larsen / exponential-Euler substep together (population.ts: the
 * integrator and its error). A spike (upward crossing of −20 mV) evaluates STP and queues each
 * outgoing synapse's conductance after its latency.
 *
 * Performance (docs/decisions/0004-slice-integration-speed.md): cells, pipettes and synapse groups
 * are structure-of-arrays typed arrays, commands and measurements flat arrays per chunk of at most
 * PIPETTE_CHUNK samples, and a substep is three passes over them (pipettes, synapse groups,
 * neurons) with no allocation. By default these passes run in a WebAssembly kernel
 * (slice-kernel.ts, source wasm/slice-kernel.as.ts) over the same arrays placed in its memory; it
 * delivers synaptic arrivals itself, returns to JS for spikes, and its output is bit-identical to
 * the JS loop (`runJs`, kept as the reference: SliceOptions.kernel = 'js').
 */
export class SlicePreparation implements Preparation {
  readonly channelCount: number;
  readonly cellCount: number;
  readonly seed: number | string;
  /** Views onto the cells of `population` (Neuron API). */
  readonly neurons: Neuron[];
  readonly population: NeuronPopulation;
  readonly subclasses: Subclass[];
  readonly positions: [number, number, number][];
  readonly synapses: SynapseBank;
  private readonly connections: ConnectionTruth[];
  private readonly patched: Int32Array;
  private readonly pipettes: PipetteChannels;
  private readonly maxSubstep: number;
  // Per cell: the totals of one substep (pipette + synapses).
  private readonly gTot: Float64Array;
  private readonly gETot: Float64Array;
  private readonly kernel: SliceKernel | undefined;
  private readonly onSpike: (cell: number, time: number) => void;
  private readonly spikeTimes: number[][];
  private time = 0;

  constructor(opts: SliceOptions = {}) {
    this.seed = opts.seed ?? 1;
    const rng = new Rng(this.seed);
    const n = opts.subclasses?.length ?? opts.cells ?? 8;
    requireInteger('cells', n, 1, 64);
    if (opts.cells !== undefined && opts.subclasses !== undefined && opts.subclasses.length !== opts.cells) {
      throw new PhysicsParameterError('subclasses.length', opts.subclasses.length, `= cells (${opts.cells})`);
    }
    this.cellCount = n;
    const celsius = opts.celsius ?? 36;
    requireInRange('celsius', celsius, 0, 45, '°C');
    this.maxSubstep = requireInRange('maxSubstep', opts.maxSubstep ?? DEFAULT_MAX_SUBSTEP, 1e-7, MAX_SUBSTEP_LIMIT, 's');

    // Each aspect draws from its own labelled stream, so e.g. changing positions does not change
    // which subclasses were drawn.
    const classRng = rng.fork('subclasses');
    this.subclasses = Array.from({ length: n }, (_, i) => {
      const given = opts.subclasses?.[i];
      if (given !== undefined) {
        if (!SUBCLASSES.includes(given)) throw new PhysicsParameterError(`subclasses[${i}]`, given, SUBCLASSES.join(' | '));
        return given;
      }
      return drawSubclass(classRng);
    });
    const posRng = rng.fork('positions');
    const vol = opts.volume ?? [200e-6, 200e-6, 40e-6];
    this.positions = Array.from({ length: n }, (_, i) => {
      const p = opts.positions?.[i];
      if (p !== undefined) return [p[0], p[1], p[2]];
      return [posRng.range(0, vol[0]), posRng.range(0, vol[1]), posRng.range(0, vol[2])];
    });
    const params = this.subclasses.map((sc, i) => {
      const cls = CELL_CLASSES[sc];
      try {
        return neuronParams(cls.model, { ...cls.overrides, celsius });
      } catch (e) {
        if (e instanceof PhysicsParameterError) throw new PhysicsParameterError(`cells[${i}].${e.parameter}`, e.value, e.allowed);
        throw e;
      }
    });
    // Connections first (their random stream is independent of the order): the kernel's memory is
    // sized from the synapse count before any array is allocated in it.
    this.connections = opts.synapses
      ? opts.synapses.map((s) => ({
          ...s,
          stp: { ...s.stp },
          preSubclass: this.subclasses[s.pre] as Subclass,
          postSubclass: this.subclasses[s.post] as Subclass,
          distance: distance(this.positions[s.pre], this.positions[s.post]),
        }))
      : drawConnections(rng.fork('connections'), this.subclasses, this.positions, opts.stochasticRelease ?? false);
    const patched = opts.patched ?? Array.from({ length: Math.min(n, 8) }, (_, i) => i);
    if (patched.length < 1 || patched.length > 8) throw new PhysicsParameterError('patched.length', patched.length, 'integers in [1, 8]');
    patched.forEach((c, k) => requireInteger(`patched[${k}]`, c, 0, n - 1));
    if (new Set(patched).size !== patched.length) throw new PhysicsParameterError('patched', patched.join(','), 'distinct cells');
    this.patched = Int32Array.from(patched);
    this.channelCount = patched.length;

    const kernel = opts.kernel ?? 'wasm';
    if (kernel !== 'wasm' && kernel !== 'js') throw new PhysicsParameterError('kernel', String(kernel), "'wasm' | 'js'");
    const mem = kernel === 'wasm' ? new KernelMemory(params, patched.length, this.connections.length) : undefined;
    const alloc = mem?.arena ?? HEAP;
    this.population = new NeuronPopulation(params, alloc);
    this.population.useSubstep(DEFAULT_MAX_SUBSTEP);
    this.neurons = params.map((p, i) => new Neuron(p, this.population, i));
    this.synapses = new SynapseBank(this.connections, n, rng.fork('release'), alloc);
    this.pipettes = new PipetteChannels(this.patched, opts.pipettes ?? [], this.population.v, alloc);
    this.gTot = new Float64Array(n); // the JS path's (the kernel keeps these in registers)
    this.gETot = new Float64Array(n);
    this.kernel = mem && new SliceKernel(mem, this.population, this.synapses, this.pipettes);
    this.spikeTimes = Array.from({ length: n }, () => []);
    this.onSpike = (c, t) => {
      (this.spikeTimes[c] as number[]).push(t);
      this.synapses.onSpike(c, t);
    };
  }

  /** Who connects to whom, with weights, kinetics and STP: JSON-serialisable. */
  groundTruth(): SliceGroundTruth {
    return {
      seed: this.seed,
      cells: this.neurons.map((nrn, i) => ({
        id: i,
        subclass: this.subclasses[i] as Subclass,
        model: CELL_CLASSES[this.subclasses[i] as Subclass].model,
        position: [...(this.positions[i] as [number, number, number])],
        restingPotential: restingPotentialOf(nrn.params),
        capacitance: nrn.capacitance,
        params: { ...nrn.params },
      })),
      connections: this.connections.map((c) => ({ ...c, stp: { ...c.stp } })),
      patched: [...this.patched],
      units: { position: 'm', weight: 'S', time: 's', potential: 'V', capacitance: 'F' },
    };
  }

  /** Simulated time since construction, s. */
  get now(): number {
    return this.time;
  }

  /** Spike times (s) of a cell so far. */
  spikes(cell: number): readonly number[] {
    return this.spikeTimes[requireInteger('cell', cell, 0, this.cellCount - 1)] as number[];
  }

  /** Membrane potential of a cell, V. */
  membranePotential(cell: number): number {
    return this.population.v[requireInteger('cell', cell, 0, this.cellCount - 1)] as number;
  }

  /** Turns on recording of every synaptic release (SynapseBank.releases). */
  recordReleases(on = true): readonly ReleaseEvent[] {
    this.synapses.recordReleases = on;
    return this.synapses.releases;
  }

  setPipette(channel: number, params: Partial<PipetteParams>): void {
    const ch = requireInteger('channel', channel, 0, this.channelCount - 1);
    this.pipettes.set(ch, params);
  }

  probe(channel: number): PreparationProbe {
    const ch = requireInteger('channel', channel, 0, this.channelCount - 1);
    return probePipette(this.pipettes.get(ch), this.population.capacitance[this.patched[ch] as number] as number);
  }

  advance(
    mode: readonly ClampMode[],
    command: readonly Float64Array[],
    measured: Float64Array[],
    n: number,
    dt: number,
  ): void {
    requireSampleInterval(dt);
    const sub = Math.max(1, Math.ceil(dt / this.maxSubstep - 1e-9));
    const h = dt / sub;
    const pip = this.pipettes;
    pip.begin(mode, command, measured, n, dt, h);
    this.population.useSubstep(h);
    this.synapses.useSubstep(h);
    for (let i0 = 0; i0 < n; i0 += PIPETTE_CHUNK) {
      const len = Math.min(PIPETTE_CHUNK, n - i0);
      if (this.kernel === undefined) {
        pip.load(command, i0, len);
        this.time = this.runJs(len, sub, h);
      } else {
        pip.loadRaw(command, i0, len);
        pip.tips(len);
        this.time = this.kernel.run(len, sub, h, dt, this.time, this.onSpike);
      }
      pip.store(measured, i0, len);
    }
  }

  /**
   * The reference implementation of the loaded chunk's len samples (sub substeps of h each);
   * returns the end time. The WebAssembly kernel performs the same operations in the same order.
   */
  private runJs(len: number, sub: number, h: number): number {
    const pip = this.pipettes;
    const pop = this.population;
    const bank = this.synapses;
    const V = pop.v;
    const ncell = this.cellCount;
    const gPip = pip.g;
    const gEPip = pip.gE;
    const iPip = pip.iInj;
    const gTot = this.gTot;
    const gETot = this.gETot;
    const spiked = pop.spiked;
    const spikeTimes = this.spikeTimes;
    let t = this.time;
    for (let i = 0; i < len; i++) {
      for (let k = 0; k < sub; k++) {
        pip.substep(i, k, V); // measurements at t_i (k = 0), pipette terms of this substep
        bank.totals(t, gPip, gEPip, gTot, gETot); // + synaptic conductances at t
        const tEnd = t + h;
        const nSpiked = pop.step(0, ncell, gTot, gETot, iPip);
        for (let q = 0; q < nSpiked; q++) {
          const c = spiked[q] as number;
          (spikeTimes[c] as number[]).push(tEnd);
          bank.onSpike(c, tEnd);
        }
        t = tEnd;
      }
    }
    return t;
  }
}
