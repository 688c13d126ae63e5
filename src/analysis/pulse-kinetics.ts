import { eventColumns } from './event-fit.ts';
import { fitExponential } from './exp-fit.ts';
import type { PspShape } from './psp-shape.ts';
import type { PairTrial } from './records.ts';

/** Single-response kinetics, SI; NaN where the response is too small or too short to measure. */
export interface PulseKinetics {
  /** Level the response starts from: fitted baseline plus the tails of the earlier responses. */
  baseline: number;
  /** Presynaptic event → 10 % of the response's peak, s. */
  latency: number;
  /** 10–90 % rise, s. */
  riseTime: number;
  /** Single-exponential decay after the peak, s (only when ≥ 3 ms of decay before the next pulse). */
  decayTau: number;
}

const MAX_WINDOW = 30e-3;

/**
 * Kinetics of one response of a train, measured on the trace with every other response of the
 * stretch subtracted (their amplitudes from the joint fit), so the previous response's tail does
 * not distort latency, rise or decay.
 */
export function pulseKinetics(tr: PairTrial, k: number, shape: PspShape, amplitudes: readonly number[], baselines: readonly number[]): PulseKinetics {
  const nan: PulseKinetics = { baseline: Number.NaN, latency: Number.NaN, riseTime: Number.NaN, decayTau: Number.NaN };
  const s = tr.segments.find((g) => k >= g.first && k < g.first + g.count);
  if (!s) return nan;
  const { seg } = s;
  const ev = tr.events.slice(s.first, s.first + s.count);
  const cols = eventColumns(seg, ev, shape);
  const rate = seg.rate;
  const e = tr.events[k] as number;
  const i0 = Math.max(0, Math.round((e - seg.start) * rate));
  const next = tr.events[k + 1] !== undefined && k + 1 < s.first + s.count ? (tr.events[k + 1] as number) : Infinity;
  const i1 = Math.min(seg.y.length, Math.round((Math.min(next, e + MAX_WINDOW) - seg.start) * rate));
  const b = baselines[k] as number;
  let start = b;
  for (let m = 0; m < k - s.first; m++) start += (amplitudes[s.first + m] as number) * ((cols[m] as Float64Array)[i0] as number);
  const a = amplitudes[k] as number;
  if (!Number.isFinite(a) || a === 0 || i1 - i0 < 4) return { ...nan, baseline: start };
  const sign = Math.sign(a);
  const z = new Float64Array(i1 - i0);
  for (let i = i0; i < i1; i++) {
    let others = b;
    for (let m = 0; m < s.count; m++) if (s.first + m !== k) others += (amplitudes[s.first + m] as number) * ((cols[m] as Float64Array)[i] as number);
    z[i - i0] = sign * ((seg.y[i] as number) - others);
  }
  let peak = 0;
  let pAt = 0;
  for (let i = 0; i < z.length; i++) if ((z[i] as number) > peak) {
    peak = z[i] as number;
    pAt = i;
  }
  if (peak <= 0) return { ...nan, baseline: start };
  const cross = (level: number) => {
    let i = pAt;
    while (i > 0 && (z[i - 1] as number) >= level * peak) i--;
    return i / rate;
  };
  const t10 = cross(0.1);
  const t90 = cross(0.9);
  let decayTau = Number.NaN;
  const tailN = z.length - pAt;
  if (tailN / rate >= 3e-3) {
    const t = new Float64Array(tailN);
    const y = new Float64Array(tailN);
    for (let i = 0; i < tailN; i++) {
      t[i] = i / rate;
      y[i] = z[pAt + i] as number;
    }
    decayTau = fitExponential(t, y, 0.3e-3, 0.2).tau;
  }
  return { baseline: start, latency: seg.start + i0 / rate + t10 - e, riseTime: t90 - t10, decayTau };
}
