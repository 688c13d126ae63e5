import { pulseSamples } from './square.ts';
import { type Stimulus, EpochKind, bufferScans, checkRate, epochAt } from './timing.ts';

export interface RampOptions {
  sampleRate: number;
  /** Ramp onset, s. */
  start: number;
  /** Ramp length, s. */
  rampDuration: number;
  /** Level at the onset and the level it heads for at the end (A in IC, V in VC). */
  from: number;
  to: number;
  /** Buffer length, s; default: ends with the ramp. */
  duration?: number;
}

/**
 * A linear ramp sampled on the grid: sample first + i holds from + (to − from) · i / n for
 * i = 0..n−1 (n = ramp samples), i.e. the line evaluated at each sample's time; it returns to zero
 * after the ramp, so the level `to` itself is reached at the stop time, not at a sample.
 */
export function ramp(o: RampOptions): Stimulus {
  checkRate(o.sampleRate);
  const { first, n } = pulseSamples(o.start, o.rampDuration, o.sampleRate);
  const scans = bufferScans(o.duration, first + n, o.sampleRate, 'the ramp');
  const samples = new Float32Array(scans);
  for (let i = 0; i < n; i++) samples[first + i] = o.from + ((o.to - o.from) * i) / n;
  return { samples, epochs: [epochAt(first, first + n, o.sampleRate, EpochKind.ramp, { from: o.from, to: o.to, duration: o.rampDuration })] };
}
