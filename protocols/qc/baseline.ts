import type { Epoch, Sweep, SweepChannel } from '../../src/core/sweep.ts';
import { STIMULUS_EPOCH_KINDS } from '../stimuli/timing.ts';

/**
 * The quiescent part of a sweep (reference §7.1, aisynphys `data.py`
 * `MultiPatchSyncRecording.baseline_regions`): every sample except those during a stimulus epoch
 * on ANY headstage (pulse, step, test pulse, …) and the settling time after it.
 */
export const BASELINE_SETTLING_TIME = 0.1; // s, reference §7.1

/** true = baseline sample. */
export function baselineMask(sweep: Pick<Sweep, 'sampleRate' | 'epochs'>, scans: number, settling = BASELINE_SETTLING_TIME, epochs: readonly Epoch[] = sweep.epochs): Uint8Array {
  const mask = new Uint8Array(scans).fill(1);
  const rate = sweep.sampleRate;
  for (const e of epochs) {
    if (!STIMULUS_EPOCH_KINDS.has(e.kind)) continue;
    const from = Math.max(0, Math.round(e.start * rate));
    const to = Math.min(scans, Math.round((e.stop + settling) * rate));
    if (to > from) mask.fill(0, from, to);
  }
  return mask;
}

/** Finite values of `data` where `mask` is set (every finite value when no mask). */
export function selected(data: Float32Array, mask?: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? Number.NaN;
    if ((mask === undefined || mask[i] === 1) && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/**
 * The most common value of continuous data, as neuroanalysis `float_mode`: a histogram of
 * clip(√n, 3, 500) bins over [min, max], the centre of the fullest bin. NaN when empty.
 */
export function floatMode(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === lo) return lo;
  const bins = Math.min(500, Math.max(3, Math.floor(Math.sqrt(values.length))));
  const counts = new Uint32Array(bins);
  const width = (hi - lo) / bins;
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]! += 1;
  let best = 0;
  for (let b = 1; b < bins; b++) if ((counts[b] ?? 0) > (counts[best] ?? 0)) best = b;
  return lo + (best + 0.5) * width;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Population standard deviation (the RMS noise about the mean). NaN when empty. */
export function std(values: readonly number[]): number {
  const m = mean(values);
  return values.length === 0 ? Number.NaN : Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Baseline potential (V) and current (A) of a channel: the mode of the measured or commanded signal over the baseline. */
export function baselineLevels(channel: SweepChannel, mask: Uint8Array): { potential: number; current: number; noise: number } {
  const response = selected(channel.response, mask);
  const command = selected(channel.command, mask);
  const noise = std(response);
  // VC: the response is current and the command potential; IC and I=0: the other way round.
  return channel.mode === 'VC'
    ? { potential: floatMode(command), current: floatMode(response), noise }
    : { potential: floatMode(response), current: floatMode(command), noise };
}
