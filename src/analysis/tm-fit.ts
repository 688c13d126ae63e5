import { nelderMead } from './stats.ts';

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
}

export interface TmFit extends TmParams {
  /** Response of a spike at rest (U·G), signed like the data. */
  gain: number;
  r2: number;
  /** Points fitted. */
  n: number;
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

/** Per point weights: inverse sampling variances when every fitted point has one, else the train's weight. */
function pointWeights(trains: readonly TmTrain[]): number[][] {
  const byVariance = trains.every((tr) => tr.amplitudes.every((a, k) => !Number.isFinite(a) || ((tr.variances?.[k] ?? Number.NaN) > 0 && Number.isFinite(tr.variances?.[k]))));
  return trains.map((tr) => tr.amplitudes.map((_, k) => (byVariance ? 1 / (tr.variances?.[k] as number) : tr.weight)));
}

/** Weighted SSE of the best gain for given parameters (gain solved in closed form). */
function sseOf(p: TmParams, trains: readonly TmTrain[], weights: readonly number[][], scratch: number[]): { sse: number; g: number } {
  let srr = 0, sra = 0, saa = 0;
  trains.forEach((tr, t) => {
    const r = tmReleases(p, tr.times, scratch);
    const w = weights[t] as number[];
    for (let k = 0; k < r.length; k++) {
      const a = tr.amplitudes[k] as number;
      if (!Number.isFinite(a)) continue;
      const v = r[k] as number;
      const wk = w[k] as number;
      srr += wk * v * v;
      sra += wk * v * a;
      saa += wk * a * a;
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
 * and once without. Weighted least squares: by each point's inverse sampling variance when the
 * trains carry variances (an amplitude of a 200 Hz train, overlapping its neighbours, is known
 * far less well than an isolated one), else by the trains' weights.
 */
export function fitTsodyksMarkram(trains: readonly TmTrain[]): TmFit {
  const scratch: number[] = [];
  const weights = pointWeights(trains);
  let n = 0;
  let sw = 0, sa = 0;
  trains.forEach((tr, t) =>
    tr.amplitudes.forEach((a, k) => {
      if (!Number.isFinite(a)) return;
      const w = weights[t]?.[k] as number;
      n++;
      sw += w;
      sa += w * a;
    }),
  );
  const meanA = sw > 0 ? sa / sw : 0;
  let sst = 0;
  trains.forEach((tr, t) => tr.amplitudes.forEach((a, k) => (sst += Number.isFinite(a) ? (weights[t]?.[k] as number) * (a - meanA) ** 2 : 0)));
  if (n < 4) return { U: Number.NaN, tauRec: Number.NaN, tauFacil: Number.NaN, gain: Number.NaN, r2: Number.NaN, n };
  let best: TmParams = { U: 0.5, tauRec: 0.5, tauFacil: 0 };
  let bestSse = Infinity;
  for (const U of U_GRID) for (const tauRec of REC_GRID) for (const tauFacil of FACIL_GRID) {
    const s = sseOf({ U, tauRec, tauFacil }, trains, weights, scratch).sse;
    if (s < bestSse) {
      bestSse = s;
      best = { U, tauRec, tauFacil };
    }
  }
  const logit = (u: number) => Math.log(u / (1 - u));
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const free = (x: number[]): TmParams => ({ U: sig(x[0] as number), tauRec: Math.exp(x[1] as number), tauFacil: Math.exp(x[2] as number) });
  const noFacil = (x: number[]): TmParams => ({ U: sig(x[0] as number), tauRec: Math.exp(x[1] as number), tauFacil: 0 });
  const a = nelderMead((x) => sseOf(free(x), trains, weights, scratch).sse, [logit(best.U), Math.log(best.tauRec), Math.log(Math.max(best.tauFacil, 0.005))], [0.3, 0.3, 0.5], 300);
  const b = nelderMead((x) => sseOf(noFacil(x), trains, weights, scratch).sse, [logit(best.U), Math.log(best.tauRec)], [0.3, 0.3], 200);
  // τ_facil below a millisecond cannot act between pulses ≥ 5 ms apart: report it as none.
  let p = a.f < b.f ? free(a.x) : noFacil(b.x);
  if (p.tauFacil > 0 && p.tauFacil < 1e-3) p = { ...p, tauFacil: 0 };
  const { sse, g } = sseOf(p, trains, weights, scratch);
  return { ...p, gain: g * p.U, r2: sst > 0 ? 1 - sse / sst : 0, n };
}
