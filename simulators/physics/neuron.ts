import { requireInRange } from './errors.ts';
import {
  COL_H_INF,
  COL_H_K,
  COL_M_INF,
  COL_M_K,
  COL_N_INF,
  COL_N_K,
  COL_P_INF,
  COL_P_K,
  COL_S_INF,
  COL_U_INF,
  COL_U_K,
  TABLE_MIN,
  TABLE_ROWS,
  TABLE_STEP,
  TABLE_STRIDE,
  gateTable,
  modelGates,
} from './gate-table.ts';
import { validateNeuronParams, type NeuronParams } from './neuron-models.ts';

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

// Module-local copies of the table layout: imported bindings may compile to property getters
// (CommonJS interop in tsx/esbuild), which cost a call per access in the hot loop.
const INV_STEP = 1 / TABLE_STEP;
const LAST_ROW = TABLE_ROWS - 1;
const V_MIN = TABLE_MIN;
const STRIDE = TABLE_STRIDE;
const M_INF = COL_M_INF;
const M_K = COL_M_K;
const H_INF = COL_H_INF;
const H_K = COL_H_K;
const N_INF = COL_N_INF;
const N_K = COL_N_K;
const P_INF = COL_P_INF;
const P_K = COL_P_K;
const U_INF = COL_U_INF;
const U_K = COL_U_K;
const S_INF = COL_S_INF;

/**
 * One single-compartment neuron: C·dV/dt = −Σ g_x·(V − E_x) + I.
 *
 * Integrator (one substep h): Rush–Larsen for the gates — each gate is advanced exactly for the
 * potential at the start of the step, x ← x∞(V) + (x − x∞(V))·e^(−h/τx(V)) — followed by an
 * exponential-Euler step of V with the updated conductances frozen over the step:
 * V ← V∞ + (V − V∞)·e^(−h·G/C), V∞ = (Σ g·E + I)/G. Both updates are unconditionally stable (a
 * decaying exponential towards a bounded target, gates stay in [0, 1]); the method is first order
 * in h, so accuracy, not stability, sets the substep (DEFAULT_MAX_SUBSTEP). Extra linear
 * conductances (pipette access, synapses) enter G and Σg·E, so they are integrated with the same
 * unconditional stability however large they are.
 */
export class Neuron {
  readonly params: NeuronParams;
  /** Membrane potential, V. */
  v: number;
  m = 0;
  h = 0;
  n = 0;
  p = 0;
  u = 0;
  /** Total capacitance, F, and total maximal conductances, S. */
  readonly capacitance: number;
  private readonly gL: number;
  private readonly gNa: number;
  private readonly gK: number;
  private readonly gM: number;
  private readonly gT: number;
  private readonly eL: number;
  private readonly eNa: number;
  private readonly eK: number;
  private readonly eCa: number;
  private table: Float64Array;
  private tableH: number;

  constructor(params: NeuronParams) {
    this.params = validateNeuronParams({ ...params });
    const a = this.params.area;
    this.capacitance = this.params.specificCapacitance * a;
    this.gL = this.params.gLeak * a;
    this.gNa = this.params.gNa * a;
    this.gK = this.params.gK * a;
    this.gM = this.params.gM * a;
    this.gT = this.params.gT * a;
    this.eL = this.params.eLeak;
    this.eNa = this.params.eNa;
    this.eK = this.params.eK;
    this.eCa = this.params.eCa;
    this.tableH = DEFAULT_MAX_SUBSTEP;
    this.table = gateTable(this.params, this.tableH);
    this.v = this.params.eLeak;
    this.rest();
  }

  /** Input conductance at rest would be G; this is the leak part, S (for ground truth). */
  get leakConductance(): number {
    return this.gL;
  }

  /**
   * Puts the cell at its resting state: V where the steady-state current is zero (bisection on the
   * root nearest E_leak), gates at their steady states.
   */
  rest(): void {
    const g = modelGates(this.params);
    const iSS = (v: number): number => {
      const vm = v * 1e3;
      const m = g.m.inf(vm);
      const s = g.sInf(vm);
      return (
        this.gL * (v - this.eL) +
        this.gNa * m * m * m * g.h.inf(vm) * (v - this.eNa) +
        this.gK * g.n.inf(vm) ** 4 * (v - this.eK) +
        this.gM * g.p.inf(vm) * (v - this.eK) +
        this.gT * s * s * g.u.inf(vm) * (v - this.eCa)
      );
    };
    // Scan outward from E_leak in 0.5 mV steps for a sign change of I(V) with positive slope.
    let lo = Number.NaN;
    let hi = Number.NaN;
    for (let k = 0; k < 200 && Number.isNaN(lo); k++) {
      for (const dir of [-1, 1]) {
        const a = this.eL + dir * k * 5e-4;
        const b = a + 5e-4;
        if (iSS(a) <= 0 && iSS(b) >= 0) {
          lo = a;
          hi = b;
          break;
        }
      }
    }
    let v = this.eL;
    if (!Number.isNaN(lo)) {
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (iSS(mid) <= 0) lo = mid;
        else hi = mid;
      }
      v = (lo + hi) / 2;
    }
    const vm = v * 1e3;
    this.v = v;
    this.m = g.m.inf(vm);
    this.h = g.h.inf(vm);
    this.n = g.n.inf(vm);
    this.p = g.p.inf(vm);
    this.u = g.u.inf(vm);
  }

  /** Uses lookup tables built for substep h (cached per kinetics and h). */
  useSubstep(h: number): void {
    requireInRange('substep', h, 1e-8, MAX_SUBSTEP_LIMIT, 's');
    if (h !== this.tableH) {
      this.table = gateTable(this.params, h);
      this.tableH = h;
    }
  }

  get substep(): number {
    return this.tableH;
  }

  /**
   * Advances one substep (the one `useSubstep` set). `gExt` (S) and `gExtE` (S·V, Σ g·E) are extra
   * linear conductances held over the step; `iInj` (A) is injected current. Returns true when V
   * crossed SPIKE_THRESHOLD upwards during the step.
   */
  step(gExt: number, gExtE: number, iInj: number): boolean {
    const t = this.table;
    const v0 = this.v;
    let x = (v0 - V_MIN) * INV_STEP;
    if (!(x > 0)) x = 0; // also catches NaN
    else if (x >= LAST_ROW) x = LAST_ROW - 1e-9;
    const i = x | 0;
    const f = x - i;
    const r0 = i * STRIDE;
    const r1 = r0 + STRIDE;
    const mInf = lerp(t, r0, r1, M_INF, f);
    const hInf = lerp(t, r0, r1, H_INF, f);
    const nInf = lerp(t, r0, r1, N_INF, f);
    const m = mInf + (this.m - mInf) * lerp(t, r0, r1, M_K, f);
    const h = hInf + (this.h - hInf) * lerp(t, r0, r1, H_K, f);
    const n = nInf + (this.n - nInf) * lerp(t, r0, r1, N_K, f);
    this.m = m;
    this.h = h;
    this.n = n;
    const gNa = this.gNa * m * m * m * h;
    const n2 = n * n;
    let gK = this.gK * n2 * n2;
    let g = this.gL + gNa + gExt;
    let ge = this.gL * this.eL + gNa * this.eNa + gExtE + iInj;
    if (this.gM > 0) {
      const pInf = lerp(t, r0, r1, P_INF, f);
      const p = pInf + (this.p - pInf) * lerp(t, r0, r1, P_K, f);
      this.p = p;
      gK += this.gM * p;
    }
    g += gK;
    ge += gK * this.eK;
    if (this.gT > 0) {
      const uInf = lerp(t, r0, r1, U_INF, f);
      const u = uInf + (this.u - uInf) * lerp(t, r0, r1, U_K, f);
      this.u = u;
      const s = lerp(t, r0, r1, S_INF, f);
      const gT = this.gT * s * s * u;
      g += gT;
      ge += gT * this.eCa;
    }
    const vInf = ge / g;
    const v1 = vInf + (v0 - vInf) * Math.exp((-this.tableH * g) / this.capacitance);
    this.v = v1;
    return v0 < SPIKE_THRESHOLD && v1 >= SPIKE_THRESHOLD;
  }
}

function lerp(t: Float64Array, r0: number, r1: number, col: number, f: number): number {
  const a = t[r0 + col] as number;
  return a + ((t[r1 + col] as number) - a) * f;
}

/**
 * Runs one neuron in current clamp with no recording path: the `simulate-cell` use. `current(t)`
 * is sampled once per output sample (zero-order hold); returns V at each sample time t_i = i·dt
 * (before the step from t_i), so out[0] is the initial state.
 */
export function simulateCurrentClamp(
  neuron: Neuron,
  current: Float64Array,
  dt: number,
  maxSubstep = DEFAULT_MAX_SUBSTEP,
): { v: Float64Array; spikeTimes: number[] } {
  requireInRange('dt', dt, 1e-7, 1e-3, 's');
  requireInRange('maxSubstep', maxSubstep, 1e-8, MAX_SUBSTEP_LIMIT, 's');
  const sub = Math.max(1, Math.ceil(dt / maxSubstep - 1e-9));
  neuron.useSubstep(dt / sub);
  const v = new Float64Array(current.length);
  const spikeTimes: number[] = [];
  for (let i = 0; i < current.length; i++) {
    v[i] = neuron.v;
    const c = current[i] as number;
    const iInj = Number.isFinite(c) ? c : 0;
    for (let k = 0; k < sub; k++) {
      if (neuron.step(0, 0, iInj)) spikeTimes.push(i * dt + ((k + 1) * dt) / sub);
    }
  }
  return { v, spikeTimes };
}
