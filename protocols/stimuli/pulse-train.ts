import type { Epoch } from '../../src/core/sweep.ts';
import { pulseSamples } from './square.ts';
import { type Stimulus, EpochKind, bufferScans, checkRate, epochAt, toSample } from './timing.ts';

/**
 * The multipatch probe train (reference §1): `count` induction pulses at `frequency`, then — when
 * `recoveryDelay` is given — a recovery delay measured from the END of the last induction pulse to
 * the onset of the first recovery pulse (§1.2, the generator's definition), then `recoveryCount`
 * pulses at the same frequency. The synphys train is count 8 + recoveryCount 4 = pulses 1–12.
 */
export interface PulseTrainOptions {
  sampleRate: number;
  /** Onset of pulse 1, s from the buffer's first sample (t0 of §1.3). */
  start: number;
  /** Induction (and recovery) frequency, Hz: onset-to-onset interval 1/f. */
  frequency: number;
  /** Pulse width, s (reference §1.1: 3 ms in the published example). */
  width: number;
  /** Pulse amplitude (A in IC, V in VC), before the per-cell stimulus scale. */
  amplitude: number;
  /** Induction pulses; default 8 (§1.1). */
  count?: number;
  /** End of the last induction pulse → onset of the first recovery pulse, s; absent: no recovery pulses. */
  recoveryDelay?: number;
  /** Recovery pulses; default 4 (§1.1). */
  recoveryCount?: number;
  /** Buffer length, s; default: ends with the last pulse. */
  duration?: number;
}

/** Nominal pulse onsets of §1.3, s: onset(k) = t0 + (k−1)/f; onset(9) = onset(8) + w + d; onset(9+j) = onset(9) + j/f. */
export function trainOnsets(o: Pick<PulseTrainOptions, 'start' | 'frequency' | 'width' | 'count' | 'recoveryDelay' | 'recoveryCount'>): number[] {
  const count = o.count ?? 8;
  const onsets = Array.from({ length: count }, (_, k) => o.start + k / o.frequency);
  if (o.recoveryDelay !== undefined) {
    const first = o.start + (count - 1) / o.frequency + o.width + o.recoveryDelay;
    for (let j = 0; j < (o.recoveryCount ?? 4); j++) onsets.push(first + j / o.frequency);
  }
  return onsets;
}

/**
 * Onset samples. Pulses 1–8 sit at toSample(t0) + toSample((k−1)/f); pulse 9 at the end of pulse 8
 * (its onset + toSample(w)) + toSample(d); pulses 9+j at onset(9) + toSample(j/f). Each interval is
 * rounded once from the anchor of its train rather than from absolute times, so every pulse is
 * exactly toSample(w) samples wide, the delay from the end of pulse 8 is exactly toSample(d)
 * samples, and the recovery train repeats the induction train's spacing sample for sample.
 */
export function trainOnsetSamples(o: Pick<PulseTrainOptions, 'sampleRate' | 'start' | 'frequency' | 'width' | 'count' | 'recoveryDelay' | 'recoveryCount'>): number[] {
  const rate = o.sampleRate;
  const count = o.count ?? 8;
  const first = toSample(o.start, rate);
  const onsets = Array.from({ length: count }, (_, k) => first + toSample(k / o.frequency, rate));
  if (o.recoveryDelay !== undefined) {
    const ninth = (onsets[count - 1] ?? first) + toSample(o.width, rate) + toSample(o.recoveryDelay, rate);
    for (let j = 0; j < (o.recoveryCount ?? 4); j++) onsets.push(ninth + toSample(j / o.frequency, rate));
  }
  return onsets;
}

/** §1.3: 7/f + w + d + 3/f + w for the 8 + 4 train (generalised to any counts). */
export function trainDuration(o: Pick<PulseTrainOptions, 'frequency' | 'width' | 'count' | 'recoveryDelay' | 'recoveryCount'>): number {
  const count = o.count ?? 8;
  const induction = (count - 1) / o.frequency + o.width;
  if (o.recoveryDelay === undefined) return induction;
  return induction + o.recoveryDelay + ((o.recoveryCount ?? 4) - 1) / o.frequency + o.width;
}

/** Why a train cannot be built at this rate, or undefined when it can (shared with definition checks). */
export function trainProblem(frequency: number, width: number, sampleRate: number): string | undefined {
  if (!(frequency > 0) || !Number.isFinite(frequency)) return `frequency must be a positive number of Hz, got ${frequency}`;
  if (!(width > 0)) return `pulse width must be > 0 s, got ${width}`;
  if (width >= 1 / frequency) return `${width * 1e3} ms pulses at ${frequency} Hz overlap (period ${(1e3 / frequency).toPrecision(4)} ms ≤ width)`;
  const period = toSample(1 / frequency, sampleRate);
  const w = toSample(width, sampleRate);
  if (w < 1) return `a ${width * 1e3} ms pulse is shorter than one sample at ${sampleRate} Hz`;
  if (period - w < 1) return `${frequency} Hz leaves no sample between ${width * 1e3} ms pulses at ${sampleRate} Hz`;
  return undefined;
}

/** Builds the train; every pulse is an epoch numbered from 1 with its train, amplitude, width and frequency. */
export function pulseTrain(o: PulseTrainOptions): Stimulus {
  checkRate(o.sampleRate);
  const problem = trainProblem(o.frequency, o.width, o.sampleRate);
  if (problem) throw new RangeError(problem);
  if (o.recoveryDelay !== undefined && !(o.recoveryDelay >= 0)) throw new RangeError(`recovery delay must be ≥ 0 s, got ${o.recoveryDelay}`);
  const count = o.count ?? 8;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a whole number ≥ 1, got ${count}`);
  const width = pulseSamples(0, o.width, o.sampleRate).n;
  const ranges = trainOnsetSamples(o).map((first) => ({ first, n: width }));
  const last = ranges[ranges.length - 1];
  const end = last ? last.first + last.n : 0;
  const scans = bufferScans(o.duration, end, o.sampleRate, 'the pulse train');
  const samples = new Float32Array(scans);
  const epochs: Epoch[] = [];
  const rate = o.sampleRate;
  ranges.forEach(({ first, n }, i) => {
    samples.fill(o.amplitude, first, first + n);
    epochs.push(
      epochAt(first, first + n, rate, EpochKind.pulse, {
        pulse: i + 1,
        train: i < count ? 'induction' : 'recovery',
        amplitude: o.amplitude,
        width: o.width,
        frequency: o.frequency,
      }),
    );
  });
  const at = (i: number) => ranges[i] ?? { first: 0, n: 0 };
  const trainEpoch = (from: number, to: number, train: string) =>
    epochAt(at(from).first, at(to).first + at(to).n, rate, EpochKind.train, { train, pulses: to - from + 1, frequency: o.frequency, width: o.width, amplitude: o.amplitude });
  epochs.push(trainEpoch(0, count - 1, 'induction'));
  if (o.recoveryDelay !== undefined && ranges.length > count) {
    epochs.push(epochAt(at(count - 1).first + at(count - 1).n, at(count).first, rate, EpochKind.recoveryDelay, { recoveryDelay: o.recoveryDelay }));
    epochs.push(trainEpoch(count, ranges.length - 1, 'recovery'));
  }
  epochs.sort((a, b) => a.start - b.start || b.stop - a.stop);
  return { samples, epochs };
}
