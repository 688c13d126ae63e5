import { goldenSectionLog } from './stats.ts';

/**
 * Least-squares fit of y(t) = offset + fast·e^(−t/τ_f) + slow·e^(−t/τ_s) to uniformly spaced
 * samples, by variable projection: for given time constants the model is linear in (offset, fast,
 * slow), solved exactly; each time constant is then searched on log τ with the other held
 * (golden section, alternating until both settle). Without starting guesses beyond the ranges, as
 * exp-fit.ts, and cheap: the exponentials of a uniform grid are geometric sequences.
 */
export interface TwoExpFit {
  offset: number;
  fastAmp: number;
  fastTau: number;
  slowAmp: number;
  slowTau: number;
  /** Sum of squared residuals. */
  sse: number;
}

interface Linear {
  offset: number;
  fast: number;
  slow: number;
  sse: number;
}

/** Samples y[k] at t0 + k·dt (s): the linear part for τ_f, τ_s; NaN sse when singular. */
function linear(y: ArrayLike<number>, t0: number, dt: number, tauF: number, tauS: number): Linear {
  const n = y.length;
  const qf = Math.exp(-dt / tauF);
  const qs = Math.exp(-dt / tauS);
  // Normal equations of the basis (1, f, s), centred on the mean of y for conditioning.
  let mean = 0;
  for (let k = 0; k < n; k++) mean += y[k] as number;
  mean /= n;
  let f = Math.exp(-t0 / tauF);
  let s = Math.exp(-t0 / tauS);
  let sf = 0, ss = 0, sff = 0, sss = 0, sfs = 0, sy = 0, syy = 0, sfy = 0, ssy = 0;
  for (let k = 0; k < n; k++) {
    const v = (y[k] as number) - mean;
    sf += f;
    ss += s;
    sff += f * f;
    sss += s * s;
    sfs += f * s;
    sy += v;
    syy += v * v;
    sfy += f * v;
    ssy += s * v;
    f *= qf;
    s *= qs;
  }
  // Eliminate the offset: covariances about the basis means.
  const cff = sff - (sf * sf) / n;
  const css = sss - (ss * ss) / n;
  const cfs = sfs - (sf * ss) / n;
  const cfy = sfy - (sf * sy) / n;
  const csy = ssy - (ss * sy) / n;
  const det = cff * css - cfs * cfs;
  if (!(Math.abs(det) > 1e-300)) return { offset: mean, fast: 0, slow: 0, sse: Number.NaN };
  const fast = (cfy * css - csy * cfs) / det;
  const slow = (csy * cff - cfy * cfs) / det;
  const offset = mean + (sy - fast * sf - slow * ss) / n;
  // Residual sum of squares from the same sums (y is centred, so there is little to cancel).
  const sse = Math.max(0, syy - (sy * sy) / n - fast * cfy - slow * csy);
  return { offset, fast, slow, sse };
}

/**
 * Fits samples `y` at times t0 + k·dt (s). τ_f is searched in `fast` (below τ_s / SEPARATION), τ_s
 * in `slow` (above SEPARATION·τ_f). The fast one is searched first, with τ_s at its upper bound: a
 * fast τ held wrong would let the slow exponential take up the fast misfit instead of the slow part.
 */
export function fitTwoExponentials(y: ArrayLike<number>, t0: number, dt: number, fast: readonly [number, number], slow: readonly [number, number]): TwoExpFit {
  if (y.length < 6) throw new RangeError('a two-exponential fit needs at least 6 samples');
  const sse = (tf: number, ts: number) => {
    const r = linear(y, t0, dt, tf, ts).sse;
    return Number.isNaN(r) ? Number.POSITIVE_INFINITY : r;
  };
  let tauF = Number.NaN;
  let tauS = slow[1];
  for (let round = 0; round < 8; round++) {
    const hiF = Math.max(Math.min(fast[1], tauS / SEPARATION), fast[0] * 1.0001);
    const nextF = goldenSectionLog((tf) => sse(tf, tauS), fast[0], hiF, 50, 1e-4);
    const lo = Math.max(slow[0], SEPARATION * nextF);
    const nextS = lo < slow[1] ? goldenSectionLog((ts) => sse(nextF, ts), lo, slow[1], 50, 1e-4) : slow[1];
    const settled = Math.abs(Math.log(nextF / tauF)) < 1e-3 && Math.abs(Math.log(nextS / tauS)) < 1e-3;
    tauF = nextF;
    tauS = nextS;
    if (settled) break;
  }
  const l = linear(y, t0, dt, tauF, tauS);
  return { offset: l.offset, fastAmp: l.fast, fastTau: tauF, slowAmp: l.slow, slowTau: tauS, sse: l.sse };
}

/** The slow time constant is kept at least this many times the fast one, so the two do not trade places. */
export const SEPARATION = 4;
