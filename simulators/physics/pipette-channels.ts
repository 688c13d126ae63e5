import type { ClampMode } from '../../src/core/clamp.ts';
import { PhysicsParameterError } from './errors.ts';
import {
  PIPETTE_RAIL as RAIL,
  resolvePipette,
  sealConductance,
  tipConductance,
  tipNodeSample,
  type PipetteParams,
  type TipNodeState,
} from './pipette.ts';
import { HEAP, type Alloc } from './slice-memory.ts';

// Module-local copies: imported bindings are not read in the per-sample loops.
const PIPETTE_RAIL = RAIL;
const VC = 0;
const IC = 1;
const I0 = 2;
// What a channel does in a block: TIP — no cell reached (bath, cell-attached); CLAMP — whole-cell
// VC; FOLLOW — whole-cell IC / I=0 with Cp = 0; NODE — whole-cell IC / I=0 with Cp > 0.
const TIP = 0;
const CLAMP = 1;
const FOLLOW = 2;
const NODE = 3;

/**
 * Samples per channel held in the command and measurement arrays: a block is run in chunks of at
 * most this many samples, so the arrays have a fixed size (the WebAssembly kernel's memory is
 * sized up front) and stay small enough to be cache-resident.
 */
export const PIPETTE_CHUNK = 1024;
const CHUNK = PIPETTE_CHUNK;

/**
 * The pipettes of a slice, one per channel, each on one cell: how they measure and how they enter
 * the membrane equation of their cell. Same circuit and sampling convention as
 * PassivePreparation (pipette.ts): each measurement is read at t_i with command[i] applied, then
 * the state advances over the sample.
 *
 * In the membrane equation a whole-cell pipette is a conductance towards the pipette solution
 * potential: VC — the access conductance 1/Ra towards the command (minus offset); IC with Cp > 0 —
 * 1/Ra towards the pipette node, itself relaxed exactly towards Vm + I·Ra with τ = Ra·Cp per
 * substep, Vm held (operator splitting, first order like the neuron integrator); IC with Cp = 0 —
 * the current itself. A seal leak adds a conductance to the bath (0 V). Pipettes that have not
 * reached their cell (bath, cell-attached) only measure their own node.
 *
 * Per block (`begin`) the terms that are constant over the block are set once; per chunk of at
 * most PIPETTE_CHUNK samples the commands are copied, sanitised, into one flat array (`load`) and
 * the measurements collected in another (`store` copies them out), so the per-substep pass
 * (`substep`) indexes typed arrays only and does little else than the NODE relaxation, the usual
 * case (current clamp with pipette capacitance). The WebAssembly kernel (slice-kernel.ts) runs the
 * same pass on the same arrays for every kind but TIP, which it leaves to `tips`.
 */
export class PipetteChannels {
  readonly count: number;
  private readonly params: PipetteParams[];
  /** Cell of each channel. */
  private readonly cell: Int32Array;
  // Per channel, cached from the parameters: whole-cell flag, access / seal / tip conductances
  // (S), access resistance (Ω), pipette capacitance (F), offset (V).
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
  // The current block: what each channel does (TIP … NODE above), commands of the current chunk
  // (sample i of channel ch at ch·PIPETTE_CHUNK + i) and measurements, same layout.
  private readonly mode: Uint8Array;
  private readonly kind: Uint8Array;
  private readonly cmd: Float64Array;
  private readonly out: Float64Array;
  private dt = 0;

  /**
   * Per cell (of all `v.length` cells; unpatched cells stay 0): the pipette terms of the membrane
   * equation over the current substep — conductance (S), Σ g·E (A) and injected current (A).
   */
  readonly g: Float64Array;
  readonly gE: Float64Array;
  readonly iInj: Float64Array;

  /**
   * `cells[k]`: the cell channel k is on (distinct, validated by the caller); `v`: the cells'
   * potentials; `alloc`: where the arrays live (slice-memory.ts; the WebAssembly kernel's arena).
   */
  constructor(cells: Int32Array, pipettes: readonly (Partial<PipetteParams> | undefined)[], v: Float64Array, alloc: Alloc = HEAP) {
    const nch = cells.length;
    this.count = nch;
    this.cell = alloc.i32(nch, 'cell');
    this.cell.set(cells);
    this.g = alloc.f64(v.length, 'g');
    this.gE = alloc.f64(v.length, 'gE');
    this.iInj = alloc.f64(v.length, 'iInj');
    this.params = Array.from({ length: nch }, (_, k) => resolvePipette(pipettes[k], `pipettes[${k}]`));
    this.wholeCell = new Uint8Array(nch);
    this.ga = alloc.f64(nch, 'ga');
    this.gs = new Float64Array(nch);
    this.gTip = new Float64Array(nch);
    this.ra = alloc.f64(nch, 'ra');
    this.cp = alloc.f64(nch, 'cp');
    this.offset = alloc.f64(nch, 'offset');
    this.tipK = alloc.f64(nch, 'tipK');
    this.tipU = alloc.f64(nch, 'tipU');
    this.tipVp = alloc.f64(nch, 'tipVp');
    this.mode = new Uint8Array(nch);
    this.kind = alloc.u8(nch, 'kind');
    this.cmd = alloc.f64(nch * CHUNK, 'cmd');
    this.out = alloc.f64(nch * CHUNK, 'out');
    for (let ch = 0; ch < nch; ch++) {
      const p = this.params[ch] as PipetteParams;
      this.cache(ch);
      const u = p.stage === 'whole-cell' ? (v[cells[ch] as number] as number) : 0;
      this.tipU[ch] = u;
      this.tipVp[ch] = u + p.offsetVoltage;
    }
  }

  get(ch: number): PipetteParams {
    return this.params[ch] as PipetteParams;
  }

  set(ch: number, params: Partial<PipetteParams>): void {
    this.params[ch] = resolvePipette({ ...this.get(ch), ...params }, `pipettes[${ch}]`);
    this.cache(ch);
  }

  private cache(ch: number): void {
    const p = this.get(ch);
    this.wholeCell[ch] = p.stage === 'whole-cell' ? 1 : 0;
    this.ga[ch] = 1 / p.accessResistance;
    this.gs[ch] = sealConductance(p);
    this.gTip[ch] = tipConductance(p);
    this.ra[ch] = p.accessResistance;
    this.cp[ch] = p.pipetteCapacitance;
    this.offset[ch] = p.offsetVoltage;
    this.tipH = Number.NaN;
  }

  /** The arrays the WebAssembly kernel (slice-kernel.ts) reads and writes, by name. */
  kernelViews(): Record<string, Float64Array | Int32Array | Uint8Array> {
    return {
      kind: this.kind, cell: this.cell, ga: this.ga, ra: this.ra, cp: this.cp, offset: this.offset,
      tipU: this.tipU, tipVp: this.tipVp, tipK: this.tipK, cmd: this.cmd, out: this.out,
      g: this.g, gE: this.gE, iInj: this.iInj,
    };
  }

  /**
   * Starts a block of n samples of dt with substep h: checks the arrays, takes the modes and sets
   * the terms that are constant over the block. Commands follow per chunk (`load`).
   */
  begin(modes: readonly ClampMode[], command: readonly Float64Array[], measured: readonly Float64Array[], n: number, dt: number, h: number): void {
    const nch = this.count;
    for (let ch = 0; ch < nch; ch++) {
      const c = command[ch];
      const o = measured[ch];
      const m = modes[ch];
      if (m === undefined || c === undefined || o === undefined || c.length < n || o.length < n) {
        throw new PhysicsParameterError(`mode/command/measured[${ch}]`, 'missing or shorter than n', `one entry per channel (${nch}), ≥ n samples`);
      }
      this.mode[ch] = m === 'VC' ? VC : m === 'IC' ? IC : I0;
    }
    this.dt = dt;
    if (h !== this.tipH) {
      for (let ch = 0; ch < nch; ch++) {
        const cp = this.cp[ch] as number;
        this.tipK[ch] = cp > 0 ? Math.exp(-h / ((this.ra[ch] as number) * cp)) : 0;
      }
      this.tipH = h;
    }
    // What each channel does per sample, and the terms that are constant over the block.
    for (let ch = 0; ch < nch; ch++) {
      const cell = this.cell[ch] as number;
      const mc = this.mode[ch] as number;
      const gs = this.gs[ch] as number;
      const ga = this.ga[ch] as number;
      let kind: number;
      if (this.wholeCell[ch] === 0) kind = TIP;
      else if (mc === VC) kind = CLAMP;
      else kind = (this.cp[ch] as number) > 0 ? NODE : FOLLOW;
      this.kind[ch] = kind;
      // Seal leak to the bath (0 V); access conductance towards the pipette unless Cp = 0 in IC.
      this.g[cell] = kind === TIP ? 0 : kind === FOLLOW ? gs : gs + ga;
      this.gE[cell] = 0;
      this.iInj[cell] = 0;
    }
  }

  /** Copies commands [i0, i0 + len) of the block (len ≤ PIPETTE_CHUNK; NaN / ±Infinity and I=0 → 0). */
  load(command: readonly Float64Array[], i0: number, len: number): void {
    const cmd = this.cmd;
    for (let ch = 0; ch < this.count; ch++) {
      const src = command[ch] as Float64Array;
      const base = ch * CHUNK - i0;
      if (this.mode[ch] === I0) cmd.fill(0, ch * CHUNK, ch * CHUNK + len);
      else for (let i = i0; i < i0 + len; i++) {
        const x = src[i] as number;
        cmd[base + i] = x - x === 0 ? x : 0;
      }
    }
  }

  /** `load` without the sanitising, which the WebAssembly kernel does as it reads each command. */
  loadRaw(command: readonly Float64Array[], i0: number, len: number): void {
    for (let ch = 0; ch < this.count; ch++) {
      if (this.mode[ch] === I0) this.cmd.fill(0, ch * CHUNK, ch * CHUNK + len);
      else this.cmd.set((command[ch] as Float64Array).subarray(i0, i0 + len), ch * CHUNK);
    }
  }

  /**
   * Substep k of sample i of the chunk (`v`: membrane potentials at its start). On the first substep, records
   * each channel's measurement from the state at t_i; then sets the pipette terms of each patched
   * cell (`g`, `gE`, `iInj`) for this substep.
   */
  substep(i: number, k: number, v: Float64Array): void {
    const nch = this.count;
    const n = CHUNK;
    const dt = this.dt;
    const cmdAll = this.cmd;
    const outAll = this.out;
    const kinds = this.kind;
    const cells = this.cell;
    const ga = this.ga;
    const ra = this.ra;
    const cpA = this.cp;
    const off = this.offset;
    const tipU = this.tipU;
    const tipVp = this.tipVp;
    const tipK = this.tipK;
    const gE = this.gE;
    const rail = PIPETTE_RAIL;
    const first = k === 0;
    for (let ch = 0; ch < nch; ch++) {
      const kind = kinds[ch] as number;
      const cmd = cmdAll[ch * n + i] as number;
      const cell = cells[ch] as number;
      if (kind === NODE) {
        // IC / I=0 with Cp: the node relaxes exactly towards Vm + I·Ra (Vm held) and pulls the
        // cell through 1/Ra.
        if (first) {
          const out = (tipU[ch] as number) + (off[ch] as number);
          tipVp[ch] = out;
          outAll[ch * n + i] = out;
        }
        const uInf = (v[cell] as number) + cmd * (ra[ch] as number);
        let u = uInf + ((tipU[ch] as number) - uInf) * (tipK[ch] as number);
        u = u > rail ? rail : u < -rail ? -rail : u;
        tipU[ch] = u;
        gE[cell] = u * (ga[ch] as number);
      } else if (!first) {
        continue; // the other kinds hold their terms over the sample
      } else if (kind === CLAMP) {
        const gA = ga[ch] as number;
        const u = cmd - (off[ch] as number);
        outAll[ch * n + i] = (u - (v[cell] as number)) * gA + ((cpA[ch] as number) * (cmd - (tipVp[ch] as number))) / dt;
        tipU[ch] = u;
        tipVp[ch] = cmd;
        gE[cell] = gA * u;
      } else if (kind === FOLLOW) {
        // No pipette capacitance: the node follows the cell instantly (bridge error I·Ra).
        let u = (v[cell] as number) + cmd * (ra[ch] as number);
        u = u > rail ? rail : u < -rail ? -rail : u;
        tipU[ch] = u;
        const out = u + (off[ch] as number);
        tipVp[ch] = out;
        outAll[ch * n + i] = out;
        this.iInj[cell] = cmd;
      } else {
        outAll[ch * n + i] = this.tipSample(ch, this.mode[ch] === VC, cmd, dt);
      }
    }
  }

  /**
   * The TIP channels' measurements for the len samples of the chunk (loaded by `loadRaw`). They do not touch any cell,
   * so the WebAssembly kernel runs the others and leaves these to this separate pass.
   */
  tips(len: number): void {
    for (let ch = 0; ch < this.count; ch++) {
      if (this.kind[ch] !== TIP) continue;
      const vc = this.mode[ch] === VC;
      for (let i = 0; i < len; i++) {
        const x = this.cmd[ch * CHUNK + i] as number;
        this.out[ch * CHUNK + i] = this.tipSample(ch, vc, x - x === 0 ? x : 0, this.dt); // after loadRaw
      }
    }
  }

  /** Copies the chunk's measurements out to samples [i0, i0 + len) of the block. */
  store(measured: readonly Float64Array[], i0: number, len: number): void {
    for (let ch = 0; ch < this.count; ch++) (measured[ch] as Float64Array).set(this.out.subarray(ch * CHUNK, ch * CHUNK + len), i0);
  }

  /** One sample of a pipette that has not reached its cell (bath, cell-attached). */
  private tipSample(ch: number, vc: boolean, cmd: number, dt: number): number {
    const p = this.get(ch);
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
