import { type Stimulus, EpochKind, checkRate, epochAt, toSample } from './timing.ts';

/**
 * A constant level for the whole buffer: MIES's `Offset "holding current"` epoch (reference §1.4).
 * The plan leaves holding to the engine; this builder is for reconstructing the total command
 * (holding + stimulus × scale + test pulse) and for stimuli that carry their own offset.
 */
export function holdingOffset(o: { sampleRate: number; duration: number; level: number }): Stimulus {
  checkRate(o.sampleRate);
  const n = toSample(o.duration, o.sampleRate);
  const samples = new Float32Array(n).fill(o.level);
  return { samples, epochs: [epochAt(0, n, o.sampleRate, EpochKind.holding, { level: o.level })] };
}

/** Multiplies the samples by `scale` (the per-cell stimulus scale), keeping epochs; amplitudes in epochs stay unscaled. */
export function scaled(stim: Stimulus, scale: number): Stimulus {
  return { samples: stim.samples.map((v) => v * scale), epochs: stim.epochs };
}
