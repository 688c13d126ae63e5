import { type Stimulus, EpochKind, bufferScans, checkRate, epochAt, toSample } from './timing.ts';

export interface SquareStepOptions {
  sampleRate: number;
  /** Step onset, s from the buffer's first sample. */
  start: number;
  /** Step width, s (at least one sample). */
  width: number;
  /** Step level (A in IC, V in VC). */
  amplitude: number;
  /** Buffer length, s; default: ends with the step. */
  duration?: number;
  /** Epoch kind; default 'step'. */
  kind?: string;
}

/** Sample range [first, first + n) of a square pulse, by the rounding rule of timing.ts. */
export function pulseSamples(start: number, width: number, sampleRate: number): { first: number; n: number } {
  const first = toSample(start, sampleRate);
  const n = toSample(width, sampleRate);
  if (first < 0) throw new RangeError(`a pulse cannot start before the buffer (start ${start} s)`);
  if (n < 1) throw new RangeError(`a pulse of ${width} s is shorter than one sample at ${sampleRate} Hz`);
  return { first, n };
}

/** One square step of `amplitude` from `start` for `width`, zero elsewhere. */
export function squareStep(o: SquareStepOptions): Stimulus {
  checkRate(o.sampleRate);
  const { first, n } = pulseSamples(o.start, o.width, o.sampleRate);
  const scans = bufferScans(o.duration, first + n, o.sampleRate, 'the step');
  const samples = new Float32Array(scans);
  samples.fill(o.amplitude, first, first + n);
  const kind = o.kind ?? EpochKind.step;
  return { samples, epochs: [epochAt(first, first + n, o.sampleRate, kind, { amplitude: o.amplitude, width: o.width })] };
}
