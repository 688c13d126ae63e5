import type { ClampMode } from '../core/clamp.ts';
import { type PspShape, sampleShape } from './psp-shape.ts';

/**
 * The fixed response shape used for connection detection. It is the same for every pair and does
 * not depend on the data, so the detection amplitude is a linear function of the trace: applied to
 * event-free baseline it has exactly the null distribution of the responses of an unconnected
 * pair. IC: 1 ms rise, 15 ms decay (the membrane; aisynphys deconvolves IC with τ = 15 ms); VC:
 * faster currents.
 */
export function detectionShape(mode: ClampMode): PspShape {
  return mode === 'VC' ? { latency: 1e-3, tauRise: 0.5e-3, tauDecay: 5e-3 } : { latency: 1e-3, tauRise: 1e-3, tauDecay: 15e-3 };
}

/** Fake event spacing in the baseline (s): farther apart than one detection window. */
export const NULL_EVENT_SPACING = 40e-3;

/**
 * The detection window around an event, s: a straight line fitted to the 20 ms before the event
 * is the baseline, extrapolated over the 20 ms after it (less when the next event comes sooner),
 * and the amplitude is the least-squares scale of the fixed shape on what remains. Over such
 * windows a slow relaxation of the postsynaptic cell (after its own spikes, after a test pulse) is
 * a straight line to within microvolts, so it cannot pass for a response; and because the baseline
 * comes from before the event only, a slow response cannot be taken for drift.
 */
export const DETECTION_WINDOW: readonly [number, number] = [-20e-3, 20e-3];

/**
 * The first-pulse test uses pulse 1 only from trials whose second pulse comes at least this long
 * after it (10–50 Hz: 8 of the 10 probe conditions), so every one of those trials measures pulse 1
 * on the same full window as the baseline estimates: identically distributed under "no
 * connection", and long enough for slow inhibitory responses.
 */
export const FIRST_PULSE_WINDOW = DETECTION_WINDOW[1];

/** Detection amplitude of an event at `event` (s) in `y` (sample 0 at time `t0`), its window ending at `stop`. */
export function detectionAmplitude(y: ArrayLike<number>, t0: number, rate: number, event: number, shape: PspShape, stop: number): number {
  const i0 = Math.max(0, Math.round((event + DETECTION_WINDOW[0] - t0) * rate));
  const ie = Math.round((event - t0) * rate);
  const i1 = Math.min(y.length, Math.round((stop - t0) * rate));
  if (ie - i0 < 8 || i1 - ie < 4) return Number.NaN;
  // Baseline: least-squares line on [i0, ie), in samples relative to ie.
  let n = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
  for (let i = i0; i < ie; i++) {
    const x = i - ie;
    const v = y[i] as number;
    n++;
    sx += x;
    sxx += x * x;
    sy += v;
    sxy += x * v;
  }
  const det = n * sxx - sx * sx;
  const slope = det > 0 ? (n * sxy - sx * sy) / det : 0;
  const level = (sy - slope * sx) / n;
  const k = sampleShape(shape, ie / rate + t0 - event, rate, i1 - ie);
  let kk = 0, ky = 0;
  for (let i = ie; i < i1; i++) {
    const c = k[i - ie] as number;
    kk += c * c;
    ky += c * ((y[i] as number) - level - slope * (i - ie));
  }
  return kk > 0 ? ky / kk : Number.NaN;
}
