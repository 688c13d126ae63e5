import { type PspShape, riseTime, sampleShape } from './psp-shape.ts';
import { nelderMead } from './stats.ts';

/** A PSP (or PSC) fitted to an averaged response, SI. */
export interface PspFit extends PspShape {
  baseline: number;
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
}

interface Linear {
  baseline: number;
  amplitude: number;
  sse: number;
}

/** For a given shape the model is linear in (baseline, amplitude): weighted normal equations. */
function project(r: AveragedResponse, shape: PspShape, scratch: Float64Array): Linear {
  const k = sampleShape(shape, r.from, r.rate, r.y.length, scratch);
  let sw = 0, sk = 0, skk = 0, sy = 0, sky = 0;
  for (let i = 0; i < r.y.length; i++) {
    const w = r.w[i] as number;
    if (w === 0) continue;
    const c = k[i] as number;
    const v = r.y[i] as number;
    sw += w;
    sk += w * c;
    skk += w * c * c;
    sy += w * v;
    sky += w * c * v;
  }
  const det = sw * skk - sk * sk;
  const amplitude = det > 0 ? (sw * sky - sk * sy) / det : 0;
  const baseline = sw > 0 ? (sy - amplitude * sk) / sw : 0;
  let sse = 0;
  for (let i = 0; i < r.y.length; i++) {
    const w = r.w[i] as number;
    if (w === 0) continue;
    sse += w * ((r.y[i] as number) - baseline - amplitude * (k[i] as number)) ** 2;
  }
  return { baseline, amplitude, sse };
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
 * Fits baseline + amplitude × unit response: a coarse grid over (latency, τ_rise, τ_decay) on a
 * 4× decimated copy, then Nelder–Mead on the full-rate data. Variable projection keeps the
 * linear parameters exact, so no starting guess for the amplitude or its sign is needed.
 */
export function fitPsp(r: AveragedResponse): PspFit {
  const coarse = decimate(r, 4);
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
  const shape = shapeOf(nm.x);
  const l = project(r, shape, scratch);
  let sw = 0, sy = 0;
  for (let i = 0; i < r.y.length; i++) {
    sw += r.w[i] as number;
    sy += (r.w[i] as number) * (r.y[i] as number);
  }
  const m = sw > 0 ? sy / sw : 0;
  let sst = 0;
  for (let i = 0; i < r.y.length; i++) sst += (r.w[i] as number) * ((r.y[i] as number) - m) ** 2;
  return { ...shape, baseline: l.baseline, amplitude: l.amplitude, riseTime: riseTime(shape), r2: sst > 0 ? 1 - l.sse / sst : 0 };
}
