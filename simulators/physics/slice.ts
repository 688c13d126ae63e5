import type { ClampMode } from '../../src/core/clamp.ts';
import {
  CELL_CLASSES,
  CONNECTION_RULES,
  E_EXC,
  E_INH,
  SUBCLASSES,
  connectionProbability,
  type Subclass,
} from './cell-classes.ts';
import { PhysicsParameterError, requireInRange, requireInteger, requireSampleInterval } from './errors.ts';
import { DEFAULT_MAX_SUBSTEP, MAX_SUBSTEP_LIMIT, Neuron } from './neuron.ts';
import { neuronParams, type NeuronParams } from './neuron-models.ts';
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
import type { Preparation, PreparationProbe } from './preparation.ts';
import { Rng } from './rng.ts';
import { SynapseBank, type ReleaseEvent, type SynapseParams } from './synapse.ts';

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

export interface CellTruth {
  id: number;
  subclass: Subclass;
  model: string;
  /** Soma position, m. */
  position: [number, number, number];
  restingPotential: number;
  capacitance: number;
  params: NeuronParams;
}

export interface ConnectionTruth extends SynapseParams {
  preSubclass: Subclass;
  postSubclass: Subclass;
  /** Intersomatic distance, m. */
  distance: number;
}

export interface SliceGroundTruth {
  seed: number | string;
  cells: CellTruth[];
  connections: ConnectionTruth[];
  patched: number[];
  units: { position: 'm'; weight: 'S'; time: 's'; potential: 'V'; capacitance: 'F' };
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
 * synaptic conductances from the previous substep's state are added likewise; each neuron then
 * takes one Rush–Larsen / exponential-Euler substep (neuron.ts). A spike (upward crossing of
 * −20 mV) evaluates STP and queues each outgoing synapse's conductance after its latency.
 */
export class SlicePreparation implements Preparation {
  readonly channelCount: number;
  readonly cellCount: number;
  readonly seed: number | string;
  readonly neurons: Neuron[];
  readonly subclasses: Subclass[];
  readonly positions: [number, number, number][];
  readonly synapses: SynapseBank;
  private readonly connections: ConnectionTruth[];
  private readonly patched: Int32Array;
  private readonly pipettes: PipetteParams[];
  private readonly tip: TipNodeState[];
  /** Per channel: access and seal conductances, S (cached from the pipette parameters). */
  private readonly ga: Float64Array;
  private readonly gs: Float64Array;
  private readonly maxSubstep: number;
  private readonly gSyn: Float64Array;
  private readonly gESyn: Float64Array;
  private readonly gExt: Float64Array;
  private readonly gEExt: Float64Array;
  private readonly iExt: Float64Array;
  /** g·E of the access conductance towards the pipette node in IC with Cp (updated per substep). */
  private readonly gEPip: Float64Array;
  private readonly cmdNow: Float64Array;
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
    this.neurons = this.subclasses.map((sc, i) => {
      const cls = CELL_CLASSES[sc];
      try {
        return new Neuron(neuronParams(cls.model, { ...cls.overrides, celsius }));
      } catch (e) {
        if (e instanceof PhysicsParameterError) throw new PhysicsParameterError(`cells[${i}].${e.parameter}`, e.value, e.allowed);
        throw e;
      }
    });

    this.connections = opts.synapses
      ? opts.synapses.map((s) => ({
          ...s,
          stp: { ...s.stp },
          preSubclass: this.subclasses[s.pre] as Subclass,
          postSubclass: this.subclasses[s.post] as Subclass,
          distance: distance(this.positions[s.pre], this.positions[s.post]),
        }))
      : this.drawConnections(rng.fork('connections'), opts.stochasticRelease ?? false);
    this.synapses = new SynapseBank(this.connections, n, rng.fork('release'));

    const patched = opts.patched ?? Array.from({ length: Math.min(n, 8) }, (_, i) => i);
    if (patched.length < 1 || patched.length > 8) throw new PhysicsParameterError('patched.length', patched.length, 'integers in [1, 8]');
    patched.forEach((c, k) => requireInteger(`patched[${k}]`, c, 0, n - 1));
    if (new Set(patched).size !== patched.length) throw new PhysicsParameterError('patched', patched.join(','), 'distinct cells');
    this.patched = Int32Array.from(patched);
    this.channelCount = patched.length;
    this.pipettes = patched.map((_, k) => resolvePipette(opts.pipettes?.[k], `pipettes[${k}]`));
    this.tip = patched.map((c, k) => {
      const p = this.pipettes[k] as PipetteParams;
      const u = p.stage === 'whole-cell' ? (this.neurons[c] as Neuron).v : 0;
      return { u, vp: u + p.offsetVoltage };
    });
    this.ga = Float64Array.from(this.pipettes, (p) => 1 / p.accessResistance);
    this.gs = Float64Array.from(this.pipettes, (p) => sealConductance(p));
    this.gSyn = new Float64Array(n);
    this.gESyn = new Float64Array(n);
    this.gExt = new Float64Array(n);
    this.gEExt = new Float64Array(n);
    this.iExt = new Float64Array(n);
    this.gEPip = new Float64Array(n);
    this.cmdNow = new Float64Array(patched.length);
    this.spikeTimes = Array.from({ length: n }, () => []);
  }

  private drawConnections(rng: Rng, stochastic: boolean): ConnectionTruth[] {
    const out: ConnectionTruth[] = [];
    for (let pre = 0; pre < this.cellCount; pre++) {
      for (let post = 0; post < this.cellCount; post++) {
        if (pre === post) continue;
        // Every ordered pair draws from its own stream, so adding cells keeps existing pairs.
        const r = rng.fork(`${pre}->${post}`);
        const a = this.subclasses[pre] as Subclass;
        const b = this.subclasses[post] as Subclass;
        const rule = CONNECTION_RULES[a][b];
        const d = distance(this.positions[pre], this.positions[post]);
        if (!r.bernoulli(connectionProbability(rule, d))) continue;
        out.push({
          pre,
          post,
          preSubclass: a,
          postSubclass: b,
          distance: d,
          weight: r.logNormal(rule.weight, rule.weightSigmaLog),
          reversal: CELL_CLASSES[a].excitatory ? E_EXC : E_INH,
          tauRise: rule.tauRise,
          tauDecay: rule.tauDecay,
          latency: rule.latency,
          jitter: rule.jitter,
          stp: { ...rule.stp },
          releaseSites: stochastic ? rule.releaseSites : 0,
        });
      }
    }
    return out;
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
    return (this.neurons[requireInteger('cell', cell, 0, this.cellCount - 1)] as Neuron).v;
  }

  /** Turns on recording of every synaptic release (SynapseBank.releases). */
  recordReleases(on = true): readonly ReleaseEvent[] {
    this.synapses.recordReleases = on;
    return this.synapses.releases;
  }

  setPipette(channel: number, params: Partial<PipetteParams>): void {
    const ch = requireInteger('channel', channel, 0, this.channelCount - 1);
    const old = this.pipettes[ch] as PipetteParams;
    const next = resolvePipette({ ...old, ...params }, `pipettes[${ch}]`);
    this.pipettes[ch] = next;
    this.ga[ch] = 1 / next.accessResistance;
    this.gs[ch] = sealConductance(next);
  }

  probe(channel: number): PreparationProbe {
    const ch = requireInteger('channel', channel, 0, this.channelCount - 1);
    const cell = this.neurons[this.patched[ch] as number] as Neuron;
    return probePipette(this.pipettes[ch] as PipetteParams, cell.capacitance);
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
    for (let ch = 0; ch < nch; ch++) {
      const c = command[ch];
      const o = measured[ch];
      if (mode[ch] === undefined || c === undefined || o === undefined || c.length < n || o.length < n) {
        throw new PhysicsParameterError(`mode/command/measured[${ch}]`, 'missing or shorter than n', `one entry per channel (${nch}), ≥ n samples`);
      }
    }
    const sub = Math.max(1, Math.ceil(dt / this.maxSubstep - 1e-9));
    const h = dt / sub;
    for (const nrn of this.neurons) nrn.useSubstep(h);
    this.synapses.useSubstep(h);
    const neurons = this.neurons;
    const ncell = this.cellCount;
    const gExt = this.gExt;
    const gEExt = this.gEExt;
    const iExt = this.iExt;
    const gSyn = this.gSyn;
    const gESyn = this.gESyn;
    const gEPip = this.gEPip;

    for (let i = 0; i < n; i++) {
      // 1. Measurements at t_i and the pipette terms held over this sample.
      gExt.fill(0);
      gEExt.fill(0);
      iExt.fill(0);
      gEPip.fill(0);
      for (let ch = 0; ch < nch; ch++) {
        const m = mode[ch] as ClampMode;
        const raw = (command[ch] as Float64Array)[i] as number;
        const cmd = Number.isFinite(raw) ? (m === 'I=0' ? 0 : raw) : 0;
        this.cmdNow[ch] = cmd;
        (measured[ch] as Float64Array)[i] = this.measure(ch, m, cmd, dt);
      }
      // 2. Substeps.
      for (let k = 0; k < sub; k++) {
        gSyn.fill(0);
        gESyn.fill(0);
        this.synapses.accumulate(this.time, gSyn, gESyn);
        for (let ch = 0; ch < nch; ch++) this.pipetteSubstep(ch, mode[ch] as ClampMode, h);
        const tEnd = this.time + h;
        for (let c = 0; c < ncell; c++) {
          const nrn = neurons[c] as Neuron;
          const g = (gExt[c] as number) + (gSyn[c] as number);
          const gE = (gEExt[c] as number) + (gEPip[c] as number) + (gESyn[c] as number);
          if (nrn.step(g, gE, iExt[c] as number)) {
            (this.spikeTimes[c] as number[]).push(tEnd);
            this.synapses.onSpike(c, tEnd);
          }
        }
        this.time = tEnd;
      }
    }
  }

  /** Measurement of channel ch at the start of a sample; sets the cell's pipette terms. */
  private measure(ch: number, m: ClampMode, cmd: number, dt: number): number {
    const p = this.pipettes[ch] as PipetteParams;
    const st = this.tip[ch] as TipNodeState;
    const cell = this.patched[ch] as number;
    const vm = (this.neurons[cell] as Neuron).v;
    if (p.stage !== 'whole-cell') {
      const g = tipConductance(p);
      const decay = p.pipetteCapacitance > 0 ? Math.exp((-dt * g) / p.pipetteCapacitance) : 0;
      return tipNodeSample(m === 'VC', cmd, p, g, decay, dt, st);
    }
    const ga = this.ga[ch] as number;
    this.gExt[cell] = (this.gExt[cell] as number) + (this.gs[ch] as number); // seal leak to the bath (0 V)
    if (m === 'VC') {
      const u = cmd - p.offsetVoltage;
      const out = (u - vm) * ga + (p.pipetteCapacitance * (cmd - st.vp)) / dt;
      st.u = u;
      st.vp = cmd;
      this.gExt[cell] = (this.gExt[cell] as number) + ga;
      this.gEExt[cell] = (this.gEExt[cell] as number) + ga * u;
      return out;
    }
    if (p.pipetteCapacitance === 0) {
      const u = vm + cmd * p.accessResistance;
      st.u = u > PIPETTE_RAIL ? PIPETTE_RAIL : u < -PIPETTE_RAIL ? -PIPETTE_RAIL : u;
      this.iExt[cell] = (this.iExt[cell] as number) + cmd;
    } else {
      this.gExt[cell] = (this.gExt[cell] as number) + ga;
    }
    st.vp = st.u + p.offsetVoltage;
    return st.vp;
  }

  /** IC with pipette capacitance: relax the pipette node (Vm held) and couple it through Ra. */
  private pipetteSubstep(ch: number, m: ClampMode, h: number): void {
    const p = this.pipettes[ch] as PipetteParams;
    if (m === 'VC' || p.stage !== 'whole-cell' || p.pipetteCapacitance === 0) return;
    const cell = this.patched[ch] as number;
    const st = this.tip[ch] as TipNodeState;
    const vm = (this.neurons[cell] as Neuron).v;
    const ra = p.accessResistance;
    const uInf = vm + (this.cmdNow[ch] as number) * ra;
    const u = uInf + (st.u - uInf) * Math.exp(-h / (ra * p.pipetteCapacitance));
    st.u = u > PIPETTE_RAIL ? PIPETTE_RAIL : u < -PIPETTE_RAIL ? -PIPETTE_RAIL : u;
    this.gEPip[cell] = st.u / ra;
  }
}

// Module-local copy: imported bindings may compile to getters (tsx/esbuild CommonJS interop).
const PIPETTE_RAIL = RAIL;

function drawSubclass(rng: Rng): Subclass {
  let total = 0;
  for (const s of SUBCLASSES) total += CELL_CLASSES[s].abundance;
  let x = rng.uniform() * total;
  for (const s of SUBCLASSES) {
    x -= CELL_CLASSES[s].abundance;
    if (x < 0) return s;
  }
  return 'pyramidal';
}

function distance(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  if (a === undefined || b === undefined) return Number.NaN;
  const dx = (a[0] as number) - (b[0] as number);
  const dy = (a[1] as number) - (b[1] as number);
  const dz = (a[2] as number) - (b[2] as number);
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

function restingPotentialOf(params: NeuronParams): number {
  return new Neuron(params).v;
}
