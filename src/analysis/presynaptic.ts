import type { Epoch, SweepChannel } from '../core/sweep.ts';
import { detectSpikes, detectVcSpikes } from './spikes.ts';

/** One presynaptic pulse and the spikes it evoked (SI, times from the sweep start). */
export interface PulseSpikes {
  pulse: number;
  onset: number;
  width: number;
  amplitude: number;
  /** null when no spike can be seen: a voltage-clamped cell whose pulse is not depolarising. */
  spikeCount: number | null;
  /** Threshold crossing of the first spike (interpolated), s. */
  spikeOnset: number;
  /** Time of the steepest rise of the first spike: the event time used for the postsynaptic response, s. */
  spikeMaxSlopeTime: number;
  spikePeakTime: number;
  /** V (NaN in voltage clamp: the peak of the action current is at spikePeakTime). */
  spikePeak: number;
}

/** Spikes are counted from the pulse onset up to the next pulse, at most this long (s). */
const SPIKE_WINDOW = 15e-3;
/** The stimulus artefact (I·Ra through the pipette) is steep too: the slope search starts after it, s. */
const ARTEFACT = 0.3e-3;
const THRESHOLD = 0;

/** The pulses of headstage `h` in this sweep, from its epochs (never re-detected), in pulse order. */
export function pulseEpochs(epochs: readonly Epoch[], h: number): Epoch[] {
  return epochs.filter((e) => e.kind === 'pulse' && e.headstage === h).sort((a, b) => a.start - b.start);
}

/**
 * Spike detection per pulse on a current-clamp presynaptic trace: upward crossings of 0 V with
 * hysteresis (spikes.ts), the first spike's onset, steepest rise and peak. In voltage clamp, the
 * action currents a depolarising pulse evokes (`detectVcSpikes`), the first one's steepest inward
 * fall as the event time; a pulse that is not depolarising gives `spikeCount: null` and its onset
 * as the event time.
 */
export function presynapticSpikes(ch: SweepChannel, pulses: readonly Epoch[], rate: number): PulseSpikes[] {
  const v = ch.response;
  const out: PulseSpikes[] = [];
  pulses.forEach((e, k) => {
    const next = pulses[k + 1]?.start ?? Infinity;
    const onset = e.start;
    const base: PulseSpikes = {
      pulse: Number(e.params.pulse ?? k + 1),
      onset,
      width: e.stop - e.start,
      amplitude: Number(e.params.amplitude ?? Number.NaN),
      spikeCount: null,
      spikeOnset: Number.NaN,
      spikeMaxSlopeTime: onset,
      spikePeakTime: Number.NaN,
      spikePeak: Number.NaN,
    };
    if (ch.mode === 'VC') {
      out.push(vcPulse(base, v, rate));
      return;
    }
    const a = Math.max(1, Math.round(onset * rate));
    const b = Math.min(v.length, Math.round(Math.min(next, onset + SPIKE_WINDOW) * rate));
    const crossings = detectSpikes(v.subarray(a - 1, b), { threshold: THRESHOLD }).map((i) => i + a - 1);
    base.spikeCount = crossings.length;
    const c = crossings[0];
    if (c !== undefined) {
      const y0 = v[c - 1] as number;
      const y1 = v[c] as number;
      base.spikeOnset = (c - 1 + (THRESHOLD - y0) / (y1 - y0)) / rate;
      const from = Math.max(a + Math.round(ARTEFACT * rate), c - Math.round(1e-3 * rate));
      let best = -Infinity;
      let at = c;
      for (let i = from; i <= c + Math.round(0.5e-3 * rate) && i + 1 < v.length; i++) {
        const s = (v[i + 1] as number) - (v[i] as number);
        if (s > best) {
          best = s;
          at = i;
        }
      }
      base.spikeMaxSlopeTime = (at + 0.5) / rate;
      let peak = -Infinity;
      let pAt = c;
      for (let i = c; i < Math.min(v.length, c + Math.round(2e-3 * rate)); i++) {
        if ((v[i] as number) > peak) {
          peak = v[i] as number;
          pAt = i;
        }
      }
      base.spikePeak = peak;
      base.spikePeakTime = pAt / rate;
    }
    out.push(base);
  });
  return out;
}

/**
 * A voltage-clamp pulse: escape action currents during it (spikes.ts `detectVcSpikes`). The
 * event time is the steepest inward fall of the first one — when its sodium current grows
 * fastest, the counterpart of the steepest rise in current clamp — searched from 1 ms before its
 * crossing, but not within the step's own capacitive transient.
 */
function vcPulse(base: PulseSpikes, current: Float32Array, rate: number): PulseSpikes {
  if (!(base.amplitude > 0) || !(base.width > 0)) return base;
  const on = Math.round(base.onset * rate);
  const off = Math.round((base.onset + base.width) * rate);
  const crossings = detectVcSpikes(current, on, off);
  const out: PulseSpikes = { ...base, spikeCount: crossings.length };
  const c = crossings[0];
  if (c === undefined) return out;
  out.spikeOnset = c / rate;
  const from = Math.max(on + Math.round(ARTEFACT * rate), c - Math.round(1e-3 * rate));
  let steepest = Infinity;
  let at = c;
  for (let i = from; i <= c + Math.round(0.2e-3 * rate) && i + 1 < current.length; i++) {
    const s = (current[i + 1] as number) - (current[i] as number);
    if (s < steepest) {
      steepest = s;
      at = i;
    }
  }
  out.spikeMaxSlopeTime = (at + 0.5) / rate;
  let low = Infinity;
  let lowAt = c;
  for (let i = c; i < Math.min(current.length, off); i++) {
    if ((current[i] as number) < low) {
      low = current[i] as number;
      lowAt = i;
    }
  }
  out.spikePeakTime = lowAt / rate;
  return out;
}
