/**
 * The unit postsynaptic response used throughout the analysis: a difference of exponentials that
 * starts `latency` after the event and peaks at exactly 1, so a fitted coefficient is the peak
 * amplitude (V in IC, A in VC). In current clamp the rise mixes synaptic rise and decay and the
 * decay is close to the membrane time constant; two time constants describe it well enough to
 * separate overlapping responses of a train.
 */
export interface PspShape {
  /** Event → response onset, s. */
  latency: number;
  /** s; always < tauDecay. */
  tauRise: number;
  /** s. */
  tauDecay: number;
}

/** Time from onset to peak, s. */
export function peakTime(s: PspShape): number {
  const { tauRise: r, tauDecay: d } = s;
  return ((r * d) / (d - r)) * Math.log(d / r);
}

/** Samples of the unit response at times t − event (s) from `from`, `n` samples at `rate`; zero before onset. */
export function sampleShape(s: PspShape, from: number, rate: number, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  const tp = peakTime(s);
  const norm = Math.exp(-tp / s.tauDecay) - Math.exp(-tp / s.tauRise);
  // Recurrences instead of exp per sample: e(t + dt) = e(t)·e^(−dt/τ).
  const kd = Math.exp(-1 / (rate * s.tauDecay));
  const kr = Math.exp(-1 / (rate * s.tauRise));
  let i0 = Math.ceil((s.latency - from) * rate - 1e-9);
  if (i0 < 0) i0 = 0;
  out.fill(0, 0, Math.min(n, i0));
  if (i0 >= n) return out;
  const t0 = from + i0 / rate - s.latency;
  let ed = Math.exp(-t0 / s.tauDecay);
  let er = Math.exp(-t0 / s.tauRise);
  for (let i = i0; i < n; i++) {
    out[i] = (ed - er) / norm;
    ed *= kd;
    er *= kr;
  }
  return out;
}

/** 10–90 % rise time of the unit response, s (bisection on the rising phase). */
export function riseTime(s: PspShape): number {
  const tp = peakTime(s);
  const norm = Math.exp(-tp / s.tauDecay) - Math.exp(-tp / s.tauRise);
  const f = (t: number) => (Math.exp(-t / s.tauDecay) - Math.exp(-t / s.tauRise)) / norm;
  const cross = (level: number) => {
    let a = 0;
    let b = tp;
    for (let k = 0; k < 60; k++) {
      const m = (a + b) / 2;
      if (f(m) < level) a = m;
      else b = m;
    }
    return (a + b) / 2;
  };
  return cross(0.9) - cross(0.1);
}
