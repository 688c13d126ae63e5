import { describe, expect, it } from 'vitest';
import { MAX_OVERLAY, selectSweeps, stimulusNames } from '../../ui/src/sweep-select.ts';
import { intervalRange, nextYMode } from '../../ui/src/y-mode.ts';

/** Sweeps 0…11 alternating stimuli X and Y (X on even sweeps), as the sweeps route lists them. */
const LIST = Array.from({ length: 12 }, (_, sweep) => ({ sweep, stimulusName: sweep % 2 === 0 ? 'X' : 'Y' }));

describe('sweep browser selection by protocol/offset/step (criterion 12)', () => {
  it('shows the last N sweeps of every stimulus by default', () => {
    expect(selectSweeps(LIST, { count: 4, step: 1 })).toEqual([8, 9, 10, 11]);
    expect(selectSweeps(LIST, { stimulus: '', count: 1, step: 1 })).toEqual([11]);
  });

  it('filters by stimulus, starts at sweep k and takes every k-th from there', () => {
    // X is sweeps 0, 2, 4, …; from sweep 3 that is 4, 6, 8, 10; every 2nd of those: 4, 8.
    expect(selectSweeps(LIST, { stimulus: 'X', from: 3, count: MAX_OVERLAY, step: 2 })).toEqual([4, 8]);
    expect(selectSweeps(LIST, { from: 3, count: MAX_OVERLAY, step: 3 })).toEqual([3, 6, 9]);
    // The last N apply after the offset and step.
    expect(selectSweeps(LIST, { stimulus: 'Y', from: 2, count: 2, step: 1 })).toEqual([9, 11]);
  });

  it('counts the steps back from the newest sweep when following (no offset), so the newest is always shown', () => {
    expect(selectSweeps(LIST, { count: 3, step: 2 })).toEqual([7, 9, 11]);
    expect(selectSweeps(LIST.slice(0, 11), { count: 3, step: 2 })).toEqual([6, 8, 10]);
  });

  it('gives nothing for an unknown stimulus, an offset past the end or an empty list', () => {
    expect(selectSweeps(LIST, { stimulus: 'Z', count: 4, step: 1 })).toEqual([]);
    expect(selectSweeps(LIST, { from: 12, count: 4, step: 1 })).toEqual([]);
    expect(selectSweeps([], { count: 4, step: 2 })).toEqual([]);
  });

  it('clamps bad inputs: count to 1…MAX_OVERLAY, step to ≥ 1, empty or negative offsets to none or 0', () => {
    expect(selectSweeps(LIST, { count: 0, step: 1 })).toEqual([11]);
    expect(selectSweeps(LIST, { count: NaN, step: NaN })).toEqual([11]);
    expect(selectSweeps(LIST, { count: 2.9, step: -3 })).toEqual([10, 11]);
    expect(selectSweeps(LIST, { count: 3, step: 2, from: NaN })).toEqual([7, 9, 11]);
    expect(selectSweeps(LIST, { count: 2, step: 1, from: -5 })).toEqual([10, 11]);
    expect(selectSweeps(LIST, { count: 2, step: 5, from: -5 })).toEqual([5, 10]);
    const many = Array.from({ length: 200 }, (_, sweep) => ({ sweep, stimulusName: 'X' }));
    expect(selectSweeps(many, { count: 1000, step: 1 })).toHaveLength(MAX_OVERLAY);
  });

  it('sorts by sweep number whatever order the list comes in', () => {
    expect(selectSweeps([...LIST].reverse(), { count: 3, step: 1 })).toEqual([9, 10, 11]);
  });

  it('lists each stimulus once, in the order first run', () => {
    expect(stimulusNames(LIST)).toEqual(['X', 'Y']);
    expect(stimulusNames([])).toEqual([]);
  });
});

describe('lane y modes Auto / Fixed / Interval (criterion 14)', () => {
  it('cycles Auto → Fixed → Interval → Auto', () => {
    expect([nextYMode('auto'), nextYMode('fixed'), nextYMode('interval')]).toEqual(['fixed', 'interval', 'auto']);
  });

  it('keeps the span and centres it on the data, so a drifting trace stays on screen at the same scale', () => {
    expect(intervalRange(-72, -68, 20)).toEqual([-80, -60]);
    // 30 mV of drift later: same 20 mV span, moved with the trace.
    expect(intervalRange(-42, -38, 20)).toEqual([-50, -30]);
    // Data wider than the span: the span still wins (it is the user's scale), centred on the midpoint.
    expect(intervalRange(0, 100, 10)).toEqual([45, 55]);
    expect(intervalRange(5, -5, 4)).toEqual([-2, 2]);
  });

  it('never gives an empty or inverted range: no data centres on 0, a bad span falls back to the data range', () => {
    expect(intervalRange(NaN, NaN, 10)).toEqual([-5, 5]);
    expect(intervalRange(Infinity, -Infinity, 4)).toEqual([-2, 2]);
    expect(intervalRange(2, 6, 0)).toEqual([2, 6]);
    expect(intervalRange(2, 6, NaN)).toEqual([2, 6]);
    expect(intervalRange(3, 3, -1)).toEqual([2, 4]);
  });
});
