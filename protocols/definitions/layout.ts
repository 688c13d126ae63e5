import type { Epoch } from '../../src/core/sweep.ts';
import { type Stimulus, EpochKind, fitTo, shiftEpochs, toSample } from '../stimuli/timing.ts';

/**
 * How the headstages' stimulus sets share one sweep (reference §2, MIES distributed DAQ): every
 * headstage records for the whole sweep; in turn, headstage k's set starts at
 *
 *   onset_k = testPulseRoom ("Delay onset auto") + onsetDelay ("Delay onset user")
 *           + Σ_{j<k} (length_j + ddaqDelay ("Delay distributed DAQ"))
 *
 * in the order the headstages are listed, so no two sets overlap and, outside its turn, a
 * headstage's stimulus is zero (its command is its holding level). Simultaneously, every set starts
 * at testPulseRoom + onsetDelay. All offsets are whole samples: each set's length is its own
 * rounded length, so every turn starts exactly where the formula puts it on the sample grid.
 */
export interface LayoutOptions {
  sampleRate: number;
  layout: 'inTurn' | 'simultaneous';
  /** Room for the inserted test pulse at the sweep start, s. */
  testPulseRoom: number;
  onsetDelay: number;
  ddaqDelay: number;
  /** Fixed sweep length, s; default: ends with the last set. */
  sweepDuration?: number;
}

/** Onset sample of each set and the sweep's length in samples, from the sets' lengths in samples. */
export function setOnsets(lengths: readonly number[], o: LayoutOptions): { onsets: number[]; contentEnd: number; scans: number } {
  const first = toSample(o.testPulseRoom + o.onsetDelay, o.sampleRate);
  const gap = toSample(o.ddaqDelay, o.sampleRate);
  const onsets: number[] = [];
  let at = first;
  for (const n of lengths) {
    onsets.push(o.layout === 'inTurn' ? at : first);
    at += n + gap;
  }
  const contentEnd = Math.max(first, ...lengths.map((n, i) => (onsets[i] ?? 0) + n));
  const scans = o.sweepDuration === undefined ? contentEnd : toSample(o.sweepDuration, o.sampleRate);
  return { onsets, contentEnd, scans };
}

/** The sweep length the sets need, s (to refuse a fixed sweepDuration that is too short). */
export function neededDuration(setDurations: readonly number[], o: LayoutOptions): number {
  const { contentEnd } = setOnsets(setDurations.map((d) => toSample(d, o.sampleRate)), { ...o, sweepDuration: undefined });
  return contentEnd / o.sampleRate;
}

export interface PlacedSet {
  headstage: number;
  /** 0-based turn (the position of the headstage in the list). */
  turn: number;
  /** Onset of the set, s. */
  onset: number;
  stimulus: Stimulus;
}

/**
 * Places each headstage's set (a stimulus whose times start at its own first sample) in the
 * sweep; returns full-length stimuli with epochs tagged by headstage, and one 'turn' epoch per set
 * for the whole sweep.
 */
export function placeSets(sets: readonly { headstage: number; set: Stimulus }[], o: LayoutOptions): { scans: number; placed: PlacedSet[]; turns: Epoch[] } {
  const { onsets, contentEnd, scans } = setOnsets(sets.map((s) => s.set.samples.length), o);
  if (contentEnd > scans) throw new RangeError(`the stimulus sets need ${(contentEnd / o.sampleRate).toFixed(4)} s, more than the ${o.sweepDuration} s sweep`);
  const placed: PlacedSet[] = [];
  const turns: Epoch[] = [];
  sets.forEach(({ headstage, set }, turn) => {
    const at = onsets[turn] ?? 0;
    const samples = new Float32Array(scans);
    samples.set(set.samples, at);
    const onset = at / o.sampleRate;
    const stop = (at + set.samples.length) / o.sampleRate;
    const epochs = shiftEpochs(set.epochs, at, o.sampleRate).map((e) => ({ ...e, headstage }));
    epochs.unshift({ start: onset, stop, kind: EpochKind.stimset, headstage, params: { turn } });
    placed.push({ headstage, turn, onset, stimulus: fitTo({ samples, epochs }, scans, o.sampleRate) });
    turns.push({ start: onset, stop, kind: EpochKind.turn, params: { headstage, turn } });
  });
  return { scans, placed, turns };
}

/** A set: `before` s of baseline, the content, then `after` s of tail, each an epoch. */
export function framedSet(content: Stimulus, contentStart: number, after: number, sampleRate: number): Stimulus {
  const first = Math.min(...content.epochs.map((e) => e.start));
  const last = Math.max(...content.epochs.map((e) => e.stop));
  const end = Math.max(content.samples.length, toSample(last + after, sampleRate));
  const set = fitTo(content, end, sampleRate);
  const epochs = [...set.epochs];
  if (first > 0) epochs.unshift({ start: 0, stop: first, kind: EpochKind.baseline, params: { duration: contentStart } });
  if (end / sampleRate > last) epochs.push({ start: last, stop: end / sampleRate, kind: EpochKind.tail, params: { duration: after } });
  return { samples: set.samples, epochs };
}
