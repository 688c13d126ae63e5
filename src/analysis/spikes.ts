/**
 * Spike detection on a current-clamp trace: upward crossings of a threshold with hysteresis (the
 * trace must fall below `rearm` before the next spike counts), so noise on a plateau or a
 * depolarising step without a spike is not taken for spikes.
 */
export interface SpikeOptions {
  /** V; default 0 V (cortical spikes overshoot; a passive response does not). */
  threshold?: number;
  /** V; default threshold − 20 mV. */
  rearm?: number;
}

/** Sample indices of spike onsets (threshold crossings). */
export function detectSpikes(v: ArrayLike<number>, o: SpikeOptions = {}): number[] {
  const thr = o.threshold ?? 0;
  const rearm = o.rearm ?? thr - 0.02;
  const out: number[] = [];
  let armed = (v[0] ?? thr) < thr;
  for (let i = 1; i < v.length; i++) {
    const x = v[i] as number;
    if (armed && x >= thr) {
      out.push(i);
      armed = false;
    } else if (!armed && x < rearm) armed = true;
  }
  return out;
}

/** Spikes in the window after each pulse onset: [onset, onset + window) in samples. */
export function spikesPerPulse(spikes: readonly number[], onsets: readonly number[], window: number): number[] {
  return onsets.map((on) => spikes.filter((s) => s >= on && s < on + window).length);
}

/** Options of `detectVcSpikes`. */
export interface VcSpikeOptions {
  /** How far below the pre-pulse holding current an excursion must go to count, A; default 0.5 nA. */
  threshold?: number;
  /** Pre-pulse stretch the holding current is the median of, samples; default 40 (2 ms at 20 kHz). */
  baselineSamples?: number;
}

/**
 * Action currents ("escape" spikes) of a voltage-clamped cell during its own depolarising pulse
 * [on, off) (sample indices): the clamp acts through the access resistance and cannot hold the
 * membrane when its sodium channels open, so the current turns sharply inward. The passive
 * response to a depolarising step is outward (a capacitive transient decaying to a steady
 * outward current), so an excursion below the pre-pulse holding current by more than the
 * threshold is a spike; the current must come back above half that depth before the next one
 * counts. The window ends at the pulse's end, where the capacitive transient of the step back is
 * inward too. A pulse that is not depolarising (off ≤ on, or a command that does not rise)
 * cannot be read this way: the caller passes only depolarising pulses. Returns sample indices of
 * the crossings.
 */
export function detectVcSpikes(current: ArrayLike<number>, on: number, off: number, o: VcSpikeOptions = {}): number[] {
  const thr = o.threshold ?? 0.5e-9;
  const nBase = o.baselineSamples ?? 40;
  const base: number[] = [];
  for (let i = Math.max(0, on - nBase); i < on; i++) {
    const x = current[i] as number;
    if (Number.isFinite(x)) base.push(x);
  }
  if (base.length === 0) return [];
  base.sort((a, b) => a - b);
  const mid = base.length >> 1;
  const hold = base.length % 2 ? (base[mid] as number) : ((base[mid - 1] as number) + (base[mid] as number)) / 2;
  const level = hold - thr;
  const rearm = hold - thr / 2;
  const out: number[] = [];
  let armed = true;
  for (let i = Math.max(on, 0); i < Math.min(off, current.length); i++) {
    const x = current[i] as number;
    if (armed && x <= level) {
      out.push(i);
      armed = false;
    } else if (!armed && x > rearm) armed = true;
  }
  return out;
}
