import { goldenSectionLog } from './stats.ts';

/**
 * The recording noise of a postsynaptic trace, for the generalised least-squares event fit
 * (event-fit.ts). A patch recording's noise is not white: besides the amplifier's broadband noise
 * it has a slow component (channel and synaptic background, drift of the seal) whose power sits at
 * the frequencies of the responses. Fitted by ordinary least squares, every pulse amplitude then
 * absorbs the slow noise's value at that pulse, which dominates the error of a weak connection's
 * amplitudes (in voltage clamp a PSC lasts a few ms, over which the slow component is nearly
 * constant, so its error is the slow noise's whole rms).
 *
 * Model: white noise (variance `white`) plus one exponentially correlated component (variance
 * `slow`, time constant `tau`): autocovariance γ(0) = white + slow, γ(k) = slow·φ^k for lags
 * k ≥ 1 samples, φ = e^(−1/(rate·tau)). It is read off the event-free baseline of each trial (the
 * null windows, sweep-analysis.ts), detrended as the event fit detrends its segments. Sampled,
 * the sum is an ARMA(1,1) process, whose whitening filter is (1 − φB)/(1 − θB) (`whitening`).
 */

/** Lags (samples) at which a baseline's autocovariance is summed: dense where the fast part decays, geometric beyond. */
export const NOISE_LAGS: readonly number[] = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048];

/** Autocovariance sums of detrended baseline stretches: γ(NOISE_LAGS[i]) = sums[i] / counts[i]. */
export interface NoiseSums {
  rate: number;
  sums: number[];
  counts: number[];
}

export interface NoiseModel {
  /** Variance of the white part (V² or A²). */
  white: number;
  /** Variance of the slow part. */
  slow: number;
  /** Correlation time of the slow part, s. */
  tau: number;
}

/** ARMA(1,1) whitening filter a_t = (x_t − φ·x_{t−1}) + θ·a_{t−1}. */
export interface Whitening {
  phi: number;
  theta: number;
}

/**
 * Autocovariance sums of y[from, to) after removing its least-squares line; lags longer than a
 * quarter of the stretch are left out (a detrended stretch says little about them).
 * Undefined when the stretch is shorter than 64 samples.
 */
export function baselineNoise(y: Float32Array, rate: number, from: number, to: number): NoiseSums | undefined {
  const a = Math.max(0, Math.floor(from));
  const b = Math.min(y.length, Math.floor(to));
  const n = b - a;
  if (n < 64) return undefined;
  const mid = (n - 1) / 2;
  let sy = 0, st = 0, stt = 0;
  for (let i = 0; i < n; i++) {
    const v = y[a + i] as number;
    const t = i - mid;
    sy += v;
    st += t * v;
    stt += t * t;
  }
  const mean = sy / n;
  const slope = st / stt;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = (y[a + i] as number) - mean - slope * (i - mid);
  const sums: number[] = [];
  const counts: number[] = [];
  for (const k of NOISE_LAGS) {
    if (k > n / 4) {
      sums.push(0);
      counts.push(0);
      continue;
    }
    let s = 0;
    for (let i = 0; i + k < n; i++) s += (r[i] as number) * (r[i + k] as number);
    sums.push(s);
    counts.push(n - k);
  }
  return { rate, sums, counts };
}

/**
 * The sums of several stretches at one sample rate (those at another rate are left out, and so
 * is a stretch with a non-finite sum: one bad baseline must not take the model from the others).
 * Undefined when there are none.
 */
export function poolNoise(list: readonly (NoiseSums | undefined)[]): NoiseSums | undefined {
  let out: NoiseSums | undefined;
  for (const x of list) {
    if (!x || !x.sums.every(Number.isFinite)) continue;
    if (!out) {
      out = { rate: x.rate, sums: [...x.sums], counts: [...x.counts] };
      continue;
    }
    if (x.rate !== out.rate) continue;
    for (let i = 0; i < NOISE_LAGS.length; i++) {
      out.sums[i] = (out.sums[i] as number) + (x.sums[i] ?? 0);
      out.counts[i] = (out.counts[i] as number) + (x.counts[i] ?? 0);
    }
  }
  return out;
}

/** The slow part must carry at least this share of the variance to be modelled (else the noise is white). */
const MIN_SLOW_SHARE = 0.02;
/** Lags from this many samples on fit the slow part: the first ones also carry the anti-alias filter's correlation of the white part. */
const FIRST_FIT_LAG = 2;

/**
 * White + exponential model of pooled autocovariance sums: τ by golden-section search (on log τ)
 * of the least-squares misfit of γ(k) ≈ slow·φ^k over the lags ≥ FIRST_FIT_LAG, `slow` in closed
 * form for each τ. Undefined without a usable slow part (then the fit stays ordinary least squares).
 */
export function fitNoiseModel(n: NoiseSums | undefined): NoiseModel | undefined {
  if (!n || !((n.counts[0] ?? 0) > 0)) return undefined;
  const g0 = (n.sums[0] as number) / (n.counts[0] as number);
  if (!(g0 > 0)) return undefined;
  const lags: number[] = [];
  const gam: number[] = [];
  NOISE_LAGS.forEach((k, i) => {
    const c = n.counts[i] ?? 0;
    if (k >= FIRST_FIT_LAG && c > 0) {
      lags.push(k);
      gam.push((n.sums[i] as number) / c);
    }
  });
  if (lags.length < 4) return undefined;
  // γ(k) ≈ slow·e^(−k/T) + c: removing each stretch's line lowers its autocovariance by about the
  // variance of the line it removed, at every lag alike; without c that offset would pass for a
  // faster decay (τ came out half the true one on 200 ms stretches of 20 ms noise).
  const amplitude = (T: number): { slow: number; c: number; sse: number } => {
    let se = 0, ee = 0, s1 = 0, sg = 0;
    const m = lags.length;
    for (let i = 0; i < m; i++) {
      const e = Math.exp(-(lags[i] as number) / T);
      se += (gam[i] as number) * e;
      ee += e * e;
      s1 += e;
      sg += gam[i] as number;
    }
    const det = ee * m - s1 * s1;
    const slow = det > 0 ? (se * m - s1 * sg) / det : 0;
    const c = (sg - slow * s1) / m;
    let sse = 0;
    for (let i = 0; i < m; i++) sse += ((gam[i] as number) - slow * Math.exp(-(lags[i] as number) / T) - c) ** 2;
    return { slow, c, sse };
  };
  const maxLag = lags[lags.length - 1] as number;
  const T = goldenSectionLog((t) => amplitude(t).sse, 1, 4 * maxLag, 60, 1e-4);
  const fit = amplitude(T);
  // The same offset lowered γ(0): the white part is what the offset-corrected γ(0) leaves.
  const total = g0 - Math.min(0, fit.c);
  const slow = Math.min(fit.slow, total);
  if (!(slow >= MIN_SLOW_SHARE * total)) return undefined;
  return { white: total - slow, slow, tau: T / n.rate };
}

/**
 * The ARMA(1,1) whitening filter of the model at `rate`: u_t = x_t − φx_{t−1} is MA(1) with
 * γ_u(0) = slow(1 − φ²) + white(1 + φ²) and γ_u(1) = −φ·white, and θ is the invertible root of
 * γ_u(1)/γ_u(0) = −θ/(1 + θ²).
 */
export function whitening(model: NoiseModel | undefined, rate: number): Whitening | undefined {
  if (!model || !(model.tau > 0) || !(model.slow > 0)) return undefined;
  const phi = Math.exp(-1 / (rate * model.tau));
  const white = Math.max(0, model.white);
  const g0 = model.slow * (1 - phi * phi) + white * (1 + phi * phi);
  const rho = (-phi * white) / g0;
  const theta = rho === 0 ? 0 : (-1 + Math.sqrt(Math.max(0, 1 - 4 * rho * rho))) / (2 * rho);
  return { phi, theta };
}

/** The filter applied to x from a zero state (x_{−1} = a_{−1} = 0). */
export function whiten(x: ArrayLike<number>, w: Whitening, out = new Float64Array(x.length)): Float64Array {
  let prevX = 0;
  let prevA = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    prevA = v - w.phi * prevX + w.theta * prevA;
    prevX = v;
    out[i] = prevA;
  }
  return out;
}
