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
 * Precomputed gating for the hot loop. For a substep h, each row (one membrane potential) holds
 * for every gate x its steady state x∞(V) and the Rush–Larsen factor exp(−h/τx(V)), so a gate
 * update is x ← x∞ + (x − x∞)·k with two table lookups and no exp(). Rows are spaced
 * TABLE_STEP apart over [TABLE_MIN, TABLE_MAX] and linearly interpolated (NEURON's TABLE does the
 * same); outside the range the edge row is used.
 *
 * Interpolation error: with 0.05 mV rows the steepest steady state (slope factor 4 mV) is
 * interpolated to < 2e-5 absolute, far below the integrator's own error.
 */
export const TABLE_MIN = -0.25;
export const TABLE_MAX = 0.25;
export const TABLE_STEP = 5e-5;
export const TABLE_ROWS = Math.round((TABLE_MAX - TABLE_MIN) / TABLE_STEP) + 1;

/**
 * Row layout. Every table has m, h, n (the Na and delayed-rectifier gates every model uses) in
 * columns 0–5; the M gate (p∞, k_p) and the T gate (u∞, k_u, s∞) follow only when the model has
 * those currents (g_M > 0, g_T > 0), so a table holds only what its hot loop reads — a smaller
 * row means fewer cache lines per lookup (6 columns for a Pvalb cell instead of 11).
 */
export const COL_M_INF = 0;
export const COL_M_K = 1;
export const COL_H_INF = 2;
export const COL_H_K = 3;
export const COL_N_INF = 4;
export const COL_N_K = 5;

/** A gating table and where its optional columns are (−1: the model lacks that current). */
export interface GateTable {
  data: Float64Array;
  /** Numbers per row. */
  stride: number;
  /** Column of p∞ (k_p follows), or −1. */
  colP: number;
  /** Column of u∞ (k_u, then s∞ follow), or −1. */
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

/** The table for a parameter set and substep h (s); shared by every cell with the same kinetics. */
export function gateTable(params: NeuronParams, h: number): GateTable {
  const hasM = params.gM > 0;
  const hasT = params.gT > 0;
  const key = [
    params.kinetics,
    params.vTraub,
    params.vxT,
    params.tauMaxM,
    params.referenceCelsius,
    params.celsius,
    params.q10,
    params.q10M,
    hasM,
    hasT,
    h,
  ].join('|');
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const g = modelGates(params);
  const { phi, phiM } = temperatureFactors(params);
  const hMs = h * 1e3;
  const colP = hasM ? 6 : -1;
  const colU = hasT ? (hasM ? 8 : 6) : -1;
  const stride = 6 + (hasM ? 2 : 0) + (hasT ? 3 : 0);
  const t = new Float64Array(TABLE_ROWS * stride);
  const put = (row: number, colInf: number, gate: GateForm, v: number, factor: number): void => {
    t[row + colInf] = gate.inf(v);
    t[row + colInf + 1] = Math.exp((-hMs * factor) / gate.tauMs(v));
  };
  for (let i = 0; i < TABLE_ROWS; i++) {
    const v = (TABLE_MIN + i * TABLE_STEP) * 1e3;
    const row = i * stride;
    put(row, COL_M_INF, g.m, v, phi);
    put(row, COL_H_INF, g.h, v, phi);
    put(row, COL_N_INF, g.n, v, phi);
    if (hasM) put(row, colP, g.p, v, phiM);
    if (hasT) {
      put(row, colU, g.u, v, phi);
      t[row + colU + 2] = g.sInf(v);
    }
  }
  const table: GateTable = { data: t, stride, colP, colU };
  if (cache.size > 64) cache.clear(); // bounded: a long-running service may try many temperatures
  cache.set(key, table);
  return table;
}
