import { requireInRange } from './errors.ts';
import { PADE_MAX_ARG } from './fast-exp.ts';
import { TABLE_MIN, TABLE_ROWS, TABLE_STEP, gateTable, modelGates } from './gate-table.ts';
import type { NeuronParams } from './neuron-models.ts';
import { HEAP, type Alloc } from './slice-memory.ts';

/**
 * Default largest integration substep, s. Measured against a 1 µs reference (neuron.test.ts):
 * at 25 µs the RS model's spike times drift < 0.2 ms over 0.3 s of 10 Hz firing and the spike
 * peak is within 1.5 mV; at 50 kHz acquisition (20 µs samples) this is one substep per sample.
 */
export const DEFAULT_MAX_SUBSTEP = 25e-6;
/** Upper bound accepted for the substep: beyond it spikes are visibly distorted (> 1 ms drift). */
export const MAX_SUBSTEP_LIMIT = 50e-6;
/** Upward crossing of this potential counts as a spike (Pospischil ModelDB cells use 0 mV). */
export const SPIKE_THRESHOLD = -0.02;

// Module-local copies: the kernel reads no imported binding per substep.
const INV_STEP = 1 / TABLE_STEP;
const LAST_ROW = TABLE_ROWS - 1;
const V_MIN = TABLE_MIN;
const THRESHOLD = SPIKE_THRESHOLD;
const PADE_MAX = PADE_MAX_ARG;

/**
 * The state of N single-compartment neurons in structure-of-arrays form (one typed array per
 * state variable and per parameter), stepped together by one loop: the hot path of the slice and
 * of `simulateCurrentClamp`. `Neuron` objects are views onto one index of a population.
 *
 * Integrator (one substep h): Rush–Larsen for the gates — each gate is advanced exactly for the
 * potential at the start of the step, x ← x∞(V) + (x − x∞(V))·e^(−h/τx(V)) — followed by an
 * exponential-Euler step of V with the updated conductances frozen over the step:
 * V ← V∞ + (V − V∞)·e^(−h·G/C), V∞ = (Σ g·E + I)/G. Both updates are unconditionally stable (a
 * decaying exponential towards a bounded target, gates stay in [0, 1]); the method is first order
 * in h, so accuracy, not stability, sets the substep (DEFAULT_MAX_SUBSTEP). Extra linear
 * conductances (pipette access, synapses) enter G and Σg·E, so they are integrated with the same
 * unconditional stability however large they are. Error budget: the O(h) method error dominates
 * (neuron.test.ts: 25 µs against a 1 µs reference); the tables add < 2e-7 per gate update
 * (2.4e-5 at the kink of τ_u) and the Padé exponential < 6.1e-10 relative (fast-exp.test.ts).
 *
 * Cost: each gate update is x ← A(V) + B(V)·x with A, B interpolated from one row of a table built
 * per substep (gate-table.ts: only the gates a model has); e^(−h·G/C) is the (3,3) Padé form of
 * fast-exp.ts folded into the voltage update (one division, relative error < 6.1e-10 for
 * h·G/C < 0.25, Math.exp beyond); no allocation and no property lookup through another module per
 * substep. About 60–75 ns per cell and substep on the shared 2-core bench machine
 * (docs/decisions/0004-slice-integration-speed.md).
 *
 * `step` is the JS implementation: the one Neuron and simulateCurrentClamp use, and the reference
 * for the slice's WebAssembly kernel (slice-kernel.ts, source wasm/slice-kernel.as.ts), which does
 * the same operations in the same order (two cells per f64x2 instruction) on these same arrays,
 * allocated in its memory when the slice passes an arena (`alloc`), and is tested bit-identical.
 */
export class NeuronPopulation {
  readonly size: number;
  readonly params: readonly NeuronParams[];
  /** State: membrane potential (V) and gates, one entry per cell. */
  readonly v: Float64Array;
  readonly m: Float64Array;
  readonly h: Float64Array;
  readonly n: Float64Array;
  readonly p: Float64Array;
  readonly u: Float64Array;
  /** Total capacitance (F), total maximal conductances (S), reversal potentials (V). */
  readonly capacitance: Float64Array;
  readonly gL: Float64Array;
  private readonly gLeL: Float64Array;
  private readonly gNa: Float64Array;
  private readonly eNa: Float64Array;
  private readonly gK: Float64Array;
  private readonly eK: Float64Array;
  private readonly gM: Float64Array;
  private readonly gT: Float64Array;
  private readonly eCa: Float64Array;
  /** Per cell: h / C (s/F), its gating table, row stride and optional columns. */
  private readonly hOverC: Float64Array;
  private readonly tables: Float64Array[];
  private readonly stride: Int32Array;
  private readonly colP: Int32Array;
  private readonly colU: Int32Array;
  /** Cells that crossed SPIKE_THRESHOLD in the last `step` (the first `step()` return value entries). */
  readonly spiked: Int32Array;
  private h_ = Number.NaN;
  private tablesReady = false;

  /**
   * `params` must already be validated (validateNeuronParams). `alloc`: where the arrays live
   * (the slice's WebAssembly kernel passes an arena in its memory; slice-memory.ts).
   */
  constructor(params: readonly NeuronParams[], alloc: Alloc = HEAP) {
    const count = params.length;
    this.size = count;
    this.params = params;
    const col = (f: (p: NeuronParams) => number, name?: string): Float64Array => {
      const a = alloc.f64(count, name);
      params.forEach((p, i) => (a[i] = f(p)));
      return a;
    };
    this.v = alloc.f64(count, 'v');
    this.m = alloc.f64(count, 'm');
    this.h = alloc.f64(count, 'h');
    this.n = alloc.f64(count, 'n');
    this.p = alloc.f64(count, 'p');
    this.u = alloc.f64(count, 'u');
    this.capacitance = col((p) => p.specificCapacitance * p.area);
    this.gL = col((p) => p.gLeak * p.area, 'gL');
    this.gLeL = col((p) => p.gLeak * p.area * p.eLeak, 'gLeL');
    this.gNa = col((p) => p.gNa * p.area, 'gNa');
    this.eNa = col((p) => p.eNa, 'eNa');
    this.gK = col((p) => p.gK * p.area, 'gK');
    this.eK = col((p) => p.eK, 'eK');
    this.gM = col((p) => p.gM * p.area, 'gM');
    this.gT = col((p) => p.gT * p.area, 'gT');
    this.eCa = col((p) => p.eCa, 'eCa');
    this.hOverC = alloc.f64(count, 'hOverC');
    this.tables = [];
    this.stride = alloc.i32(count, 'stride');
    this.colP = alloc.i32(count, 'colP');
    this.colU = alloc.i32(count, 'colU');
    this.spiked = alloc.i32(count, 'spiked');
    for (let c = 0; c < count; c++) this.rest(c);
  }

  /**
   * Puts cell c at its resting state: V where the steady-state current is zero (bisection on the
   * root nearest E_leak), gates at their steady states.
   */
  rest(c: number): void {
    const prm = this.params[c] as NeuronParams;
    const g = modelGates(prm);
    const gL = this.gL[c] as number;
    const eL = prm.eLeak;
    const gNa = this.gNa[c] as number;
    const gK = this.gK[c] as number;
    const gM = this.gM[c] as number;
    const gT = this.gT[c] as number;
    const iSS = (v: number): number => {
      const vm = v * 1e3;
      const m = g.m.inf(vm);
      const s = g.sInf(vm);
      return (
        gL * (v - eL) +
        gNa * m * m * m * g.h.inf(vm) * (v - prm.eNa) +
        gK * g.n.inf(vm) ** 4 * (v - prm.eK) +
        gM * g.p.inf(vm) * (v - prm.eK) +
        gT * s * s * g.u.inf(vm) * (v - prm.eCa)
      );
    };
    // Scan outward from E_leak in 0.5 mV steps for a sign change of I(V) with positive slope.
    let lo = Number.NaN;
    let hi = Number.NaN;
    for (let k = 0; k < 200 && Number.isNaN(lo); k++) {
      for (const dir of [-1, 1]) {
        const a = eL + dir * k * 5e-4;
        const b = a + 5e-4;
        if (iSS(a) <= 0 && iSS(b) >= 0) {
          lo = a;
          hi = b;
          break;
        }
      }
    }
    let v = eL;
    if (!Number.isNaN(lo)) {
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (iSS(mid) <= 0) lo = mid;
        else hi = mid;
      }
      v = (lo + hi) / 2;
    }
    const vm = v * 1e3;
    this.v[c] = v;
    this.m[c] = g.m.inf(vm);
    this.h[c] = g.h.inf(vm);
    this.n[c] = g.n.inf(vm);
    this.p[c] = g.p.inf(vm);
    this.u[c] = g.u.inf(vm);
  }

  /**
   * Uses lookup tables built for substep h (cached per kinetics and h) for every cell. The tables
   * are fetched or built at the next `step`, so a slice that is built and never run, or whose
   * first block uses another substep, builds none it does not need (≈ 0.1 s each on the bench
   * machine).
   */
  useSubstep(h: number): void {
    requireInRange('substep', h, 1e-8, MAX_SUBSTEP_LIMIT, 's');
    if (h === this.h_) return;
    this.h_ = h;
    this.tablesReady = false;
  }

  /** The arrays the WebAssembly kernel (slice-kernel.ts) reads and writes, by name. */
  kernelViews(): Record<string, Float64Array | Int32Array> {
    return {
      v: this.v, m: this.m, h: this.h, n: this.n, p: this.p, u: this.u,
      gL: this.gL, gLeL: this.gLeL, gNa: this.gNa, eNa: this.eNa, gK: this.gK, eK: this.eK,
      gM: this.gM, gT: this.gT, eCa: this.eCa, hOverC: this.hOverC,
      stride: this.stride, colP: this.colP, colU: this.colU, spiked: this.spiked,
    };
  }

  /** Fetches the tables for the current substep (as `step` does) and returns cell c's. */
  table(c: number): Float64Array {
    if (!this.tablesReady) this.fetchTables();
    return this.tables[c] as Float64Array;
  }

  private fetchTables(): void {
    const h = this.h_;
    if (Number.isNaN(h)) throw new Error('NeuronPopulation.step before useSubstep');
    for (let c = 0; c < this.size; c++) {
      const t = gateTable(this.params[c] as NeuronParams, h);
      this.tables[c] = t.data;
      this.stride[c] = t.stride;
      this.colP[c] = t.colP;
      this.colU[c] = t.colU;
      this.hOverC[c] = h / (this.capacitance[c] as number);
    }
    this.tablesReady = true;
  }

  /** The substep the tables are built for (NaN before the first `useSubstep`). */
  get substep(): number {
    return this.h_;
  }

  /**
   * Advances cells [c0, c1) by one substep. Per cell c, `gExt[c]` (S) and `gExtE[c]` (S·V,
   * Σ g·E) are extra linear conductances held over the step and `iExt[c]` (A) injected current.
   * Returns how many cells crossed SPIKE_THRESHOLD upwards; their indices are `spiked[0..k)`.
   */
  step(c0: number, c1: number, gExt: Float64Array, gExtE: Float64Array, iExt: Float64Array): number {
    if (!this.tablesReady) this.fetchTables();
    const V = this.v;
    const M = this.m;
    const H = this.h;
    const N = this.n;
    const P = this.p;
    const U = this.u;
    const tables = this.tables;
    const strides = this.stride;
    const colPs = this.colP;
    const colUs = this.colU;
    const hOverC = this.hOverC;
    const gLs = this.gL;
    const gLeLs = this.gLeL;
    const gNas = this.gNa;
    const eNas = this.eNa;
    const gKs = this.gK;
    const eKs = this.eK;
    const gMs = this.gM;
    const gTs = this.gT;
    const eCas = this.eCa;
    const spiked = this.spiked;
    let spikes = 0;
    for (let c = c0; c < c1; c++) {
      const t = tables[c] as Float64Array;
      const v0 = V[c] as number;
      let x = (v0 - V_MIN) * INV_STEP;
      if (!(x > 0)) x = 0; // also catches NaN
      else if (x >= LAST_ROW) x = LAST_ROW - 1e-9;
      const i = x | 0;
      const f = x - i;
      const r = i * (strides[c] as number);
      // Each gate: x ← A + B·x with A, B interpolated from one row (gate-table.ts).
      const m = (t[r] as number) + (t[r + 1] as number) * f + ((t[r + 2] as number) + (t[r + 3] as number) * f) * (M[c] as number);
      const h = (t[r + 4] as number) + (t[r + 5] as number) * f + ((t[r + 6] as number) + (t[r + 7] as number) * f) * (H[c] as number);
      const n = (t[r + 8] as number) + (t[r + 9] as number) * f + ((t[r + 10] as number) + (t[r + 11] as number) * f) * (N[c] as number);
      M[c] = m;
      H[c] = h;
      N[c] = n;
      const gNa = (gNas[c] as number) * m * m * m * h;
      const n2 = n * n;
      let gK = (gKs[c] as number) * n2 * n2;
      let g = (gLs[c] as number) + gNa + (gExt[c] as number);
      let ge = (gLeLs[c] as number) + gNa * (eNas[c] as number) + (gExtE[c] as number) + (iExt[c] as number);
      const cp = r + (colPs[c] as number);
      if (cp >= r) {
        const p = (t[cp] as number) + (t[cp + 1] as number) * f + ((t[cp + 2] as number) + (t[cp + 3] as number) * f) * (P[c] as number);
        P[c] = p;
        gK += (gMs[c] as number) * p;
      }
      g += gK;
      ge += gK * (eKs[c] as number);
      const cu = r + (colUs[c] as number);
      if (cu >= r) {
        const u = (t[cu] as number) + (t[cu + 1] as number) * f + ((t[cu + 2] as number) + (t[cu + 3] as number) * f) * (U[c] as number);
        U[c] = u;
        const s = (t[cu + 4] as number) + (t[cu + 5] as number) * f;
        const gT = (gTs[c] as number) * s * s * u;
        g += gT;
        ge += gT * (eCas[c] as number);
      }
      // V ← V∞ + (V − V∞)·e^(−y), y = h·G/C, V∞ = ge/G. With e^(−y) ≈ N(y)/D(y), the (3,3) Padé
      // form of fast-exp.ts, D − N = y·(1 + y²/60) and V∞·y = (h/C)·ge, so the update is one
      // fraction: V ← (V·N + (h/C)·ge·(1 + y²/60)) / D — a single division, no exponential.
      const hc = hOverC[c] as number;
      const y = hc * g;
      let v1: number;
      if (y >= 0 && y < PADE_MAX) {
        const y2 = y * y;
        const num = 1 - 0.5 * y + y2 * (0.1 - y * (1 / 120));
        const den = 1 + 0.5 * y + y2 * (0.1 + y * (1 / 120));
        v1 = (v0 * num + hc * ge * (1 + y2 * (1 / 60))) / den;
      } else {
        const vInf = ge / g;
        v1 = vInf + (v0 - vInf) * Math.exp(-y);
      }
      V[c] = v1;
      if (v0 < THRESHOLD && v1 >= THRESHOLD) spiked[spikes++] = c;
    }
    return spikes;
  }
}
