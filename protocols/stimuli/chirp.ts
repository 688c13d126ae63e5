import { pulseSamples } from './square.ts';
import { type Stimulus, EpochKind, bufferScans, checkRate, epochAt } from './timing.ts';

export type ChirpScale = 'linear' | 'log';

export interface ChirpOptions {
  sampleRate: number;
  /** Chirp onset, s. */
  start: number;
  /** Chirp length T, s. */
  chirpDuration: number;
  /** Instantaneous frequency at the onset and at the end, Hz (reference §5: 1 → 15 Hz by default). */
  startFrequency: number;
  endFrequency: number;
  /** Peak amplitude (A in IC, V in VC). */
  amplitude: number;
  /** 'linear': f(τ) = f0 + (f1 − f0)·τ/T; 'log' (MIES "Log chirp"): f(τ) = f0·(f1/f0)^(τ/T). */
  scale: ChirpScale;
  /** Buffer length, s; default: ends with the chirp. */
  duration?: number;
}

/** Instantaneous frequency at τ s after the onset, Hz. */
export function chirpFrequency(o: Pick<ChirpOptions, 'chirpDuration' | 'startFrequency' | 'endFrequency' | 'scale'>, tau: number): number {
  const { startFrequency: f0, endFrequency: f1, chirpDuration: T } = o;
  return o.scale === 'log' && f0 !== f1 ? f0 * (f1 / f0) ** (tau / T) : f0 + ((f1 - f0) * tau) / T;
}

/** Phase φ(τ) = 2π ∫₀^τ f, rad; sin φ starts at zero with a rising edge. */
export function chirpPhase(o: Pick<ChirpOptions, 'chirpDuration' | 'startFrequency' | 'endFrequency' | 'scale'>, tau: number): number {
  const { startFrequency: f0, endFrequency: f1, chirpDuration: T } = o;
  if (o.scale === 'log' && f0 !== f1) {
    const k = f1 / f0;
    return (2 * Math.PI * f0 * T * (k ** (tau / T) - 1)) / Math.log(k);
  }
  return 2 * Math.PI * (f0 * tau + ((f1 - f0) * tau * tau) / (2 * T));
}

/** A sinusoid of rising (or falling) frequency: sample first + i = A·sin φ(i / rate). */
export function chirp(o: ChirpOptions): Stimulus {
  checkRate(o.sampleRate);
  if (!(o.startFrequency > 0 && o.endFrequency > 0)) throw new RangeError(`chirp frequencies must be > 0 Hz, got ${o.startFrequency} → ${o.endFrequency}`);
  const nyquist = o.sampleRate / 2;
  if (Math.max(o.startFrequency, o.endFrequency) >= nyquist) throw new RangeError(`chirp frequencies must stay below the Nyquist frequency ${nyquist} Hz`);
  const { first, n } = pulseSamples(o.start, o.chirpDuration, o.sampleRate);
  const scans = bufferScans(o.duration, first + n, o.sampleRate, 'the chirp');
  const samples = new Float32Array(scans);
  for (let i = 0; i < n; i++) samples[first + i] = o.amplitude * Math.sin(chirpPhase(o, i / o.sampleRate));
  const params = { amplitude: o.amplitude, startFrequency: o.startFrequency, endFrequency: o.endFrequency, scale: o.scale, duration: o.chirpDuration };
  return { samples, epochs: [epochAt(first, first + n, o.sampleRate, EpochKind.chirp, params)] };
}
