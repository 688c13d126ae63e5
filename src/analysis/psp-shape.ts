/**
 * The unit postsynaptic response used throughout the analysis: it starts `latency` after the event
 * and peaks at exactly 1, so a fitted coefficient is the peak amplitude (V in IC, A in VC).
 * Two forms:
 * - a difference of two exponentials (τ_rise, τ_decay): a current, or a PSP whose synaptic
 *   conductance is much faster than the membrane;
 * - with `tauSyn`, three: a dual-exponential conductance (τ_rise, τ_syn) filtered by the membrane
 *   (τ_decay), i.e. e^(−t/τ_rise) − e^(−t/τ_syn) convolved with e^(−t/τ_decay) — how a synaptic
 *   conductance becomes a potential in a passive cell. Two exponentials cannot follow a PSP whose
 *   conductance decays almost as slowly as the membrane (slow GABA_A, τ ≈ 15 ms, on a 20–30 ms
 *   membrane): the fit then pinned τ_rise ≈ τ_decay at their bounds, the shape's tail and rise
 *   missed the data, and in a fast train each response's misfit went into its neighbours'
 *   amplitudes (docs/analysis.md, "Response shape").
 */
export interface PspShape {
  /** Event → response onset, s. */
  latency: number;
  /** s; always < tauDecay. */
  tauRise: number;
  /** s (the membrane's time constant in the three-exponential form). */
  tauDecay: number;
  /** Decay of the synaptic conductance, s (three-exponential form only). */
  tauSyn?: number;
}

/** (time constant, coefficient) terms of the un-normalised response; Σ coefficients = 0. */
type Terms = [number, number][];

/** Time constants closer than this (relative) are separated so the closed form stays finite. */
const MIN_SEPARATION = 1e-3;

function terms(s: PspShape): Terms {
  if (s.tauSyn === undefined) return [[s.tauDecay, 1], [s.tauRise, -1]];
  const m = s.tauDecay;
  const sep = (t: number) => (Math.abs(t - m) < MIN_SEPARATION * m ? m * (1 + (t < m ? -MIN_SEPARATION : MIN_SEPARATION)) : t);
  const ts = sep(s.tauSyn);
  const tr = sep(s.tauRise === ts ? ts * (1 - MIN_SEPARATION) : s.tauRise);
  // ∫₀ᵗ e^(−u/τ) e^(−(t−u)/τm) du = (e^(−t/τ) − e^(−t/τm)) / (1/τm − 1/τ), for τ = τ_syn and τ_rise.
  const cs = 1 / (1 / m - 1 / ts);
  const cr = -1 / (1 / m - 1 / tr);
  return [[ts, cs], [tr, cr], [m, -cs - cr]];
}

const value = (t: Terms, x: number) => t.reduce((a, [tau, c]) => a + c * Math.exp(-x / tau), 0);
const slope = (t: Terms, x: number) => t.reduce((a, [tau, c]) => a - (c / tau) * Math.exp(-x / tau), 0);

/** Peak time of the terms (rising from 0 with a single maximum): bisection on the slope's sign. */
function termsPeak(t: Terms): number {
  let a = 0;
  let b = 20 * Math.max(...t.map(([tau]) => tau));
  for (let k = 0; k < 80; k++) {
    const m = (a + b) / 2;
    if (slope(t, m) > 0) a = m;
    else b = m;
  }
  return (a + b) / 2;
}

/** Terms scaled so the response peaks at 1, and the peak time. */
function normalised(s: PspShape): { t: Terms; tp: number } {
  const raw = terms(s);
  const tp = s.tauSyn === undefined ? peakTime2(s) : termsPeak(raw);
  const norm = value(raw, tp);
  return { t: raw.map(([tau, c]) => [tau, c / norm]), tp };
}

/** The unit response at time x after its onset (x ≤ 0: 0). */
export function unitValue(s: PspShape, x: number): number {
  return x <= 0 ? 0 : value(normalised(s).t, x);
}

/** Time from onset to peak, s. */
export function peakTime(s: PspShape): number {
  return s.tauSyn === undefined ? peakTime2(s) : termsPeak(terms(s));
}

function peakTime2(s: PspShape): number {
  const { tauRise: r, tauDecay: d } = s;
  return ((r * d) / (d - r)) * Math.log(d / r);
}

/** Samples of the unit response at times t − event (s) from `from`, `n` samples at `rate`; zero before onset. */
export function sampleShape(s: PspShape, from: number, rate: number, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  const { t } = normalised(s);
  let i0 = Math.ceil((s.latency - from) * rate - 1e-9);
  if (i0 < 0) i0 = 0;
  out.fill(0, 0, Math.min(n, i0));
  if (i0 >= n) return out;
  const t0 = from + i0 / rate - s.latency;
  // Recurrences instead of exp per sample: e(t + dt) = e(t)·e^(−dt/τ).
  const [a, b, c] = t as [[number, number], [number, number], [number, number] | undefined];
  const ka = Math.exp(-1 / (rate * a[0])), kb = Math.exp(-1 / (rate * b[0]));
  let ea = a[1] * Math.exp(-t0 / a[0]), eb = b[1] * Math.exp(-t0 / b[0]);
  if (!c) {
    for (let i = i0; i < n; i++) {
      out[i] = ea + eb;
      ea *= ka;
      eb *= kb;
    }
    return out;
  }
  const kc = Math.exp(-1 / (rate * c[0]));
  let ec = c[1] * Math.exp(-t0 / c[0]);
  for (let i = i0; i < n; i++) {
    out[i] = ea + eb + ec;
    ea *= ka;
    eb *= kb;
    ec *= kc;
  }
  return out;
}

/** 10–90 % rise time of the unit response, s (bisection on the rising phase). */
export function riseTime(s: PspShape): number {
  const { t, tp } = normalised(s);
  const cross = (level: number) => {
    let a = 0;
    let b = tp;
    for (let k = 0; k < 60; k++) {
      const m = (a + b) / 2;
      if (value(t, m) < level) a = m;
      else b = m;
    }
    return (a + b) / 2;
  };
  return cross(0.9) - cross(0.1);
}
