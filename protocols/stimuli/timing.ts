import type { Epoch, ParamValue } from '../../src/core/sweep.ts';

/**
 * The sample grid every stimulus builder shares, and the helpers that put segments together.
 *
 * Rounding rule (one for every builder): a time t (s from the buffer's first sample) maps to the
 * sample `toSample(t, rate) = floor(t × rate + 1/2 + 1e-6)`, i.e. the nearest sample, ties to the
 * later one. The 1e-6-sample tolerance absorbs the binary error of decimal times (0.0125 × 20 kHz
 * = 250.00000000000003, 1.15 × 20 kHz = 22999.999999999996) so that nominal times on the grid
 * always land on their sample. Trains round each interval once from their anchor (pulse-train.ts
 * `trainOnsetSamples`), so intervals, not only absolute onsets, are exact. A pulse of width w starting at t occupies the half-open range
 * [toSample(t), toSample(t) + toSample(w)): every pulse of a train has the same width in samples,
 * and its epoch's start/stop are those sample times (index / rate), so analysis reading the epochs
 * and analysis reading the command agree to the sample.
 */

/** What every builder returns: the samples (SI: A in IC, V in VC) and the epochs describing them. */
export interface Stimulus {
  samples: Float32Array;
  epochs: Epoch[];
}

/** Epoch kinds written by the builders (sweep.ts vocabulary; reference §1.4 names the same parts). */
export const EpochKind = {
  holding: 'holding',
  testPulse: 'test-pulse',
  baseline: 'baseline',
  pulse: 'pulse',
  train: 'train',
  recoveryDelay: 'recovery-delay',
  tail: 'tail',
  step: 'step',
  ramp: 'ramp',
  chirp: 'chirp',
  noise: 'noise',
  /** One headstage's whole stimulus set within a distributed (in-turn) sweep (reference §2). */
  stimset: 'stimset',
  /** A presynaptic turn of the sweep: which headstage is stimulated when (reference §2). */
  turn: 'turn',
} as const;

/** Epoch kinds during which a command departs from holding: baseline QC excludes them (reference §7.1). */
export const STIMULUS_EPOCH_KINDS: ReadonlySet<string> = new Set([
  EpochKind.testPulse,
  EpochKind.pulse,
  EpochKind.step,
  EpochKind.ramp,
  EpochKind.chirp,
  EpochKind.noise,
]);

/** The rounding rule above: nearest sample, ties to the later one. */
export function toSample(t: number, sampleRate: number): number {
  return Math.floor(t * sampleRate + 0.5 + 1e-6);
}

/** The time of sample `index`, s. */
export function sampleTime(index: number, sampleRate: number): number {
  return index / sampleRate;
}

export function checkRate(sampleRate: number): void {
  if (!(Number.isFinite(sampleRate) && sampleRate > 0)) throw new RangeError(`sampleRate must be a positive number of Hz, got ${sampleRate}`);
}

/** A buffer of `duration` s (rounded to samples) of zeros, with no epochs. */
export function silence(duration: number, sampleRate: number): Stimulus {
  checkRate(sampleRate);
  if (!(duration >= 0)) throw new RangeError(`duration must be ≥ 0 s, got ${duration}`);
  return { samples: new Float32Array(toSample(duration, sampleRate)), epochs: [] };
}

/**
 * Moves epochs later by `samples` samples. Epoch times are sample times, so they are recomputed
 * as (index + samples) / rate rather than summed in floating point (1.68935 + 0.2 ≠ 1.88935).
 */
export function shiftEpochs(epochs: readonly Epoch[], samples: number, sampleRate: number): Epoch[] {
  const at = (t: number) => (Math.round(t * sampleRate) + samples) / sampleRate;
  return epochs.map((e) => ({ ...e, start: at(e.start), stop: at(e.stop), params: { ...e.params } }));
}

/** Puts the parts one after the other; each part's epochs move by the samples before it. */
export function concat(sampleRate: number, ...parts: readonly Stimulus[]): Stimulus {
  const total = parts.reduce((n, p) => n + p.samples.length, 0);
  const samples = new Float32Array(total);
  const epochs: Epoch[] = [];
  let at = 0;
  for (const p of parts) {
    samples.set(p.samples, at);
    epochs.push(...shiftEpochs(p.epochs, at, sampleRate));
    at += p.samples.length;
  }
  return { samples, epochs };
}

/** Adds the parts sample by sample (the result is as long as the longest); epochs are merged in time order. */
export function sum(...parts: readonly Stimulus[]): Stimulus {
  const total = Math.max(0, ...parts.map((p) => p.samples.length));
  const acc = new Float64Array(total);
  for (const p of parts) for (let i = 0; i < p.samples.length; i++) acc[i] = (acc[i] ?? 0) + (p.samples[i] ?? 0);
  const epochs = parts.flatMap((p) => p.epochs.map((e) => ({ ...e, params: { ...e.params } })));
  epochs.sort((a, b) => a.start - b.start || b.stop - a.stop);
  return { samples: Float32Array.from(acc), epochs };
}

/** Pads with zeros (or cuts, refusing to cut into an epoch) to exactly `scans` samples. */
export function fitTo(stim: Stimulus, scans: number, sampleRate: number): Stimulus {
  const end = scans / sampleRate;
  const over = stim.epochs.find((e) => e.stop > end + 1e-12);
  if (over) throw new RangeError(`a ${over.kind} epoch ends at ${over.stop} s, after the buffer's end at ${end} s`);
  const samples = new Float32Array(scans);
  samples.set(stim.samples.subarray(0, Math.min(scans, stim.samples.length)));
  return { samples, epochs: stim.epochs };
}

/** Tags every epoch with the headstage it belongs to. */
export function forHeadstage(stim: Stimulus, headstage: number): Stimulus {
  return { samples: stim.samples, epochs: stim.epochs.map((e) => ({ ...e, headstage })) };
}

/** An epoch on sample boundaries [first, last) with its parameters. */
export function epochAt(first: number, last: number, sampleRate: number, kind: string, params: Record<string, ParamValue>): Epoch {
  return { start: first / sampleRate, stop: last / sampleRate, kind, params };
}

/** Number of samples a buffer of `duration` s holds, or the end of the content when absent. */
export function bufferScans(duration: number | undefined, contentEnd: number, sampleRate: number, what: string): number {
  if (duration === undefined) return contentEnd;
  const scans = toSample(duration, sampleRate);
  if (contentEnd > scans) {
    throw new RangeError(`${what} ends at ${(contentEnd / sampleRate).toFixed(6)} s, after the end of the ${duration} s buffer`);
  }
  return scans;
}
