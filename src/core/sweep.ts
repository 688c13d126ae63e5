import type { ClampMode } from './clamp.ts';

/** A scalar parameter value as stored with sweeps, epochs and protocol conditions. */
export type ParamValue = number | string | boolean;

/**
 * One stretch of a sweep's stimulus with a meaning (DESIGN §4): analysis finds every pulse from
 * the epochs instead of detecting it, as MIES does. Times in seconds from the sweep's first sample.
 */
export interface Epoch {
  start: number;
  stop: number;
  /** e.g. 'baseline', 'test-pulse', 'pulse', 'train', 'recovery-delay', 'step', 'ramp', 'chirp', 'noise'. */
  kind: string;
  /** The headstage whose command this epoch belongs to; absent for epochs of the whole sweep. */
  headstage?: number;
  /** Kind-specific parameters in SI (amplitude, width, frequency, pulse number, …). */
  params: Record<string, ParamValue>;
}

/** One named quality-control check with its outcome. */
export interface QcCheck {
  name: string;
  pass: boolean;
  value?: number;
  limit?: string;
  unit?: string;
}

export interface QcResult {
  pass: boolean;
  checks: QcCheck[];
}

/** Every amplifier setting in force for a channel during the sweep (labnotebook-like), SI. */
export interface ChannelSettings {
  mode: ClampMode;
  /** Primary output volts per unit of measured quantity (V/A in VC, V/V in IC). */
  outputScale: number;
  /** Command sensitivity: V/V in VC, A/V in IC. */
  commandSensitivity: number;
  lpfHz: number;
  /** The device's full state, key by key, as it reported it. */
  device: Record<string, ParamValue>;
}

/** One headstage's record in a sweep: what was commanded and what was measured, in SI. */
export interface SweepChannel {
  headstage: number;
  mode: ClampMode;
  /** A in IC, V in VC (the total command: holding + stimulus × scale + test pulse). */
  command: Float32Array;
  /** V in IC, A in VC. */
  response: Float32Array;
  /** Holding level in force (V in VC, A in IC). */
  holding: number;
  stimScale: number;
  settings: ChannelSettings;
  qc?: QcResult;
  /** Test-pulse results for this sweep, when analysed (added for the NWB writer, issue 5). */
  testPulse?: TestPulseResult;
}

/** Online test-pulse fit of one channel (SI); stored per recording in the NWB icephys tables. */
export interface TestPulseResult {
  /** Ω */
  accessResistance: number;
  /** Ω */
  inputResistance: number;
  /** F; absent when the fit gave none (e.g. in IC). */
  capacitance?: number;
}

/** Per-pulse QC of one presynaptic pulse seen from one postsynaptic headstage (synphys-protocols.md §7.2). */
export interface PulseQcRecord {
  pre: number;
  post: number;
  /** Pulse number, 1–12. */
  pulse: number;
  /** Presynaptic spikes the pulse evoked (null when the presynaptic cell was in voltage clamp). */
  spikes: number | null;
  /** The response may be used for excitatory / inhibitory detection. */
  exPass: boolean;
  inPass: boolean;
  /** Names of the checks that failed (ex and in together). */
  failed: string[];
}

/** One sweep as acquired: every headstage's command and response on one sample clock. */
export interface Sweep {
  /** 0-based sweep number within the experiment. */
  index: number;
  protocol: string;
  stimulusName: string;
  /** ISO 8601 time of the first sample. */
  startTime: string;
  /** Hz. */
  sampleRate: number;
  channels: SweepChannel[];
  epochs: Epoch[];
  /** The protocol parameters resolved for this sweep (frequency, delay, repetition, …). */
  parameters: Record<string, ParamValue>;
  /** True when the sweep was stopped before its last sample; the samples acquired are kept. */
  aborted: boolean;
  /** Per-pulse QC of every presynaptic pulse on every other headstage, when the sweep has presynaptic pulses. */
  pulseQc?: PulseQcRecord[];
}
