import type { ClampMode } from '../src/core/clamp.ts';
import type { Epoch, ParamValue } from '../src/core/sweep.ts';

/**
 * The contract between protocol definitions and the acquisition engine: a definition expands
 * into a Plan, the ordered list of sweeps with every parameter resolved (DESIGN §5). The engine
 * adds what is only known at run time — holding levels in force, the calibrated stimulus scale —
 * and the inserted test pulse, then plays the sweep.
 */

/** A test pulse inserted at the start of a sweep (synphys-protocols.md §4), in SI. */
export interface InsertedTestPulse {
  /** Pulse start, s from the sweep's first sample. */
  start: number;
  /** Pulse width, s. */
  width: number;
  /** Amplitude: V in VC (e.g. -0.01), A in IC (e.g. -50e-12). */
  amplitude: number;
}

/** What one headstage plays in a planned sweep. */
export interface PlannedHeadstage {
  headstage: number;
  mode: ClampMode;
  /**
   * The stimulus before scaling, without holding or test pulse, one sample per scan: A in IC,
   * V in VC. The engine plays `holding + stimulus × stimScale (+ test pulse)`. Read-only: sweeps
   * that play the same stimulus (repetitions of a condition) may share one array.
   */
  stimulus: Float32Array;
  /** Default scale factor (1 unless the definition says otherwise); the runner may calibrate it. */
  stimScale: number;
  /** Holding the definition asks for (V in VC, A in IC); undefined = keep what is set. */
  holding?: number;
  /**
   * Current clamp only: the membrane potential (V) the definition asks for, e.g. −0.07 or −0.055
   * (synphys-protocols.md §3). The bias current that reaches it is found at run time (auto-bias
   * between sweeps), so it cannot be a `holding` in the plan. Undefined = no target.
   */
  targetPotential?: number;
  /** Added to the command by the engine, which records its epoch unless `epochs` already has one. */
  testPulse?: InsertedTestPulse;
  /** This headstage's epochs (pulses, steps…) with `headstage` set; times in s. */
  epochs: Epoch[];
}

export interface PlannedSweep {
  /** 0-based position in the plan. */
  index: number;
  protocol: string;
  /** Stimulus set name as MIES would call it (e.g. "PulseTrain_50Hz_DA_0"). */
  stimulusName: string;
  sampleRate: number;
  /** Scans in the sweep (every stimulus array has this length). */
  scans: number;
  headstages: PlannedHeadstage[];
  /** Epochs of the whole sweep (baseline, test pulse window…). */
  epochs: Epoch[];
  /** Resolved parameters of this sweep (frequency, recovery delay, repetition, presynaptic headstage…). */
  parameters: Record<string, ParamValue>;
  /** Rest after this sweep before the next one starts, s. */
  interSweepInterval: number;
}

export interface Plan {
  protocol: string;
  /** The definition it was expanded from, JSON-serialisable (stored with the data). */
  definition: unknown;
  sweeps: PlannedSweep[];
}
