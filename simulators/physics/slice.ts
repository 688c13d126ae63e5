import type { ClampMode } from '../../src/core/clamp.ts';
import { CELL_CLASSES, SUBCLASSES, type Subclass } from './cell-classes.ts';
import { PhysicsParameterError, requireInRange, requireInteger, requireSampleInterval } from './errors.ts';
import { Neuron } from './neuron.ts';
import { neuronParams } from './neuron-models.ts';
import {
  PIPETTE_RAIL as RAIL,
  probePipette,
  resolvePipette,
  sealConductance,
  tipConductance,
  tipNodeSample,
  type PipetteParams,
  type TipNodeState,
} from './pipette.ts';
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
}

/**
 * A slice of N model neurons with synaptic connections, up to 8 of them patched. Implements the
 * amplifier boundary like PassivePreparation (same pipette circuit and sampling convention: each
 * measurement is read at t_i with command[i] applied, then the state advances over the sample).
 *
 * Per sample of dt: the sample is split into ⌈dt / maxSubstep⌉ equal substeps. In each substep the
 * pipette enters the membrane equation as the conductance 1/Ra towards the pipette solution
 * potential (VC: the command; IC with Cp > 0: the pipette node, itself relaxed exactly towards
 * Vm + I·Ra with τ = Ra·Cp, Vm held — operator splitting, first order like the neuron integrator);
 * synaptic conductances at the start of the substep are added likewise; all neurons then take one
 * Rush–Larsen / exponential-Euler substep together (population.ts). A spike (upward crossing of
 * −20 mV) evaluates STP and queues each outgoing synapse's conductance after its latency.
 *
 * Performance: the cells are one structure-of-arrays NeuronPopulation, the pipettes are cached
 * per channel in typed arrays, synapses are summed per kinetic group (synapse.ts) and every
 * exponential factor is computed once per substep length, so a substep costs one pass over the
 * cells and the active synapse groups (bench/slice.bench.ts).
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
  private readonly pipettes: PipetteParams[];
  private readonly maxSubstep: number;
  // Per channel, cached from the pipette parameters: whole-cell flag, access / seal / tip
  // conductances (S), access resistance (Ω), pipette capacitance (F), offset (V).
  private readonly wholeCell: Uint8Array;
  private readonly ga: Float64Array;
  private readonly gs: Float64Array;
  private readonly gTip: Float64Array;
  private readonly ra: Float64Array;
  private readonly cp: Float64Array;
  private readonly offset: Float64Array;
  /** Pipette node state per channel: solution potential u and last headstage potential vp, V. */
  private readonly tipU: Float64Array;
  private readonly tipVp: Float64Array;
  /** e^(−h/(Ra·Cp)) per channel for the substep `tipH` (NaN: to be recomputed). */
  private readonly tipK: Float64Array;
  private tipH = Number.NaN;
  private readonly tipScratch: TipNodeState = { u: 0, vp: 0 };
  // Per cell: pipette terms held over a sample, and the totals of one substep.
  private readonly gPip: Float64Array;
  private readonly gEPip: Float64Array;
  private readonly iPip: Float64Array;
  private readonly gTot: Float64Array;
  private readonly gETot: Float64Array;
  private readonly cmdNow: Float64Array;
  private readonly modeCode: Uint8Array;
  private readonly icCp: Int32Array;
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
    this.population = new NeuronPopulation(params);
    this.population.useSubstep(DEFAULT_MAX_SUBSTEP);
    this.neurons = params.map((p, i) => new Neuron(p, this.population, i));

    this.connections = opts.synapses
      ? opts.synapses.map((s) => ({
          ...s,
          stp: { ...s.stp },
          preSubclass: this.subclasses[s.pre] as Subclass,
          postSubclass: this.subclasses[s.post] as Subclass,
          distance: distance(this.positions[s.pre], this.positions[s.post]),
        }))
      : drawConnections(rng.fork('connections'), this.subclasses, this.positions, opts.stochasticRelease ?? false);
    this.synapses = new SynapseBank(this.connections, n, rng.fork('release'));

    const patched = opts.patched ?? Array.from({ length: Math.min(n, 8) }, (_, i) => i);
    if (patched.length < 1 || patched.length > 8) throw new PhysicsParameterError('patched.length', patched.length, 'integers in [1, 8]');
    patched.forEach((c, k) => requireInteger(`patched[${k}]`, c, 0, n - 1));
    if (new Set(patched).size !== patched.length) throw new PhysicsParameterError('patched', patched.join(','), 'distinct cells');
    this.patched = Int32Array.from(patched);
    const nch = patched.length;
    this.channelCount = nch;
    this.pipettes = patched.map((_, k) => resolvePipette(opts.pipettes?.[k], `pipettes[${k}]`));
    this.wholeCell = new Uint8Array(nch);
    this.ga = new Float64Array(nch);
    this.gs = new Float64Array(nch);
    this.gTip = new Float64Array(nch);
    this.ra = new Float64Array(nch);
    this.cp = new Float64Array(nch);
    this.offset = new Float64Array(nch);
    this.tipK = new Float64Array(nch);
    this.tipU = new Float64Array(nch);
    this.tipVp = new Float64Array(nch);
    for (let ch = 0; ch < nch; ch++) {
      const p = this.pipettes[ch] as PipetteParams;
      this.cachePipette(ch);
      const u = p.stage === 'whole-cell' ? (this.population.v[patched[ch] as number] as number) : 0;
      this.tipU[ch] = u;
      this.tipVp[ch] = u + p.offsetVoltage;
    }
    this.gPip = new Float64Array(n);
    this.gEPip = new Float64Array(n);
    this.iPip = new Float64Array(n);
    this.gTot = new Float64Array(n);
    this.gETot = new Float64Array(n);
    this.cmdNow = new Float64Array(nch);
    this.modeCode = new Uint8Array(nch);
    this.icCp = new Int32Array(nch);
    this.spikeTimes = Array.from({ length: n }, () => []);
  }

  private cachePipette(ch: number): void {
    const p = this.pipettes[ch] as PipetteParams;
    this.wholeCell[ch] = p.stage === 'whole-cell' ? 1 : 0;
    this.ga[ch] = 1 / p.accessResistance;
    this.gs[ch] = sealConductance(p);
    this.gTip[ch] = tipConductance(p);
    this.ra[ch] = p.accessResistance;
    this.cp[ch] = p.pipetteCapacitance;
    this.offset[ch] = p.offsetVoltage;
    this.tipH = Number.NaN;
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
    const old = this.pipettes[ch] as PipetteParams;
    this.pipettes[ch] = resolvePipette({ ...old, ...params }, `pipettes[${ch}]`);
    this.cachePipette(ch);
  }

  probe(channel: number): PreparationProbe {
    const ch = requireInteger('channel', channel, 0, this.channelCount - 1);
    return probePipette(this.pipettes[ch] as PipetteParams, this.population.capacitance[this.patched[ch] as number] as number);
  }

  advance(
    mode: readonly ClampMode[],
    command: readonly Float64Array[],
    measured: Float64Array[],
    n: number,
    dt: number,
  ): void {
    requireSampleInterval(dt);
    const nch = this.channelCount;
    const modeCode = this.modeCode;
    for (let ch = 0; ch < nch; ch++) {
      const c = command[ch];
      const o = measured[ch];
      const m = mode[ch];
      if (m === undefined || c === undefined || o === undefined || c.length < n || o.length < n) {
        throw new PhysicsParameterError(`mode/command/measured[${ch}]`, 'missing or shorter than n', `one entry per channel (${nch}), ≥ n samples`);
      }
      modeCode[ch] = m === 'VC' ? VC : m === 'IC' ? IC : I0;
    }
    const sub = Math.max(1, Math.ceil(dt / this.maxSubstep - 1e-9));
    const h = dt / sub;
    const pop = this.population;
    pop.useSubstep(h);
    const bank = this.synapses;
    bank.useSubstep(h);
    const ga = this.ga;
    const gs = this.gs;
    const ra = this.ra;
    const cpA = this.cp;
    const off = this.offset;
    const tipU = this.tipU;
    const tipVp = this.tipVp;
    const tipK = this.tipK;
    const wholeCell = this.wholeCell;
    const patched = this.patched;
    if (h !== this.tipH) {
      for (let ch = 0; ch < nch; ch++) {
        const cp = cpA[ch] as number;
        tipK[ch] = cp > 0 ? Math.exp(-h / ((ra[ch] as number) * cp)) : 0;
      }
      this.tipH = h;
    }
    // Channels whose pipette node is integrated per substep: whole-cell, IC or I=0, Cp > 0.
    const icCp = this.icCp;
    let nIcCp = 0;
    for (let ch = 0; ch < nch; ch++) {
      if (wholeCell[ch] === 1 && modeCode[ch] !== VC && (cpA[ch] as number) > 0) icCp[nIcCp++] = ch;
    }
    const V = pop.v;
    const ncell = this.cellCount;
    const gPip = this.gPip;
    const gEPip = this.gEPip;
    const iPip = this.iPip;
    const gTot = this.gTot;
    const gETot = this.gETot;
    const cmdNow = this.cmdNow;
    const spiked = pop.spiked;
    const spikeTimes = this.spikeTimes;
    const rail = PIPETTE_RAIL;

    for (let i = 0; i < n; i++) {
      // 1. Measurements at t_i and the pipette terms held over this sample.
      for (let ch = 0; ch < nch; ch++) {
        const mc = modeCode[ch] as number;
        const raw = (command[ch] as Float64Array)[i] as number;
        const cmd = raw - raw === 0 && mc !== I0 ? raw : 0; // NaN / ±Infinity / I=0 → 0
        cmdNow[ch] = cmd;
        const cell = patched[ch] as number;
        let out: number;
        if (wholeCell[ch] === 0) {
          out = this.tipSample(ch, mc === VC, cmd, dt);
          gPip[cell] = 0;
          gEPip[cell] = 0;
          iPip[cell] = 0;
        } else if (mc === VC) {
          const g = ga[ch] as number;
          const u = cmd - (off[ch] as number);
          out = (u - (V[cell] as number)) * g + ((cpA[ch] as number) * (cmd - (tipVp[ch] as number))) / dt;
          tipU[ch] = u;
          tipVp[ch] = cmd;
          gPip[cell] = (gs[ch] as number) + g; // seal leak to the bath (0 V) + access to the pipette
          gEPip[cell] = g * u;
          iPip[cell] = 0;
        } else if ((cpA[ch] as number) === 0) {
          // No pipette capacitance: the node follows the cell instantly (bridge error I·Ra).
          let u = (V[cell] as number) + cmd * (ra[ch] as number);
          u = u > rail ? rail : u < -rail ? -rail : u;
          tipU[ch] = u;
          out = u + (off[ch] as number);
          tipVp[ch] = out;
          gPip[cell] = gs[ch] as number;
          gEPip[cell] = 0;
          iPip[cell] = cmd;
        } else {
          out = (tipU[ch] as number) + (off[ch] as number);
          tipVp[ch] = out;
          gPip[cell] = (gs[ch] as number) + (ga[ch] as number); // g·E towards the node: per substep
          gEPip[cell] = 0;
          iPip[cell] = 0;
        }
        (measured[ch] as Float64Array)[i] = out;
      }
      // 2. Substeps.
      for (let k = 0; k < sub; k++) {
        const t = this.time;
        bank.totals(t, gPip, gEPip, gTot, gETot); // pipette + synaptic conductances at t
        for (let q = 0; q < nIcCp; q++) {
          // IC with Cp: relax the pipette node exactly towards Vm + I·Ra (Vm held), couple via Ra.
          const ch = icCp[q] as number;
          const cell = patched[ch] as number;
          const r = ra[ch] as number;
          const uInf = (V[cell] as number) + (cmdNow[ch] as number) * r;
          let u = uInf + ((tipU[ch] as number) - uInf) * (tipK[ch] as number);
          u = u > rail ? rail : u < -rail ? -rail : u;
          tipU[ch] = u;
          gETot[cell] = (gETot[cell] as number) + u / r;
        }
        const tEnd = t + h;
        const nSpiked = pop.step(0, ncell, gTot, gETot, iPip);
        for (let q = 0; q < nSpiked; q++) {
          const c = spiked[q] as number;
          (spikeTimes[c] as number[]).push(tEnd);
          bank.onSpike(c, tEnd);
        }
        this.time = tEnd;
      }
    }
  }

  /** One sample of a pipette that has not reached its cell (bath, cell-attached). */
  private tipSample(ch: number, vc: boolean, cmd: number, dt: number): number {
    const p = this.pipettes[ch] as PipetteParams;
    const g = this.gTip[ch] as number;
    const decay = p.pipetteCapacitance > 0 ? Math.exp((-dt * g) / p.pipetteCapacitance) : 0;
    const st = this.tipScratch;
    st.u = this.tipU[ch] as number;
    st.vp = this.tipVp[ch] as number;
    const out = tipNodeSample(vc, cmd, p, g, decay, dt, st);
    this.tipU[ch] = st.u;
    this.tipVp[ch] = st.vp;
    return out;
  }
}

// Module-local copies: imported bindings are not read in the per-sample loop.
const PIPETTE_RAIL = RAIL;
const VC = 0;
const IC = 1;
const I0 = 2;
