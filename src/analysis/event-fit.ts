import type { PspShape } from './psp-shape.ts';
import { sampleShape } from './psp-shape.ts';
import { whiten, type Whitening } from './noise-model.ts';
import { solveLinear } from './stats.ts';

/**
 * Amplitudes of overlapping responses by linear least squares: a trace segment is modelled as a
 * baseline with a linear drift plus one unit response (psp-shape.ts) per event,
 * y ≈ b + d·(t − t_mid) + Σ A_j·k(t − e_j). The drift term keeps slow relaxations (e.g. of a
 * slow conductance after the test pulse) from passing for responses.
 * Each response is measured against the decaying tails of the earlier ones, which is what makes
 * amplitudes at 100–200 Hz (and hence short-term plasticity) come out right; a peak-minus-baseline
 * measurement would add the previous response's tail to every amplitude.
 */
export interface EventFit {
  /** Baseline at the middle of the segment. */
  baseline: number;
  /** Baseline drift, per second. */
  drift: number;
  /** One amplitude per event (V in IC, A in VC); NaN when the system is singular. */
  amplitudes: number[];
  /**
   * Sampling variance of each amplitude, σ²·[(XᵀX)⁻¹]_jj with σ² the residual variance: how well
   * the segment pins that amplitude down (an isolated response well, one of a 200 Hz train, whose
   * column overlaps its neighbours', much less). Without a noise model the noise is treated as
   * white and this is for weighting only; with one (generalised least squares) σ² is the whitened
   * residual's variance and the variance is the estimate's own (tests/analysis/noise-model.test.ts).
   */
  variances: number[];
  /** Sampling covariance of the amplitudes (m × m, the amplitude block of σ²·(XᵀX)⁻¹); its diagonal is `variances`. */
  covariance: number[][];
}

export interface Segment {
  /** Samples. */
  y: Float32Array;
  /** Sweep time of y[0], s. */
  start: number;
  rate: number;
}

/** The model's columns for a segment: column j = unit response of event j. */
export function eventColumns(seg: Segment, events: readonly number[], shape: PspShape): Float64Array[] {
  return events.map((e) => sampleShape(shape, seg.start - e, seg.rate, seg.y.length));
}

/** One event's column where it is not negligible: values from sample `from` on. */
interface SparseColumn {
  from: number;
  values: Float64Array;
}

/** Responses are cut where they have decayed to 1e-6 of their peak (≈ 14 τ_decay). */
const SPAN_TAUS = 14;

function sparseColumn(seg: Segment, event: number, shape: PspShape): SparseColumn {
  const n = seg.y.length;
  const onset = Math.max(0, Math.ceil((event + shape.latency - seg.start) * seg.rate - 1e-9));
  const len = Math.max(0, Math.min(n - onset, Math.ceil((SPAN_TAUS * shape.tauDecay + 2 * shape.tauRise) * seg.rate) + 2));
  const values = sampleShape(shape, seg.start + onset / seg.rate - event, seg.rate, len);
  return { from: onset, values };
}

/** The filter of white noise: none (a = x exactly), so the fit is ordinary least squares. */
const WHITE: Whitening = { phi: 0, theta: 0 };

/** A whitened sparse column stops where the filter's memory θ^k has fallen below this. */
const WHITE_TAIL = 1e-7;

/** The column through the whitening filter: it starts where the column does and rings on by the filter's memory. */
function whitenColumn(c: SparseColumn, n: number, w: Whitening): SparseColumn {
  const tail = w.theta > 0 ? Math.ceil(Math.log(WHITE_TAIL) / Math.log(w.theta)) : 1;
  const len = Math.max(0, Math.min(n - c.from, c.values.length + tail));
  const x = new Float64Array(len);
  x.set(c.values.subarray(0, Math.min(len, c.values.length)));
  return { from: c.from, values: whiten(x, w, x) };
}

interface WhitenedTrend {
  /** The baseline and drift columns (1 and (i − mid)/n), whitened. */
  bw: Float64Array;
  dw: Float64Array;
  bb: number;
  bd: number;
  dd: number;
}

/** Whitened baseline and drift columns by segment length and filter: a pair's segments share a few lengths, refitted after every sweep. */
const trendCache = new Map<string, WhitenedTrend>();
const TREND_CACHE_SIZE = 256;

function whitenedTrend(n: number, w: Whitening): WhitenedTrend {
  const key = `${n}/${w.phi}/${w.theta}`;
  let t = trendCache.get(key);
  if (!t) {
    const mid = (n - 1) / 2;
    const bw = whiten(new Float64Array(n).fill(1), w);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = (i - mid) / n;
    const dw = whiten(d, w, d);
    let bb = 0, bd = 0, dd = 0;
    for (let i = 0; i < n; i++) {
      bb += (bw[i] as number) ** 2;
      bd += (bw[i] as number) * (dw[i] as number);
      dd += (dw[i] as number) ** 2;
    }
    if (trendCache.size >= TREND_CACHE_SIZE) trendCache.clear();
    t = { bw, dw, bb, bd, dd };
    trendCache.set(key, t);
  }
  return t;
}

let scratchBuffer = new Float64Array(0);

/** A reused buffer of at least n samples (the whitened data lives only during one fit). */
function scratch(n: number): Float64Array {
  if (scratchBuffer.length < n) scratchBuffer = new Float64Array(n);
  return scratchBuffer;
}

/**
 * The event fit of `seg`. With a noise filter `w` (noise-model.ts), generalised least squares: the data and
 * every column of the model go through the noise's whitening filter first, so correlated noise
 * is weighted as it should be (the estimate stays unbiased whatever the filter; it is the
 * variance that the right filter makes smallest, and `variances` then describe it).
 */
export function fitEvents(seg: Segment, events: readonly number[], shape: PspShape, w: Whitening = WHITE): EventFit {
  const m = events.length;
  const n = seg.y.length;
  const { bw, dw, bb, bd, dd } = whitenedTrend(n, w);
  const yw = scratch(n);
  let by = 0, dy = 0, yy = 0;
  let prevY = 0;
  let prevA = 0;
  for (let i = 0; i < n; i++) {
    const v = seg.y[i] as number;
    const a = v - w.phi * prevY + w.theta * prevA; // whiten(), fused with the sums
    prevY = v;
    prevA = a;
    yw[i] = a;
    by += (bw[i] as number) * a;
    dy += (dw[i] as number) * a;
    yy += a * a;
  }
  // The identity filter leaves a column as it is (whitening would only copy it).
  const cols = events.map((e) => (w === WHITE ? sparseColumn(seg, e, shape) : whitenColumn(sparseColumn(seg, e, shape), n, w)));
  const p = m + 2;
  const G = new Float64Array(p * p);
  const r = new Float64Array(p);
  G[0] = bb;
  G[1] = bd;
  G[p] = bd;
  G[p + 1] = dd;
  r[0] = by;
  r[1] = dy;
  for (let j = 0; j < m; j++) {
    const cj = cols[j] as SparseColumn;
    const a = cj.from;
    const vj = cj.values;
    let sb = 0, sd = 0, sY = 0;
    for (let i = 0; i < vj.length; i++) {
      const c = vj[i] as number;
      sb += c * (bw[a + i] as number);
      sd += c * (dw[a + i] as number);
      sY += c * (yw[a + i] as number);
    }
    const J = j + 2;
    G[J] = sb;
    G[J * p] = sb;
    G[p + J] = sd;
    G[J * p + 1] = sd;
    r[J] = sY;
    for (let k = j; k < m; k++) {
      const ck = cols[k] as SparseColumn;
      const lo = Math.max(a, ck.from);
      const hi = Math.min(a + vj.length, ck.from + ck.values.length);
      let s = 0;
      for (let i = lo; i < hi; i++) s += (vj[i - a] as number) * (ck.values[i - ck.from] as number);
      G[J * p + k + 2] = s;
      G[(k + 2) * p + J] = s;
    }
  }
  const x = solveLinear(G, r, p);
  let xr = 0;
  for (let j = 0; j < p; j++) xr += (x[j] as number) * (r[j] as number);
  const sigma2 = Math.max(0, yy - xr) / Math.max(1, n - p);
  const covariance = events.map((_, j) => {
    const e = new Float64Array(p);
    e[j + 2] = 1;
    const col = solveLinear(G, e, p);
    return events.map((__, k) => sigma2 * (col[k + 2] as number));
  });
  const variances = covariance.map((row, j) => row[j] as number);
  return {
    baseline: x[0] as number,
    drift: ((x[1] as number) * seg.rate) / Math.max(1, n),
    amplitudes: Array.from(x.subarray(2)),
    variances,
    covariance,
  };
}
