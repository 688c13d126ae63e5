import { type PspShape, riseTime, sampleShape } from './psp-shape.ts';
import { nelderMead } from './stats.ts';

/** A PSP (or PSC) fitted to an averaged response, SI. */
export interface PspFit extends PspShape {
  /** Baseline at the event. */
  baseline: number;
  /** Baseline slope (the postsynaptic cell's slow relaxation), per second. */
  drift: number;
  /** Signed peak amplitude above the baseline. */
  amplitude: number;
  /** 10–90 % rise time, s. */
  riseTime: number;
  /** Share of the weighted variance explained. */
  r2: number;
}

export interface AveragedResponse {
  /** Mean response; sample i is at time `from + i/rate` after the event (s). */
  y: Float64Array;
  /** Weight of each sample (e.g. how many trials contributed to it; 0 = ignore). */
  w: Float64Array;
  from: number;
  rate: number;
  /**
   * When given, `y` is the mean of these trials (each from sample 0 for its own length) and `w`
   * their count per sample (trialResponse builds all three), and every trial gets its own
   * baseline and drift instead of one for the mean.
   */
  trials?: TrialStats[];
}

/** Σy, Σt·y, Σy² of one trial over its samples [0, length), t as in `project` (10 ms units). */
export interface TrialStats {
  length: number;
  sy: number;
  sty: number;
  syy: number;
}

/**
 * Builds the averaged response of trials aligned at the event (trial j: samples from `from` after
 * it, as many as it has), decimated by `f` (1 = none; groups a trial does not fill are left out).
 */
export function trialResponse(trials: readonly ArrayLike<number>[], from: number, rate: number, f = 1): AveragedResponse {
  const n = Math.max(0, ...trials.map((y) => Math.floor(y.length / f)));
  const sum = new Float64Array(n);
  const w = new Float64Array(n);
  const from2 = from + (f - 1) / (2 * rate);
  const stats = trials.map((y) => {
    const len = Math.floor(y.length / f);
    let sy = 0, sty = 0, syy = 0;
    for (let g = 0; g < len; g++) {
      let v = 0;
      for (let k = 0; k < f; k++) v += y[g * f + k] as number;
      v /= f;
      const t = (from2 + (g * f) / rate) * 100;
      sum[g] = (sum[g] as number) + v;
      w[g] = (w[g] as number) + 1;
      sy += v;
      sty += t * v;
      syy += v * v;
    }
    return { length: len, sy, sty, syy };
  });
  const y = sum.map((v, i) => ((w[i] as number) > 0 ? v / (w[i] as number) : 0));
  return { y, w, from: from2, rate: rate / f, trials: stats };
}

interface Linear {
  baseline: number;
  /** Baseline slope, per second. */
  drift: number;
  amplitude: number;
  sse: number;
}

/**
 * For a given shape the model is linear in (baseline, drift, amplitude): y ≈ b + d·t + A·k(t),
 * t from the event, solved by weighted normal equations. The drift term is there because the
 * postsynaptic cell is often still relaxing from its own train earlier in the sweep (its turn
 * comes first in the "in turn" layout): seed 12's 4→2 rises by ≈ 0.7 mV/s at the event, which
 * a constant baseline turns into a 20 % smaller, faster-decaying IPSP (docs/analysis.md).
 */
function project(r: AveragedResponse, shape: PspShape, scratch: Float64Array): Linear {
  if (r.trials) return projectTrials(r, r.trials, shape, scratch);
  const k = sampleShape(shape, r.from, r.rate, r.y.length, scratch);
  // Sums of w·(1, t, k) outer products and w·(1, t, k)·y; t in units of 10 ms keeps them balanced.
  let s11 = 0, s1t = 0, s1k = 0, stt = 0, stk = 0, skk = 0, sy = 0, sty = 0, sky = 0;
  for (let i = 0; i < r.y.length; i++) {
    const w = r.w[i] as number;
    if (w === 0) continue;
    const t = (r.from + i / r.rate) * 100;
    const c = k[i] as number;
    const v = r.y[i] as number;
    s11 += w;
    s1t += w * t;
    s1k += w * c;
    stt += w * t * t;
    stk += w * t * c;
    skk += w * c * c;
    sy += w * v;
    sty += w * t * v;
    sky += w * c * v;
  }
  const x = solve3([s11, s1t, s1k, s1t, stt, stk, s1k, stk, skk], [sy, sty, sky]);
  const [b, d, a] = x ?? [s11 > 0 ? sy / s11 : 0, 0, 0];
  let sse = 0;
  for (let i = 0; i < r.y.length; i++) {
    const w = r.w[i] as number;
    if (w === 0) continue;
    const t = (r.from + i / r.rate) * 100;
    sse += w * ((r.y[i] as number) - b - d * t - a * (k[i] as number)) ** 2;
  }
  return { baseline: b, drift: d * 100, amplitude: a, sse };
}

/**
 * The same with a baseline and drift per trial: each trial's (1, t) are projected out of both its
 * data and the unit response (Frisch–Waugh), which leaves one shared amplitude in closed form.
 * Only sums are needed: prefix sums of k, t·k, k², 1, t, t² over the samples give every trial's
 * projections in O(1), and Σ over trials of Σ k·y is Σ k·(count × mean). A trial that starts
 * relaxing from its own earlier train has its own slope, which one drift for the mean (cut where
 * each trial's next pulse arrives) cannot follow.
 */
interface TrialLayout {
  /** Sorted distinct trial lengths; each trial's index into them. */
  ends: Int32Array;
  index: Int32Array;
  /** Per end: Σ1, Σt, Σt² and the determinant of [[Σ1, Σt], [Σt, Σt²]]. */
  c: Float64Array;
  t: Float64Array;
  tt: Float64Array;
  det: Float64Array;
  /** Per sample: t (10 ms units) and count × mean (Σ over trials of y). */
  time: Float64Array;
  wy: Float64Array;
  /** Σ over usable trials of the part of Σy² that (1, t) leave. */
  yy: number;
}

// The shape-independent sums of a fit's trials, computed once per fit (a Nelder–Mead and grid
// search evaluate ~1400 shapes on the same trials).
const layouts = new WeakMap<readonly TrialStats[], TrialLayout>();

function layoutOf(r: AveragedResponse, trials: readonly TrialStats[]): TrialLayout {
  const cached = layouts.get(trials);
  if (cached) return cached;
  const n = r.y.length;
  const ends = Int32Array.from(new Set(trials.map((t) => Math.min(n, t.length)))).sort();
  const index = Int32Array.from(trials, (t) => ends.indexOf(Math.min(n, t.length)));
  const m = ends.length;
  const c = new Float64Array(m), t = new Float64Array(m), tt = new Float64Array(m), det = new Float64Array(m);
  const time = new Float64Array(n), wy = new Float64Array(n);
  let sc = 0, st = 0, stt = 0, e = 0;
  for (let i = 0; i <= n; i++) {
    while (e < m && ends[e] === i) {
      c[e] = sc;
      t[e] = st;
      tt[e] = stt;
      det[e] = sc * stt - st * st;
      e++;
    }
    if (i === n) break;
    const x = (r.from + i / r.rate) * 100;
    time[i] = x;
    wy[i] = (r.w[i] as number) * (r.y[i] as number);
    sc += 1;
    st += x;
    stt += x * x;
  }
  let yy = 0;
  trials.forEach((tr, j) => {
    const q = index[j] as number;
    const d = det[q] as number;
    if (!(d > 0)) return;
    yy += tr.syy - (tr.sy * ((tt[q] as number) * tr.sy - (t[q] as number) * tr.sty) + tr.sty * (-(t[q] as number) * tr.sy + (c[q] as number) * tr.sty)) / d;
  });
  const out = { ends, index, c, t, tt, det, time, wy, yy };
  layouts.set(trials, out);
  return out;
}

function projectTrials(r: AveragedResponse, trials: readonly TrialStats[], shape: PspShape, scratch: Float64Array): Linear {
  const L = layoutOf(r, trials);
  const n = r.y.length;
  const k = sampleShape(shape, r.from, r.rate, n, scratch);
  const m = L.ends.length;
  const ek = new Float64Array(m), etk = new Float64Array(m), ekk = new Float64Array(m);
  let sk = 0, stk = 0, skk = 0, sky = 0;
  let e = 0;
  while (e < m && L.ends[e] === 0) e++;
  // The unit response is 0 before its onset: start the sums there.
  let i = 0;
  while (i < n && (k[i] as number) === 0) i++;
  while (e < m && (L.ends[e] as number) <= i) e++;
  for (; i < n && e < m; i++) {
    const v = k[i] as number;
    sk += v;
    stk += (L.time[i] as number) * v;
    skk += v * v;
    sky += v * (L.wy[i] as number);
    while (e < m && L.ends[e] === i + 1) {
      ek[e] = sk;
      etk[e] = stk;
      ekk[e] = skk;
      e++;
    }
  }
  // M⁻¹ = [[tt, −t], [−t, c]] / det for M = [[c, t], [t, tt]] of each trial's (1, t).
  let num = sky;
  let den = 0;
  trials.forEach((tr, j) => {
    const q = L.index[j] as number;
    const d = L.det[q] as number;
    if (!(d > 0)) return;
    const c = L.c[q] as number, t = L.t[q] as number, tt = L.tt[q] as number, a0 = ek[q] as number, a1 = etk[q] as number;
    num -= (a0 * (tt * tr.sy - t * tr.sty) + a1 * (-t * tr.sy + c * tr.sty)) / d;
    den += (ekk[q] as number) - (a0 * (tt * a0 - t * a1) + a1 * (-t * a0 + c * a1)) / d;
  });
  const amplitude = den > 0 ? num / den : 0;
  // Mean baseline (at the event) and drift (per second) over the trials, for the record.
  let b = 0, dr = 0, cnt = 0;
  trials.forEach((tr, j) => {
    const q = L.index[j] as number;
    const d = L.det[q] as number;
    if (!(d > 0)) return;
    const r0 = tr.sy - amplitude * (ek[q] as number);
    const r1 = tr.sty - amplitude * (etk[q] as number);
    b += ((L.tt[q] as number) * r0 - (L.t[q] as number) * r1) / d;
    dr += (-(L.t[q] as number) * r0 + (L.c[q] as number) * r1) / d;
    cnt++;
  });
  return { baseline: cnt > 0 ? b / cnt : 0, drift: cnt > 0 ? (dr / cnt) * 100 : 0, amplitude, sse: Math.max(0, L.yy - amplitude * num) };
}

/** Cramer's rule for a 3×3 system (row-major); undefined when singular. */
function solve3(m: readonly number[], v: readonly number[]): [number, number, number] | undefined {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (!(Math.abs(det) > 1e-300 * Math.max(1, Math.abs(a * e * i)))) return undefined;
  const [p, q, r] = v as [number, number, number];
  return [
    (p * (e * i - f * h) - b * (q * i - f * r) + c * (q * h - e * r)) / det,
    (a * (q * i - f * r) - p * (d * i - f * g) + c * (d * r - q * g)) / det,
    (a * (e * r - q * h) - b * (d * r - q * g) + p * (d * h - e * g)) / det,
  ];
}

/** Averages groups of `f` samples (weights summed) so the grid search runs on fewer points. */
function decimate(r: AveragedResponse, f: number): AveragedResponse {
  const n = Math.floor(r.y.length / f);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sw = 0, s = 0;
    for (let k = 0; k < f; k++) {
      const ww = r.w[i * f + k] as number;
      sw += ww;
      s += ww * (r.y[i * f + k] as number);
    }
    w[i] = sw;
    y[i] = sw > 0 ? s / sw : 0;
  }
  return { y, w, from: r.from + (f - 1) / (2 * r.rate), rate: r.rate / f };
}

const LATENCIES = Array.from({ length: 16 }, (_, i) => 0.25e-3 + i * 0.25e-3);
const RISES = [0.15e-3, 0.3e-3, 0.6e-3, 1e-3, 1.6e-3, 2.5e-3, 4e-3, 6e-3];
const DECAYS = [1.5e-3, 2.5e-3, 4e-3, 6e-3, 9e-3, 13e-3, 19e-3, 27e-3, 40e-3, 60e-3];

/**
 * Fits baseline + drift × t + amplitude × unit response: a coarse grid over (latency, τ_rise, τ_decay) on a
 * 4× decimated copy, then Nelder–Mead on the full-rate data. Variable projection keeps the
 * linear parameters exact, so no starting guess for the amplitude or its sign is needed.
 * With per-trial data (`trials`), pass the 4× decimated `trialResponse` as `coarseInput`.
 * With `threeExp: true` the three-exponential form (psp-shape.ts: conductance rise and decay
 * filtered by the membrane) is then fitted from the two-exponential result (`fitThree`) and kept
 * when it fits better. The pair analysis does not use it (yet): on the simulated slices it fits
 * the slow IPSPs exactly but changed the Tsodyks–Markram errors both ways (docs/analysis.md).
 */
export function fitPsp(r: AveragedResponse, coarseInput?: AveragedResponse, options: { threeExp?: boolean } = {}): PspFit {
  const coarse = coarseInput ?? decimate(r, 4);
  const scratchC = new Float64Array(coarse.y.length);
  let best: PspShape = { latency: 1e-3, tauRise: 1e-3, tauDecay: 10e-3 };
  let bestSse = Infinity;
  for (const latency of LATENCIES) {
    for (const tauRise of RISES) {
      for (const tauDecay of DECAYS) {
        if (tauDecay < 1.3 * tauRise) continue;
        const s = { latency, tauRise, tauDecay };
        const l = project(coarse, s, scratchC);
        if (l.sse < bestSse) {
          bestSse = l.sse;
          best = s;
        }
      }
    }
  }
  const scratch = new Float64Array(r.y.length);
  // Bounded so that a fit to noise cannot wander off to a response outside the window.
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const shapeOf = (x: number[]): PspShape => {
    const tauRise = clamp(Math.exp(x[1] as number), 0.05e-3, 20e-3);
    return { latency: clamp(x[0] as number, 0, 8e-3), tauRise, tauDecay: clamp(Math.exp(x[2] as number), 1.05 * tauRise, 0.3) };
  };
  const nm = nelderMead((x) => project(r, shapeOf(x), scratch).sse, [best.latency, Math.log(best.tauRise), Math.log(best.tauDecay)], [0.2e-3, 0.3, 0.3], 150);
  const two = shapeOf(nm.x);
  const three = options.threeExp === true ? fitThree(r, coarse, two, scratch, scratchC) : undefined;
  const shape = three && three.sse < nm.f ? three.shape : two;
  const l = project(r, shape, scratch);
  let sw = 0, sy = 0;
  for (let i = 0; i < r.y.length; i++) {
    sw += r.w[i] as number;
    sy += (r.w[i] as number) * (r.y[i] as number);
  }
  const m = sw > 0 ? sy / sw : 0;
  let sst = 0;
  for (let i = 0; i < r.y.length; i++) sst += (r.w[i] as number) * ((r.y[i] as number) - m) ** 2;
  // Per-trial residuals are compared with the trials' own spread about their grand mean.
  if (r.trials) sst = r.trials.reduce((a, t) => a + t.syy, 0) - sw * m * m;
  return { ...shape, baseline: l.baseline, drift: l.drift, amplitude: l.amplitude, riseTime: riseTime(shape), r2: sst > 0 ? 1 - l.sse / sst : 0 };
}

const SYN_RISES = [0.2e-3, 0.5e-3, 1e-3, 2e-3];
const SYN_DECAYS = [1.5e-3, 3e-3, 6e-3, 10e-3, 15e-3, 25e-3];
const MEMBRANE_SCALES = [0.8, 1, 1.3, 1.8];

/**
 * The three-exponential form, from the two-exponential fit `two`: a grid over conductance rise and
 * decay and the membrane τ (around two's τ_decay) on the decimated data at two's latency, then
 * Nelder–Mead in all four on the full data. The conductance and membrane decays enter the
 * convolution symmetrically, so the slower is reported as τ_decay (what the two-exponential
 * form's τ_decay approximates) and the faster as τ_syn.
 */
function fitThree(r: AveragedResponse, coarse: AveragedResponse, two: PspShape, scratch: Float64Array, scratchC: Float64Array): { shape: PspShape; sse: number } {
  let best: PspShape | undefined;
  let bestSse = Infinity;
  for (const tauRise of SYN_RISES) {
    for (const tauSyn of SYN_DECAYS) {
      if (tauSyn < 1.5 * tauRise) continue;
      for (const f of MEMBRANE_SCALES) {
        const s = { latency: two.latency, tauRise, tauSyn, tauDecay: f * two.tauDecay };
        const sse = project(coarse, s, scratchC).sse;
        if (sse < bestSse) {
          bestSse = sse;
          best = s;
        }
      }
    }
  }
  if (!best) return { shape: two, sse: Infinity };
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const shapeOf = (x: number[]): PspShape => {
    const tauRise = clamp(Math.exp(x[1] as number), 0.05e-3, 20e-3);
    const a = clamp(Math.exp(x[2] as number), 1.05 * tauRise, 0.3);
    const b = clamp(Math.exp(x[3] as number), 0.5e-3, 0.3);
    return { latency: clamp(x[0] as number, 0, 8e-3), tauRise, tauSyn: Math.min(a, b), tauDecay: Math.max(a, b) };
  };
  const nm = nelderMead((x) => project(r, shapeOf(x), scratch).sse, [best.latency, Math.log(best.tauRise), Math.log(best.tauSyn ?? 1e-3), Math.log(best.tauDecay)], [0.2e-3, 0.3, 0.3, 0.3], 200);
  return { shape: shapeOf(nm.x), sse: nm.f };
}
