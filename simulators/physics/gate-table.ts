import {
  hhKN,
  hhNaH,
  hhNaM,
  mCurrentP,
  tCurrentSInf,
  tCurrentU,
  traubKdN,
  traubNaH,
  traubNaM,
  type GateForm,
} from './channels.ts';
import type { NeuronParams } from './neuron-models.ts';

/**
 * Precomputed gating for the hot loop. For a substep h, row i (membrane potential
 * V_i = TABLE_MIN + i·TABLE_STEP) holds, for every gate x, the Rush–Larsen update in affine form
 *   x ← A(V) + B(V)·x,  B = exp(−h/τx(V)),  A = x∞(V)·(1 − B),
 * each coefficient followed by its forward difference to row i + 1 (A_i, A_{i+1} − A_i, B_i,
 * B_{i+1} − B_i), so that linear interpolation between rows reads one row only:
 * A(V) = A_i + ΔA_i·f with f the fractional row position. NEURON's TABLE interpolates the same
 * way; outside [TABLE_MIN, TABLE_MAX] the edge row is used.
 *
 * Why this form: one row per lookup (not two), and 3 multiply–adds per gate instead of 3
 * subtractions, 3 multiplies and 3 additions. Interpolation error of one update against the exact
 * Rush–Larsen step (fast-exp.test.ts, 20 µs): < 2e-7 for the smooth gates of every model, 2.4e-5
 * in the one row that spans the kink of the piecewise τ_u of I_T — far under the integrator's own
 * error. Gates stay in [0, 1]: at every row A ≥ 0, B ≥ 0 and A + B ≤ 1, interpolation preserves
 * these, so x ∈ [0, 1] maps into
 * [A, A + B] ⊆ [0, 1].
 */
export const TABLE_MIN = -0.25;
export const TABLE_MAX = 0.25;
export const TABLE_STEP = 5e-5;
export const TABLE_ROWS = Math.round((TABLE_MAX - TABLE_MIN) / TABLE_STEP) + 1;

/**
 * Row layout. Every table has m, h, n (the Na and delayed-rectifier gates every model uses) in
 * columns 0–11 (4 per gate); the M gate p (4 columns) and the T current (u: 4 columns, then s∞
 * and its difference) follow only when the model has those currents (g_M > 0, g_T > 0), so a row
 * holds only what its hot loop reads.
 */
export const COL_M = 0;
export const COL_H = 4;
export const COL_N = 8;

/** A gating table and where its optional columns are (−1: the model lacks that current). */
export interface GateTable {
  data: Float64Array;
  /** Numbers per row. */
  stride: number;
  /** Column of the M gate's A (ΔA, B, ΔB follow), or −1. */
  colP: number;
  /** Column of the T gate u's A (ΔA, B, ΔB, then s∞ and Δs∞ follow), or −1. */
  colU: number;
}

/** The gate forms of a parameter set (published units). */
export interface ModelGates {
  m: GateForm;
  h: GateForm;
  n: GateForm;
  p: GateForm;
  u: GateForm;
  sInf: (vMilli: number) => number;
}

export function modelGates(params: NeuronParams): ModelGates {
  const vt = params.vTraub * 1e3;
  const vx = params.vxT * 1e3;
  const traub = params.kinetics === 'traub';
  return {
    m: traub ? traubNaM(vt) : hhNaM,
    h: traub ? traubNaH(vt) : hhNaH,
    n: traub ? traubKdN(vt) : hhKN,
    p: mCurrentP(params.tauMaxM * 1e3),
    u: tCurrentU(vx),
    sInf: tCurrentSInf(vx),
  };
}

/** Temperature factors φ = Q10^((T − T_ref)/10) for the fast gates and for the M gate. */
export function temperatureFactors(params: NeuronParams): { phi: number; phiM: number } {
  const dT = (params.celsius - params.referenceCelsius) / 10;
  return { phi: Math.pow(params.q10, dT), phiM: Math.pow(params.q10M, dT) };
}

const cache = new Map<string, GateTable>();

/** What a table depends on besides the substep: cells with equal keys share their tables. */
export function tableKey(params: NeuronParams): string {
  return [
    params.kinetics,
    params.vTraub,
    params.vxT,
    params.tauMaxM,
    params.referenceCelsius,
    params.celsius,
    params.q10,
    params.q10M,
    params.gM > 0,
    params.gT > 0,
  ].join('|');
}

/** Numbers per row of a parameter set's table (see GateTable). */
export function tableStride(params: NeuronParams): number {
  return 12 + (params.gM > 0 ? 4 : 0) + (params.gT > 0 ? 6 : 0);
}

/** The table for a parameter set and substep h (s); shared by every cell with the same kinetics. */
export function gateTable(params: NeuronParams, h: number): GateTable {
  const hasM = params.gM > 0;
  const hasT = params.gT > 0;
  const key = `${tableKey(params)}|${h}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const g = modelGates(params);
  const { phi, phiM } = temperatureFactors(params);
  const hMs = h * 1e3;
  const colP = hasM ? 12 : -1;
  const colU = hasT ? (hasM ? 16 : 12) : -1;
  const stride = tableStride(params);
  const t = new Float64Array(TABLE_ROWS * stride);
  const put = (row: number, col: number, gate: GateForm, v: number, factor: number): void => {
    const b = Math.exp((-hMs * factor) / gate.tauMs(v));
    t[row + col] = gate.inf(v) * (1 - b);
    t[row + col + 2] = b;
  };
  for (let i = 0; i < TABLE_ROWS; i++) {
    const v = (TABLE_MIN + i * TABLE_STEP) * 1e3;
    const row = i * stride;
    put(row, COL_M, g.m, v, phi);
    put(row, COL_H, g.h, v, phi);
    put(row, COL_N, g.n, v, phi);
    if (hasM) put(row, colP, g.p, v, phiM);
    if (hasT) {
      put(row, colU, g.u, v, phi);
      t[row + colU + 4] = g.sInf(v);
    }
  }
  // Forward differences in the odd columns (0 in the last row: the edge row is used beyond it).
  for (let i = 0; i + 1 < TABLE_ROWS; i++) {
    const row = i * stride;
    for (let c = 0; c < stride; c += 2) t[row + c + 1] = (t[row + stride + c] as number) - (t[row + c] as number);
  }
  const table: GateTable = { data: t, stride, colP, colU };
  if (cache.size > 64) cache.clear(); // bounded: a long-running service may try many temperatures
  cache.set(key, table);
  return table;
}
