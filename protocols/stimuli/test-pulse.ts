import { pulseSamples } from './square.ts';
import { type Stimulus, EpochKind, bufferScans, checkRate, epochAt } from './timing.ts';

/**
 * The test pulse MIES inserts at the start of a sweep (reference §4.1): a square pulse of `width`
 * with a baseline of `baselineFraction` of the total length before and after it, so the total
 * length is width / (1 − 2 × baselineFraction) (neuroanalysis `miesnwb.py` `inserted_test_pulse`).
 * Defaults (MIES): 10 ms, 35 %, +10 mV in VC, −50 pA in IC.
 */
export interface TestPulseOptions {
  sampleRate: number;
  /** Start of the test-pulse window (its leading baseline), s; default 0. */
  start?: number;
  /** Pulse width, s. */
  width: number;
  /** Baseline fraction, 0.25–0.49 in MIES (TP_BASELINE_FRACTION_LOW/HIGH). */
  baselineFraction: number;
  /** A in IC, V in VC. */
  amplitude: number;
  /** Buffer length, s; default: ends with the test-pulse window. */
  duration?: number;
}

/** MIES allows 25–49 % (MIES_Constants.ipf TP_BASELINE_FRACTION_LOW/HIGH). */
export const TP_BASELINE_FRACTION_MIN = 0.25;
export const TP_BASELINE_FRACTION_MAX = 0.49;

/** Where the pulse sits in the window: total length and the pulse's offset from the window start, s. */
export function testPulseGeometry(width: number, baselineFraction: number): { total: number; pulseOffset: number } {
  if (!(baselineFraction >= 0 && baselineFraction < 0.5)) throw new RangeError(`baseline fraction must be in [0, 0.5), got ${baselineFraction}`);
  const total = width / (1 - 2 * baselineFraction);
  return { total, pulseOffset: total * baselineFraction };
}

/** The test pulse window: baseline, pulse, baseline; one 'test-pulse' epoch on the pulse itself. */
export function testPulse(o: TestPulseOptions): Stimulus {
  checkRate(o.sampleRate);
  const start = o.start ?? 0;
  const { total, pulseOffset } = testPulseGeometry(o.width, o.baselineFraction);
  const { first, n } = pulseSamples(start + pulseOffset, o.width, o.sampleRate);
  const windowEnd = pulseSamples(start, total, o.sampleRate);
  const scans = bufferScans(o.duration, Math.max(windowEnd.first + windowEnd.n, first + n), o.sampleRate, 'the test pulse');
  const samples = new Float32Array(scans);
  samples.fill(o.amplitude, first, first + n);
  const params = { amplitude: o.amplitude, width: o.width, baselineFraction: o.baselineFraction, windowStart: windowEnd.first / o.sampleRate, windowStop: (windowEnd.first + windowEnd.n) / o.sampleRate };
  return { samples, epochs: [epochAt(first, first + n, o.sampleRate, EpochKind.testPulse, params)] };
}
