import type { ClampMode } from '../core/clamp.ts';
import type { Segment } from './event-fit.ts';
import type { NoiseSums } from './noise-model.ts';

/** Row types of the analysis tables (SI units; NaN where a value cannot be had). */

export interface SweepRow {
  sweep: number;
  protocol: string;
  stimulus: string;
  /** Induction frequency, Hz (NaN when the sweep has none). */
  frequency: number;
  /** s. */
  recoveryDelay: number;
  repetition: number;
  sampleRate: number;
  channels: number;
  aborted: boolean;
  /** Used by the analysis; when false, `exclusion` says why. */
  included: boolean;
  exclusion: string;
}

export interface RecordingRow {
  sweep: number;
  headstage: number;
  mode: ClampMode;
  holding: number;
  qcPass: boolean;
  /** Names of the failed recording-QC checks, comma-separated. */
  qcFailed: string;
  baselinePotential: number;
  baselineCurrent: number;
  accessResistance: number;
  inputResistance: number;
  capacitance: number;
  timeConstant: number;
  bathFit: boolean;
}

export interface PulseRow {
  sweep: number;
  headstage: number;
  pulse: number;
  onset: number;
  width: number;
  amplitude: number;
  spikeCount: number | null;
  oneSpike: boolean | null;
  spikeOnset: number;
  spikeMaxSlopeTime: number;
  spikePeakTime: number;
  spikePeak: number;
}

/**
 * Baseline kept before pulse 1 of a trial (the induction stretch starts this long before it), s:
 * long enough that the averaged first response (pair-analysis.ts) and the induction fit see the
 * postsynaptic cell's slow relaxation (drift) before the response starts. The protocol's 200 ms
 * before pulse 1 hold no stimulus of this turn.
 */
export const FIRST_PRE = 50e-3;

/**
 * What one sweep leaves of one (pre, post) pair for the pair-level analysis: the postsynaptic
 * trace around the induction and recovery trains and a baseline stretch of the same turn, the
 * event times, and which responses passed QC.
 */
export interface PairTrial {
  sweep: number;
  pre: number;
  post: number;
  mode: ClampMode;
  /** Nominal holding of the postsynaptic recording, V (categories.ts): −0.07, −0.055 or other. */
  holding: number;
  frequency: number;
  recoveryDelay: number;
  /** Presynaptic event time of each pulse (spike steepest rise, or pulse onset), s. */
  events: number[];
  pulses: number[];
  /** Response usable: exactly one presynaptic spike, per-pulse QC passed (ex or in), both recordings passed QC. */
  used: boolean[];
  /** Why a response is not used (QC check names), '' when used. */
  failed: string[];
  /** Induction (pulses 1–8) and recovery (pulses 9–12) stretches, each with its event indices. */
  segments: { seg: Segment; first: number; count: number }[];
  /** Detection amplitude per pulse (fixed shape on a short window, detection-kernel.ts). */
  detection: number[];
  /** The same estimator at event-free times of the baseline (null distribution). */
  nullAmplitudes: number[];
  /** Pulse 1 on the full detection window (NaN when not used or when pulse 2 comes too soon, FIRST_PULSE_WINDOW). */
  firstAmplitude: number;
  /** The same estimator on the same window length at the baseline times. */
  nullFirst: number[];
  /** Autocovariance of the postsynaptic noise in the same baseline (noise-model.ts), for the event fit's whitening. */
  noise?: NoiseSums | undefined;
}
