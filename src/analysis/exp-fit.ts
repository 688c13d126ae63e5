import { goldenSectionLog } from './stats.ts';

/**
 * Least-squares fit of y(t) = offset + amp · exp(−t/τ) by variable projection: for a given τ the
 * model is linear in (offset, amp), solved exactly; τ is then found by golden-section search on
 * log τ. Robust without starting guesses, which a live test-pulse readout needs.
 */
export interface ExpFit {
  offset: number;
  amp: number;
  tau: number;
  /** 1 − SSE/SST: the share of the variance the exponential explains (0 for a flat trace). */
  confidence: number;
}

function linearFit(t: Float64Array, y: ArrayLike<number>, tau: number): { offset: number; amp: number; sse: number } {
  // Normal equations for y ≈ offset + amp·e with e = exp(−t/τ).
  let n = 0, se = 0, see = 0, sy = 0, sey = 0;
  for (let i = 0; i < t.length; i++) {
    const e = Math.exp(-(t[i] as number) / tau);
    const v = y[i] as number;
    n++;
    se += e;
    see += e * e;
    sy += v;
    sey += e * v;
  }
  const det = n * see - se * se;
  const amp = det !== 0 ? (n * sey - se * sy) / det : 0;
  const offset = (sy - amp * se) / n;
  let sse = 0;
  for (let i = 0; i < t.length; i++) {
    const r = (y[i] as number) - offset - amp * Math.exp(-(t[i] as number) / tau);
    sse += r * r;
  }
  return { offset, amp, sse };
}

/** Fits samples `y` at times `t` (s, from the fit's origin) with τ searched in [tauMin, tauMax]. */
export function fitExponential(t: Float64Array, y: ArrayLike<number>, tauMin: number, tauMax: number): ExpFit {
  if (t.length < 4) throw new RangeError('an exponential fit needs at least 4 samples');
  const tau = goldenSectionLog((x) => linearFit(t, y, x).sse, tauMin, tauMax, 60, 1e-6);
  const best = linearFit(t, y, tau);
  let mean = 0;
  for (let i = 0; i < t.length; i++) mean += y[i] as number;
  mean /= t.length;
  let sst = 0;
  for (let i = 0; i < t.length; i++) sst += ((y[i] as number) - mean) ** 2;
  return { offset: best.offset, amp: best.amp, tau, confidence: sst > 0 ? Math.max(0, 1 - best.sse / sst) : 0 };
}
