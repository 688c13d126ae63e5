/** What the live test-pulse display shows besides the fit: the baseline and the peak resistance. */
export interface PulseExtras {
  /** Median of the response before the pulse: A in VC, V in IC. */
  baseline: number;
  /** VC: amplitude / (sampled peak − baseline), Ω — the "R peak" of Clampex's membrane test; NaN in IC. */
  peakResistance: number;
}

/** Samples of the pulse's first 1 ms searched for the capacitive peak. */
const PEAK_WINDOW = 1e-3;

export function pulseBaselineAndPeak(p: { mode: 'VC' | 'IC'; response: ArrayLike<number>; sampleRate: number; onset: number; amplitude: number }): PulseExtras {
  const on = Math.round(p.onset * p.sampleRate);
  const base: number[] = [];
  for (let i = 0; i < on && i < p.response.length; i++) base.push(p.response[i] as number);
  base.sort((a, b) => a - b);
  const baseline = base.length === 0 ? Number.NaN : base.length % 2 ? (base[base.length >> 1] as number) : ((base[(base.length >> 1) - 1] as number) + (base[base.length >> 1] as number)) / 2;
  if (p.mode !== 'VC') return { baseline, peakResistance: Number.NaN };
  let peak = baseline;
  const end = Math.min(p.response.length, on + Math.max(1, Math.round(PEAK_WINDOW * p.sampleRate)));
  for (let i = on; i < end; i++) {
    const v = p.response[i] as number;
    // The capacitive transient follows the pulse's sign.
    if (p.amplitude >= 0 ? v > peak : v < peak) peak = v;
  }
  const d = peak - baseline;
  return { baseline, peakResistance: d === 0 ? Number.NaN : p.amplitude / d };
}
