import { fitExponential } from './exp-fit.ts';

/** Results of one test pulse, SI (Ω, F, s, V, A); NaN where a value cannot be had. */
export interface TestPulseResult {
  accessResistance: number;
  inputResistance: number;
  capacitance: number;
  timeConstant: number;
  /** Holding current (VC: baseline current; IC: the commanded holding). */
  holdingCurrent: number;
  /** Holding potential (IC: baseline potential; VC: the commanded holding). */
  holdingPotential: number;
  /** Steady-state resistance Ri + Ra. */
  steadyStateResistance: number;
  /** True when the exponential fit was too poor and Ohm's law alone was used (bath). */
  bathFit: boolean;
}

export interface TestPulseInput {
  mode: 'VC' | 'IC';
  /** Response: A in VC, V in IC. */
  response: ArrayLike<number>;
  sampleRate: number;
  /** Pulse onset and end, s from the first sample. */
  onset: number;
  end: number;
  /** Pulse amplitude: V in VC, A in IC. */
  amplitude: number;
  /** Commanded holding (V in VC, A in IC). */
  holding: number;
  /** IC: the bridge balance in force, Ω. */
  bridgeBalance?: number;
}

const PADDING = 50e-6;
const FIT_START = 150e-6;
const PEAK_WINDOW = 1e-3;
const PREPULSE = 5e-3;
const MIN_CONFIDENCE = 0.15;

function median(v: number[]): number {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function slice(y: ArrayLike<number>, a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = Math.max(0, a); i < Math.min(y.length, b); i++) out.push(y[i] as number);
  return out;
}

/**
 * Access resistance, input resistance, capacitance and time constant from one test pulse, by the
 * procedure of neuroanalysis `PatchClampTestPulse._analyze` as the reference states it
 * (synphys-protocols.md §4.3): median baseline, one exponential fitted from 150 µs into the pulse,
 * Ohm's law in the bath when the fit confidence is below 0.15 — except that the transient's
 * start (VC peak, IC y0) comes from the fit extrapolated to the onset (see below).
 */
export function analyzeTestPulse(p: TestPulseInput): TestPulseResult {
  const r = p.sampleRate;
  const on = Math.round(p.onset * r);
  const off = Math.round(p.end * r);
  const pad = Math.max(1, Math.round(PADDING * r));
  const baseMedian = median(slice(p.response, 0, on - pad));
  const prepulseMedian = median(slice(p.response, on - Math.round(PREPULSE * r), on));
  const regionStart = on + pad;
  const regionEnd = off - pad;
  const fitFrom = on + Math.max(1, Math.round(FIT_START * r));
  const n = regionEnd - fitFrom;
  if (n < 4) throw new RangeError(`test pulse too short to analyse: ${regionEnd - regionStart} samples in its pulse region`);
  const t = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = (fitFrom + i - regionStart) / r;
    y[i] = p.response[fitFrom + i] as number;
  }
  const dur = (regionEnd - regionStart) / r;
  const fit = fitExponential(t, y, 2 / r, Math.max(dur * 20, 4 / r));
  let tau = fit.tau;
  let yOffset = fit.offset;
  // The fit extrapolated back to the onset: the reference takes y0 at the start of the padded
  // pulse region and the VC peak from the data, which both lose the first 50 µs of the transient
  // (≈ 5 % of Ra with τ ≈ 1 ms). Extrapolating keeps Ra within a few percent; the sampled peak is
  // still used when the fit is unusable.
  let y0 = fit.offset + fit.amp * Math.exp((regionStart - on) / r / fit.tau);
  const bathFit = fit.confidence < MIN_CONFIDENCE;
  if (bathFit) {
    tau = Number.NaN;
    const last = Math.max(1, Math.round((regionEnd - regionStart) * 0.01));
    const tail = slice(p.response, regionEnd - last, regionEnd);
    yOffset = tail.reduce((a, b) => a + b, 0) / tail.length;
    y0 = baseMedian;
  }
  const A = p.amplitude;
  const away = (x: number, eps: number) => (Math.abs(x) < eps ? Math.sign(A || 1) * eps : x);
  if (p.mode === 'VC') {
    const first = slice(p.response, regionStart, regionStart + Math.round(PEAK_WINDOW * r));
    const sampled = A >= 0 ? Math.max(...first) : Math.min(...first);
    const peak = bathFit ? sampled : y0;
    const ra = A / away(peak - baseMedian, 1e-16);
    const ri = A / away(yOffset - baseMedian, 1e-16) - ra;
    return {
      accessResistance: ra,
      inputResistance: ri,
      capacitance: tau * (1 / ra + 1 / ri),
      timeConstant: tau,
      holdingCurrent: baseMedian,
      holdingPotential: p.holding,
      steadyStateResistance: ri + ra,
      bathFit,
    };
  }
  const I = A === 0 ? 1e-14 : A;
  const ri = away(yOffset - y0, 1e-5) / I;
  const ra = away(y0 - prepulseMedian, 1e-5) / I + (p.bridgeBalance ?? 0);
  return {
    accessResistance: ra,
    inputResistance: ri,
    capacitance: tau / ri,
    timeConstant: tau,
    holdingCurrent: p.holding,
    holdingPotential: baseMedian,
    steadyStateResistance: ri + ra,
    bathFit,
  };
}
