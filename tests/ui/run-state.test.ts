import { describe, expect, it } from 'vitest';
import { allowedCommands, nextInfo, recordingText } from '../../ui/src/run-state.ts';
import type { ExperimentStatus } from '../../ui/src/types.ts';

const base: ExperimentStatus = { id: 'e1', protocol: 'synphys-probe', phase: 'resting', next: 3, total: 10, acquired: 3, stored: 3, file: '2026_probe.nwb', headstages: [0, 1], createdAt: '2026-01-01T00:00:00Z', storedThrough: 2 };

describe('recording state (criterion 25)', () => {
  it('names the file and the last sweep on disk while the file is open', () => {
    expect(recordingText(base)).toBe('Recording → 2026_probe.nwb · saved through sweep #2 · raw traces + TP');
    expect(recordingText({ ...base, phase: 'idle', stored: 0, storedThrough: null })).toMatch(/^Recording → .* no sweep saved yet/);
  });

  it('says "Not recording" when there is no experiment or it has ended', () => {
    expect(recordingText(undefined)).toMatch(/^Not recording/);
    expect(recordingText({ ...base, phase: 'aborted' })).toBe('Not recording — last file 2026_probe.nwb (3 sweeps saved, aborted)');
  });
});

describe('what runs next (criterion 8)', () => {
  it('gives protocol, sweep k of N, next sweep, ITI countdown and ETA', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const n = nextInfo({ ...base, nextAt: now + 12_000, eta: now + 151_000 }, now);
    expect(n).toMatchObject({ protocol: 'synphys-probe', progress: 'sweep 3 of 10', next: 'next: sweep #3', countdown: 'ITI 0:12' });
    expect(n?.eta).toMatch(/^ETA \d\d:\d\d:\d\d \(in 2:31\)$/);
    expect(nextInfo({ ...base, phase: 'acquiring' }, now)?.progress).toBe('sweep 4 of 10');
    expect(nextInfo({ ...base, phase: 'done', next: 10, acquired: 10 }, now)).toMatchObject({ next: 'next: –', countdown: '', eta: '' });
  });

  it('offers only the run commands the phase takes', () => {
    expect([...allowedCommands(undefined)].sort()).toEqual(['start', 'step']);
    expect([...allowedCommands({ ...base, phase: 'acquiring' })].sort()).toEqual(['abort', 'pause']);
    expect([...allowedCommands({ ...base, phase: 'paused' })].sort()).toEqual(['abort', 'resume', 'step']);
  });
});
