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

/** SSE of the best gain for given parameters (gain solved in closed form). */
function sseOf(p: TmParams, trains: readonly TmTrain[], scratch: number[]): { sse: number; g: number } {
  let srr = 0, sra = 0, saa = 0;
  for (const tr of trains) {
    const r = tmReleases(p, tr.times, scratch);
    for (let k = 0; k < r.length; k++) {
      const a = tr.amplitudes[k] as number;
      if (!Number.isFinite(a)) continue;
      const v = r[k] as number;
      srr += tr.weight * v * v;
      sra += tr.weight * v * a;
      saa += tr.weight * a * a;
    }
  }
  const g = srr > 0 ? sra / srr : 0;
  return { sse: saa - g * sra, g };
}

const logGrid = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a * (b / a) ** (i / (n - 1)));
const U_GRID = logGrid(0.02, 0.9, 12);
const REC_GRID = logGrid(0.02, 4, 12);
const FACIL_GRID = [0, ...logGrid(0.005, 4, 11)];

/** Grid search, then Nelder–Mead on (logit U, ln τ_rec, ln τ_facil) — once with facilitation free and once without. */
export function fitTsodyksMarkram(trains: readonly TmTrain[]): TmFit {
  const scratch: number[] = [];
  let n = 0;
  let sw = 0, sa = 0;
  for (const tr of trains) {
    for (const a of tr.amplitudes) {
      if (!Number.isFinite(a)) continue;
      n++;
      sw += tr.weight;
      sa += tr.weight * a;
    }
  }
  const meanA = sw > 0 ? sa / sw : 0;
  let sst = 0;
  for (const tr of trains) for (const a of tr.amplitudes) if (Number.isFinite(a)) sst += tr.weight * (a - meanA) ** 2;
  if (n < 4) return { U: Number.NaN, tauRec: Number.NaN, tauFacil: Number.NaN, gain: Number.NaN, r2: Number.NaN, n };
  let best: TmParams = { U: 0.5, tauRec: 0.5, tauFacil: 0 };
  let bestSse = Infinity;
  for (const U of U_GRID) for (const tauRec of REC_GRID) for (const tauFacil of FACIL_GRID) {
    const s = sseOf({ U, tauRec, tauFacil }, trains, scratch).sse;
    if (s < bestSse) {
      bestSse = s;
      best = { U, tauRec, tauFacil };
    }
  }
  const logit = (u: number) => Math.log(u / (1 - u));
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const free = (x: number[]): TmParams => ({ U: sig(x[0] as number), tauRec: Math.exp(x[1] as number), tauFacil: Math.exp(x[2] as number) });
  const noFacil = (x: number[]): TmParams => ({ U: sig(x[0] as number), tauRec: Math.exp(x[1] as number), tauFacil: 0 });
  const a = nelderMead((x) => sseOf(free(x), trains, scratch).sse, [logit(best.U), Math.log(best.tauRec), Math.log(Math.max(best.tauFacil, 0.005))], [0.3, 0.3, 0.5], 300);
  const b = nelderMead((x) => sseOf(noFacil(x), trains, scratch).sse, [logit(best.U), Math.log(best.tauRec)], [0.3, 0.3], 200);
  // τ_facil below a millisecond cannot act between pulses ≥ 5 ms apart: report it as none.
  let p = a.f < b.f ? free(a.x) : noFacil(b.x);
  if (p.tauFacil > 0 && p.tauFacil < 1e-3) p = { ...p, tauFacil: 0 };
  const { sse, g } = sseOf(p, trains, scratch);
  return { ...p, gain: g * p.U, r2: sst > 0 ? 1 - sse / sst : 0, n };
}
