import { pulseSamples } from './square.ts';
import { type Stimulus, EpochKind, bufferScans, checkRate, epochAt } from './timing.ts';

export interface NoiseOptions {
  sampleRate: number;
  /** Noise onset, s. */
  start: number;
  /** Noise length, s. */
  noiseDuration: number;
  /** Standard deviation (A in IC, V in VC). */
  sd: number;
  /** Mean level; default 0. */
  mean?: number;
  /** Seed (0 … 2³²−1): the same seed gives the same samples on every run and machine. */
  seed: number;
  /** Buffer length, s; default: ends with the noise. */
  duration?: number;
}

/**
 * A deterministic uniform generator: splitmix32 (Steele, Lea & Flood 2014, 32-bit variant). Kept
 * here rather than borrowed from simulators/, which protocols must not depend on (DESIGN §2).
 */
export function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

/** Gaussian white noise (Box–Muller on splitmix32), seeded. */
export function noise(o: NoiseOptions): Stimulus {
  checkRate(o.sampleRate);
  if (!(o.sd >= 0)) throw new RangeError(`noise sd must be ≥ 0, got ${o.sd}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new RangeError(`noise seed must be a whole number from 0 to 2^32−1, got ${o.seed}`);
  const { first, n } = pulseSamples(o.start, o.noiseDuration, o.sampleRate);
  const scans = bufferScans(o.duration, first + n, o.sampleRate, 'the noise');
  const samples = new Float32Array(scans);
  const u = splitmix32(o.seed);
  const mean = o.mean ?? 0;
  for (let i = 0; i < n; i += 2) {
    // 1 − u() lies in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const a = 2 * Math.PI * u();
    samples[first + i] = mean + o.sd * r * Math.cos(a);
    if (i + 1 < n) samples[first + i + 1] = mean + o.sd * r * Math.sin(a);
  }
  return { samples, epochs: [epochAt(first, first + n, o.sampleRate, EpochKind.noise, { sd: o.sd, mean, seed: o.seed, duration: o.noiseDuration })] };
}
