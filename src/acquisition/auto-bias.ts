import type { Sweep, SweepChannel } from '../core/sweep.ts';
import { baselineLevels, baselineMask } from '../../protocols/qc/index.ts';

/**
 * Current-clamp auto-bias (synphys-protocols.md §3): between sweeps, move each cell's bias
 * current so its resting potential approaches the target. ACQ4's defaults: follow rate 0.5,
 * limit ±1.5 nA (`acq4/devices/PatchClamp/testpulse.py`).
 */
export interface AutoBiasOptions {
  /** Fraction of the estimated correction applied per step. */
  followRate: number;
  /** Largest |bias|, A. */
  maxCurrent: number;
  /** Input resistance assumed when none was measured, Ω. */
  inputResistance: number;
  /** Close enough, V. */
  tolerance: number;
}

export const DEFAULT_AUTO_BIAS: AutoBiasOptions = { followRate: 0.5, maxCurrent: 1.5e-9, inputResistance: 150e6, tolerance: 1e-3 };

/** The bias current for the next sweep, from the present one and the measured resting potential. */
export function nextBias(current: number, restingPotential: number, target: number, o: AutoBiasOptions = DEFAULT_AUTO_BIAS, inputResistance = o.inputResistance): number {
  if (!Number.isFinite(restingPotential)) return current;
  const step = (o.followRate * (target - restingPotential)) / inputResistance;
  return Math.max(-o.maxCurrent, Math.min(o.maxCurrent, current + step));
}

/** The resting potential of a channel in a sweep: its baseline (samples away from every stimulus, QC §7.1). */
export function restingPotential(sweep: Sweep, channel: SweepChannel, settling = 0.005): number {
  const mask = baselineMask(sweep, channel.response.length, settling);
  return baselineLevels(channel, mask).potential;
}
