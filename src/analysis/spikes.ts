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
