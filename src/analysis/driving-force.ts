import { type PspShape, unitValue } from './psp-shape.ts';

/**
 * Driving-force correction of current-clamp amplitudes in a train, for the Tsodyks–Markram fit.
 * A PSP is a conductance times the driving force (V − E_rev). In a train the responses sum, so
 * the cell sits away from rest when each later pulse arrives — an IPSP train at −55 mV takes the
 * cell 2–3 mV towards −75 mV, 10–15 % less driving force — and the amplitudes then fall faster than
 * release does: the model, fitted to amplitudes, read depression that the synapse does not have
 * (seed 12's 4→2 at −55 mV: A2…A8 at 50 Hz 10–40 % below the release ratios, U +22 %). Scaling each
 * amplitude by (V₁ − E)/(V_k − E), with V_k the potential at the k-th response's onset (baseline
 * plus the earlier responses' tails), gives amplitudes proportional to release.
 * E is the textbook reversal of the response's sign — AMPA ≈ 0 mV, GABA_A ≈ −75 mV; the rig knows
 * no cell classes, and the correction needs E only roughly: ±5 mV of error in E changes a 3 mV
 * summation's correction by < 2 %.
 */
export const EXCITATORY_REVERSAL = 0;
export const INHIBITORY_REVERSAL = -0.075;

/** Corrections beyond this (driving force below a third of the first pulse's, or reversed) are not trusted. */
const MIN_RATIO = 1 / 3;

/** The unit response (peak 1) at time t after the event, s. */
export function unitAt(s: PspShape, t: number): number {
  return unitValue(s, t - s.latency);
}

/** Potential at each response's onset: its baseline plus the tails of the earlier responses. */
export function onsetPotentials(events: readonly number[], amplitudes: readonly number[], baselines: readonly number[], shape: PspShape): number[] {
  return events.map((e, k) => {
    let v = baselines[k] as number;
    for (let j = 0; j < k; j++) {
      const a = amplitudes[j] as number;
      if (Number.isFinite(a)) v += a * unitAt(shape, e + shape.latency - (events[j] as number));
    }
    return v;
  });
}

/** Amplitudes scaled to the first pulse's driving force (NaN where the correction is not trusted). */
export function releaseAmplitudes(amplitudes: readonly number[], potentials: readonly number[], reversal: number): number[] {
  const d1 = (potentials[0] as number) - reversal;
  return amplitudes.map((a, k) => {
    const r = ((potentials[k] as number) - reversal) / d1;
    return Number.isFinite(r) && r >= MIN_RATIO ? a / r : Number.NaN;
  });
}

/**
 * A current-clamp PSP measured at `potential` (the fitted baseline at the event) scaled to the one
 * at `holding` (the category's nominal holding): × (holding − E)/(potential − E). The categories
 * are bins (−60…−50 mV is "−55 mV"), and a cell the rig's bias leaves 2 mV below −55 mV has 10 %
 * less driving force for an IPSP: seed 12's Sst cell 1 sat at −56.2…−57.6 mV and 2→1 read 10 %
 * small noise-free against the PSP at −55 mV. Undefined when the ratio is outside [1/2, 2] (the
 * potential too near the reversal to trust the scaling).
 */
export function amplitudeAtHolding(amplitude: number, potential: number, holding: number, reversal: number): number | undefined {
  const r = (holding - reversal) / (potential - reversal);
  return Number.isFinite(r) && r >= 0.5 && r <= 2 ? amplitude * r : undefined;
}
