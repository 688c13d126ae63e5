import type { PspShape } from './psp-shape.ts';
import { sampleShape } from './psp-shape.ts';
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
   * column overlaps its neighbours', much less). For weighting, not a calibrated error: the noise
   * is treated as white.
   */
  variances: number[];
  /** rms of the residual. */
  residualRms: number;
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

interface Sums {
  sy: number;
  syy: number;
  /** Σ τ·y and Σ τ² with τ = (i − mid) / n, the drift regressor. */
  sty: number;
  stt: number;
}

const sumCache = new WeakMap<Float32Array, Sums>();

/** Sums over a whole segment, computed once: a pair's segments are refitted after every sweep. */
function sums(y: Float32Array): Sums {
  let s = sumCache.get(y);
  if (!s) {
    const n = y.length;
    const mid = (n - 1) / 2;
    let sy = 0, syy = 0, sty = 0, stt = 0;
    for (let i = 0; i < n; i++) {
      const v = y[i] as number;
      const t = (i - mid) / n;
      sy += v;
      syy += v * v;
      sty += t * v;
      stt += t * t;
    }
    s = { sy, syy, sty, stt };
    sumCache.set(y, s);
  }
  return s;
}

export function fitEvents(seg: Segment, events: readonly number[], shape: PspShape): EventFit {
  const m = events.length;
  const n = seg.y.length;
  const y = seg.y;
  // Products only over the stretch where both columns are non-negligible: the cost follows the
  // responses' length, not the segment's (a 10 Hz train segment is ~0.8 s long).
  const cols = events.map((e) => sparseColumn(seg, e, shape));
  // Unknowns: baseline, drift, then one amplitude per event.
  const p = m + 2;
  const G = new Float64Array(p * p);
  const r = new Float64Array(p);
  const { sy, syy, sty, stt } = sums(y);
  const mid = (n - 1) / 2;
  G[0] = n;
  G[p + 1] = stt;
  r[0] = sy;
  r[1] = sty;
  for (let j = 0; j < m; j++) {
    const cj = cols[j] as SparseColumn;
    const a = cj.from;
    const vj = cj.values;
    let s1 = 0;
    let st = 0;
    let sY = 0;
    for (let i = 0; i < vj.length; i++) {
      const c = vj[i] as number;
      s1 += c;
      st += c * ((a + i - mid) / n);
      sY += c * (y[a + i] as number);
    }
    const J = j + 2;
    G[J] = s1;
    G[J * p] = s1;
    G[p + J] = st;
    G[J * p + 1] = st;
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
  // At the least-squares solution SSE = yᵀy − xᵀ(Xᵀy).
  let xr = 0;
  for (let j = 0; j < p; j++) xr += (x[j] as number) * (r[j] as number);
  const sse = Math.max(0, syy - xr);
  const sigma2 = sse / Math.max(1, n - p);
  const variances = events.map((_, j) => {
    const e = new Float64Array(p);
    e[j + 2] = 1;
    return sigma2 * (solveLinear(G, e, p)[j + 2] as number);
  });
  return {
    baseline: x[0] as number,
    drift: ((x[1] as number) * seg.rate) / Math.max(1, n),
    amplitudes: Array.from(x.subarray(2)),
    variances,
    residualRms: Math.sqrt(sse / Math.max(1, n)),
  };
}
