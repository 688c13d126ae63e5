import { cholesky, forwardSolve, nelderMead, solveLinear } from './stats.ts';

/**
 * Tsodyks–Markram fit of short-term plasticity (Tsodyks, Pawelzik & Markram 1998, event form):
 * at each presynaptic spike, with Δ since the previous one,
 *   u_n = U + u_{n−1}(1 − U)e^(−Δ/τ_facil) (u_1 = U; τ_facil = 0 → U),
 *   x_n = 1 + (x_{n−1} − u_{n−1}x_{n−1} − 1)e^(−Δ/τ_rec) (x_1 = 1),
 * and the response is A_n = G·u_n·x_n. The first pulse is assumed at rest (15 s between trains).
 */
export interface TmParams {
  U: number;
  tauRec: number;
  /** 0 = no facilitation. */
  tauFacil: number;
}

export interface TmTrain {
  /** Spike times relative to the first, s. */
  times: readonly number[];
  /** Mean response per spike (NaN = none); signed. */
  amplitudes: readonly number[];
  /** Weight of the train (e.g. trials averaged). */
  weight: number;
  /** Sampling variance of each amplitude; when every fitted point has one, the fit weights each point by its inverse. */
  variances?: readonly number[];
  /**
   * Sampling covariance of the amplitudes; when every train has one over its fitted points (and it
   * is positive definite), the fit is generalised least squares with it: amplitudes of one fast
   * train, fitted together, are correlated.
   */
  covariance?: readonly (readonly number[])[];
}

export interface TmFit extends TmParams {
  /** Response of a spike at rest (U·G), signed like the data. */
  gain: number;
  r2: number;
  /** Points fitted. */
  n: number;
  /**
   * Standard errors of U, τ_rec and τ_facil relative to their values (of their logarithms), from
   * the fit's curvature; τ_facil's is NaN when the fit has no facilitation, all are Infinity when
   * the data do not determine them (e.g. U and τ_facil trading off).
   */
  relativeErrors: TmParams;
  /** The shortest interval between two fitted responses, s: a τ_facil below it acts on no later pulse the trains can show. */
  shortestInterval: number;
}

/**
 * A fit's parameters are known well enough to quote within 15 % (two standard errors) when every
 * relative standard error is at most this; otherwise the pair needs more repetitions.
 */
export const TM_RESOLVED_RELATIVE_ERROR = 0.075;

/**
 * The parameters of `fit` not resolved (TM_RESOLVED_RELATIVE_ERROR). τ_facil counts only when it is
 * at least the trains' shortest interval: a shorter one (the depressing synapses' 1–3 ms "fits",
 * ± 70–170 %) has decayed by the next pulse, so more repetitions would not pin it down either.
 */
export function tmUnresolved(fit: Pick<TmFit, 'relativeErrors' | 'tauFacil' | 'shortestInterval'>): (keyof TmParams)[] {
  const e = fit.relativeErrors;
  const ok = (x: number) => x <= TM_RESOLVED_RELATIVE_ERROR;
  const facilitation = fit.tauFacil > 0 && !(fit.tauFacil < fit.shortestInterval);
  return (['U', 'tauRec', 'tauFacil'] as const).filter((k) => (k !== 'tauFacil' || facilitation) && !ok(e[k]));
}

/** Whether every parameter of `fit` is resolved (tmUnresolved is empty). */
export function tmResolved(fit: Pick<TmFit, 'relativeErrors' | 'tauFacil' | 'shortestInterval'>): boolean {
  return tmUnresolved(fit).length === 0;
}

export function tmReleases(p: TmParams, times: readonly number[], out: number[] = []): number[] {
  let u = p.U;
  let x = 1;
  out.length = 0;
  for (let k = 0; k < times.length; k++) {
    if (k > 0) {
      const d = (times[k] as number) - (times[k - 1] as number);
      const uPrev = u;
      u = p.tauFacil > 0 ? p.U + uPrev * (1 - p.U) * Math.exp(-d / p.tauFacil) : p.U;
      x = 1 + (x - uPrev * x - 1) * Math.exp(-d / p.tauRec);
    }
    out.push(u * x);
  }
  return out;
}

/**
 * One train's fitted points and the factor L of their covariance (C = L·Lᵀ), with the amplitudes
 * and a vector of ones already through L⁻¹: the weighted SSE of a model r is |L⁻¹(a − g·r)|².
 */
interface TrainWhitener {
  idx: number[];
  L: Float64Array;
  aw: Float64Array;
  ow: Float64Array;
  /** Scratch for a model's releases at idx, and through L⁻¹ (the search evaluates thousands of models). */
  rs: Float64Array;
  rw: Float64Array;
}

const finite = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

/**
 * The trains' points' covariance: full when every train has a usable one, else diagonal from
 * variances when every point has one, else 1 / the train's weight. `absolute`: the covariance is
 * the data's own (the weighted SSE is a χ²), not just relative weights.
 */
function whiteners(trains: readonly TmTrain[]): { white: TrainWhitener[]; absolute: boolean } {
  const points = trains.map((tr) => tr.amplitudes.flatMap((a, k) => (Number.isFinite(a) ? [k] : [])));
  const build = (cov: (t: number, k: number, l: number) => number): TrainWhitener[] | undefined => {
    const out: TrainWhitener[] = [];
    for (let t = 0; t < trains.length; t++) {
      const idx = points[t] as number[];
      const m = idx.length;
      const C = new Float64Array(m * m);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) C[i * m + j] = cov(t, idx[i] as number, idx[j] as number);
      const L = cholesky(C, m);
      if (!L) return undefined;
      const tr = trains[t] as TmTrain;
      out.push({ idx, L, aw: forwardSolve(L, idx.map((k) => tr.amplitudes[k] as number), m), ow: forwardSolve(L, new Float64Array(m).fill(1), m), rs: new Float64Array(m), rw: new Float64Array(m) });
    }
    return out;
  };
  const hasCovariance = trains.every((tr, t) => (points[t] as number[]).every((k) => (points[t] as number[]).every((l) => finite(tr.covariance?.[k]?.[l]))));
  const full = hasCovariance ? build((t, k, l) => trains[t]?.covariance?.[k]?.[l] as number) : undefined;
  if (full) return { white: full, absolute: true };
  const hasVariance = trains.every((tr, t) => (points[t] as number[]).every((k) => finite(tr.variances?.[k]) && (tr.variances?.[k] as number) > 0));
  const diagonal = hasVariance ? build((t, k, l) => (k === l ? (trains[t]?.variances?.[k] as number) : 0)) : undefined;
  if (diagonal) return { white: diagonal, absolute: true };
  return { white: build((t, k, l) => (k === l ? 1 / (trains[t] as TmTrain).weight : 0)) as TrainWhitener[], absolute: false };
}

/** The whitened model g·L⁻¹r of every fitted point, concatenated. */
function whitenedModel(p: TmParams, g: number, trains: readonly TmTrain[], white: readonly TrainWhitener[], scratch: number[]): number[] {
  const out: number[] = [];
  trains.forEach((tr, t) => {
    const w = white[t] as TrainWhitener;
    const r = tmReleases(p, tr.times, scratch);
    for (let i = 0; i < w.idx.length; i++) w.rs[i] = g * (r[w.idx[i] as number] as number);
    for (const v of forwardSolve(w.L, w.rs, w.idx.length, w.rw)) out.push(v);
  });
  return out;
}

/**
 * Relative standard errors of U, τ_rec (and τ_facil when fitted) at the fit: the Gauss–Newton
 * covariance (JᵀJ)⁻¹·s² of (g, ln U, ln τ_rec[, ln τ_facil]), J the whitened model's Jacobian
 * (central differences). s² is 1 when the covariance is the data's own — raised to the reduced χ²
 * when the residuals are larger than it says — and the reduced χ² when only relative weights are
 * known.
 */
function relativeErrorsOf(p: TmParams, g: number, sse: number, absolute: boolean, trains: readonly TmTrain[], white: readonly TrainWhitener[], scratch: number[]): TmParams {
  const none: TmParams = { U: Infinity, tauRec: Infinity, tauFacil: p.tauFacil > 0 ? Infinity : Number.NaN };
  const facil = p.tauFacil > 0;
  const logs = facil ? [Math.log(p.U), Math.log(p.tauRec), Math.log(p.tauFacil)] : [Math.log(p.U), Math.log(p.tauRec)];
  const at = (x: readonly number[]): TmParams => ({ U: Math.exp(x[0] as number), tauRec: Math.exp(x[1] as number), tauFacil: facil ? Math.exp(x[2] as number) : 0 });
  const h = 1e-4;
  const cols: number[][] = [whitenedModel(p, 1, trains, white, scratch)];
  for (let j = 0; j < logs.length; j++) {
    const up = [...logs];
    const down = [...logs];
    up[j] = (up[j] as number) + h;
    down[j] = (down[j] as number) - h;
    // U stays below 1 (the model needs u ≤ 1): a one-sided difference at the edge.
    const upOk = at(up).U < 1;
    const a = whitenedModel(upOk ? at(up) : p, g, trains, white, scratch);
    const b = whitenedModel(at(down), g, trains, white, scratch);
    const span = upOk ? 2 * h : h;
    cols.push(a.map((v, i) => (v - (b[i] as number)) / span));
  }
  const k = cols.length;
  const n = (cols[0] as number[]).length;
  if (n <= k) return none;
  const F = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    let sum = 0;
    const ca = cols[a] as number[];
    const cb = cols[b] as number[];
    for (let i = 0; i < n; i++) sum += (ca[i] as number) * (cb[i] as number);
    F[a * k + b] = sum;
  }
  const reduced = sse / (n - k);
  const s2 = absolute ? Math.max(1, reduced) : reduced;
  const variance = (j: number) => {
    const e = new Float64Array(k);
    e[j] = 1;
    const v = (solveLinear(F, e, k)[j] as number) * s2;
    return v >= 0 && Number.isFinite(v) ? Math.sqrt(v) : Infinity;
  };
  return { U: variance(1), tauRec: variance(2), tauFacil: facil ? variance(3) : Number.NaN };
}

/** Weighted SSE of the best gain for given parameters (gain solved in closed form). */
function sseOf(p: TmParams, trains: readonly TmTrain[], white: readonly TrainWhitener[], scratch: number[]): { sse: number; g: number } {
  let srr = 0, sra = 0, saa = 0;
  trains.forEach((tr, t) => {
    const w = white[t] as TrainWhitener;
    const r = tmReleases(p, tr.times, scratch);
    for (let i = 0; i < w.idx.length; i++) w.rs[i] = r[w.idx[i] as number] as number;
    const rw = forwardSolve(w.L, w.rs, w.idx.length, w.rw);
    for (let i = 0; i < rw.length; i++) {
      const v = rw[i] as number;
      const a = w.aw[i] as number;
      srr += v * v;
      sra += v * a;
      saa += a * a;
    }
  });
  const g = srr > 0 ? sra / srr : 0;
  return { sse: saa - g * sra, g };
}

const logGrid = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a * (b / a) ** (i / (n - 1)));
const U_GRID = logGrid(0.02, 0.9, 12);
const REC_GRID = logGrid(0.02, 4, 12);
const FACIL_GRID = [0, ...logGrid(0.005, 4, 11)];

/**
 * Grid search, then Nelder–Mead on (logit U, ln τ_rec, ln τ_facil) — once with facilitation free
 * and once without. Generalised least squares with the trains' sampling covariances when every
 * train has one (the amplitudes of a 100–200 Hz train, fitted together, are correlated, mostly
 * negatively: an error in one is partly made up by its neighbour); else weighted by each point's
 * inverse sampling variance when the trains carry variances (an amplitude of a 200 Hz train,
 * overlapping its neighbours, is known far less well than an isolated one); else by the trains'
 * weights.
 */
export function fitTsodyksMarkram(trains: readonly TmTrain[]): TmFit {
  const scratch: number[] = [];
  const { white, absolute } = whiteners(trains);
  // r² against the best constant (its generalised-least-squares mean).
  let n = 0;
  let s1a = 0, s11 = 0, saa = 0;
  for (const w of white) {
    n += w.idx.length;
    for (let i = 0; i < w.idx.length; i++) {
      s1a += (w.ow[i] as number) * (w.aw[i] as number);
      s11 += (w.ow[i] as number) ** 2;
      saa += (w.aw[i] as number) ** 2;
    }
  }
  const sst = s11 > 0 ? saa - (s1a * s1a) / s11 : 0;
  let shortestInterval = Infinity;
  white.forEach((w, t) => {
    const times = (trains[t] as TmTrain).times;
    for (let i = 1; i < w.idx.length; i++) shortestInterval = Math.min(shortestInterval, (times[w.idx[i] as number] as number) - (times[w.idx[i - 1] as number] as number));
  });
  if (n < 4) return { U: Number.NaN, tauRec: Number.NaN, tauFacil: Number.NaN, gain: Number.NaN, r2: Number.NaN, n, relativeErrors: { U: Number.NaN, tauRec: Number.NaN, tauFacil: Number.NaN }, shortestInterval };
  let best: TmParams = { U: 0.5, tauRec: 0.5, tauFacil: 0 };
  let bestSse = Infinity;
  for (const U of U_GRID) for (const tauRec of REC_GRID) for (const tauFacil of FACIL_GRID) {
    const s = sseOf({ U, tauRec, tauFacil }, trains, white, scratch).sse;
    if (s < bestSse) {
      bestSse = s;
      best = { U, tauRec, tauFacil };
    }
  }
  const logit = (u: number) => Math.log(u / (1 - u));
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const free = (x: number[]): TmParams => ({ U: sig(x[0] as number), tauRec: Math.exp(x[1] as number), tauFacil: Math.exp(x[2] as number) });
  const noFacil = (x: number[]): TmParams => ({ U: sig(x[0] as number), tauRec: Math.exp(x[1] as number), tauFacil: 0 });
  const a = nelderMead((x) => sseOf(free(x), trains, white, scratch).sse, [logit(best.U), Math.log(best.tauRec), Math.log(Math.max(best.tauFacil, 0.005))], [0.3, 0.3, 0.5], 300);
  const b = nelderMead((x) => sseOf(noFacil(x), trains, white, scratch).sse, [logit(best.U), Math.log(best.tauRec)], [0.3, 0.3], 200);
  // τ_facil below a millisecond cannot act between pulses ≥ 5 ms apart: report it as none.
  let p = a.f < b.f ? free(a.x) : noFacil(b.x);
  if (p.tauFacil > 0 && p.tauFacil < 1e-3) p = { ...p, tauFacil: 0 };
  const { sse, g } = sseOf(p, trains, white, scratch);
  const relativeErrors = relativeErrorsOf(p, g, sse, absolute, trains, white, scratch);
  return { ...p, gain: g * p.U, r2: sst > 0 ? 1 - sse / sst : 0, n, relativeErrors, shortestInterval };
}
