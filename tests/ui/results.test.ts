import { describe, expect, it } from 'vitest';
import {
  type AnalysisUpdate,
  type PairStatus,
  EXCITATORY,
  INHIBITORY,
  NEUTRAL,
  connectionColor,
  countsText,
  defaultPair,
  formatP,
  matrixModel,
  nextResult,
  pairDetails,
  parseAnalysis,
  plasticitySeries,
  postUnits,
} from '../../ui/src/results.ts';
import { MILLIVOLT, PICOAMP } from '../../ui/src/units.ts';

const pair = (pre: number, post: number, over: Partial<PairStatus> = {}): PairStatus => ({
  pre,
  post,
  status: 'unconnected',
  pValue: 0.4,
  strength: 2e-5,
  sign: 0,
  uncertain: false,
  trials: 10,
  pspAmplitude: null,
  pspLatency: null,
  plasticity: [],
  tm: null,
  ...over,
});

const counts = { sweeps: 3, includedSweeps: 2, excludedSweeps: 1, excludedRecordings: 2, usedResponses: 40, excludedResponses: 8 };
const update = (experiment: string, sweeps: number, pairs: PairStatus[] = []): AnalysisUpdate => ({ experiment, sweep: sweeps - 1, included: true, exclusion: null, counts: { ...counts, sweeps }, pairs });

/** Parses "rgb(r, g, b)". */
const channels = (c: string): number[] => (c.match(/\d+/g) ?? []).map(Number);
const distance = (a: string, b: string) => {
  const x = channels(a);
  const y = channels(b.startsWith('#') ? `rgb(${[1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16)).join(',')})` : b);
  return Math.hypot(...x.map((v, i) => v - (y[i] ?? 0)));
};

describe('which analysis result the view keeps', () => {
  it('reads the event and the REST body alike, and refuses what lacks the fields it draws', () => {
    const u = update('exp-1', 2, [pair(0, 1)]);
    expect(parseAnalysis({ type: 'analysis', ...u })).toMatchObject({ experiment: 'exp-1', sweep: 1 });
    expect(parseAnalysis({ ...u, pairs: [{ pre: 0 }] })).toBeUndefined();
    expect(parseAnalysis({ ...u, counts: undefined })).toBeUndefined();
    expect(parseAnalysis({ type: 'problem', status: 404 })).toBeUndefined();
  });

  it('follows newer results, never goes back to an older one, ignores other experiments and starts over on a new one', () => {
    const a2 = update('a', 2);
    const a3 = update('a', 3);
    expect(nextResult(undefined, a2, 'a')).toBe(a2);
    expect(nextResult(a2, a3, 'a')).toBe(a3);
    // The REST answer for sweep 2 lands after the event of sweep 3.
    expect(nextResult(a3, a2, 'a')).toBe(a3);
    // A late event of the previous experiment does not replace the current one's.
    expect(nextResult(undefined, a3, 'b')).toBeUndefined();
    const b1 = update('b', 1);
    expect(nextResult(a3, b1, 'b')).toBe(b1);
    // Before the console knows the experiment (first connect), it takes what comes.
    expect(nextResult(undefined, a2, undefined)).toBe(a2);
  });
});

describe('connectivity matrix', () => {
  const pairs = [
    pair(0, 1, { status: 'connected', sign: 1, pspAmplitude: 1e-3, pValue: 1e-5, strength: 9e-4 }),
    pair(1, 0, { status: 'connected', sign: -1, pspAmplitude: -0.25e-3, pValue: 0.01, strength: -2e-4 }),
    pair(0, 3, { status: 'uncertain', uncertain: true, pValue: 0.04 }),
    pair(3, 0),
  ];

  it('has one cell per ordered pair of the headstages, pre in rows, the diagonal blank, pairs not yet analysed marked', () => {
    const m = matrixModel([0, 1, 3], pairs);
    expect(m.map((row) => row.map((c) => `${c.pre}>${c.post}`))).toEqual([
      ['0>0', '0>1', '0>3'],
      ['1>0', '1>1', '1>3'],
      ['3>0', '3>1', '3>3'],
    ]);
    expect(m.map((row) => row.map((c) => c.kind))).toEqual([
      ['self', 'connected', 'uncertain'],
      ['connected', 'self', 'none'],
      ['unconnected', 'none', 'self'],
    ]);
    expect(m.map((row) => row.map((c) => c.mark))).toEqual([
      ['', '+', '?'],
      ['−', '', ''],
      ['', '', ''],
    ]);
    expect(m[2]?.[0]?.color).toBe(NEUTRAL);
  });

  it('colours excitatory warm and inhibitory cool, brighter for a larger |PSP| of the same unit', () => {
    const m = matrixModel([0, 1], pairs);
    const exc = channels(m[0]?.[1]?.color ?? '');
    const inh = channels(m[1]?.[0]?.color ?? '');
    expect(exc[0]).toBeGreaterThan(exc[2] as number);
    expect(inh[2]).toBeGreaterThan(inh[0] as number);
    expect(m[0]?.[1]?.intensity).toBe(1);
    expect(m[1]?.[0]?.intensity).toBeCloseTo(0.25, 12);
    expect(distance(connectionColor(1, 1), NEUTRAL)).toBeGreaterThan(distance(connectionColor(1, 0.25), NEUTRAL));
    expect(distance(connectionColor(1, 1), EXCITATORY)).toBe(0);
    expect(distance(connectionColor(-1, 1), INHIBITORY)).toBe(0);
    // The weakest connection still stands apart from an unconnected pair.
    expect(distance(connectionColor(-1, 0), NEUTRAL)).toBeGreaterThan(40);
  });

  it('scales mV and pA connections separately', () => {
    const mixed = [pair(0, 1, { status: 'connected', sign: 1, pspAmplitude: 1e-4, strength: 9e-5 }), pair(1, 0, { status: 'connected', sign: 1, pspAmplitude: 20e-12, strength: 18e-12 })];
    const m = matrixModel([0, 1], mixed);
    expect([m[0]?.[1]?.intensity, m[1]?.[0]?.intensity]).toEqual([1, 1]);
  });

  it('tells IC (mV) from VC (pA) postsynaptic cells by magnitude, and by the present mode when there is no number', () => {
    const u = postUnits([pair(0, 1, { strength: 3e-5 }), pair(0, 2, { strength: -4e-12 }), pair(0, 3, { strength: null, pValue: null })], (hs) => (hs === 3 ? 'VC' : 'IC'));
    expect([u.get(1), u.get(2), u.get(3)]).toEqual([MILLIVOLT, PICOAMP, PICOAMP]);
  });

  it('takes the unit from the clamp mode the pairs onto a cell were measured in, when they name one', () => {
    // A tiny VC current that magnitude alone would not misread, and an IC pair with a pA-sized strength that it would.
    const u = postUnits([
      pair(0, 1, { strength: 5e-11, category: { mode: 'IC', holding: -0.055 } }),
      pair(0, 2, { strength: 2e-10, category: { mode: 'VC', holding: -0.07 } }),
      pair(0, 3, { strength: 3e-5, category: { mode: 'IC', holding: -0.07 } }),
      pair(1, 3, { strength: 2e-11, category: { mode: 'VC', holding: -0.07 } }),
    ]);
    // Cell 3 has both modes: magnitude decides, as for events without categories.
    expect([u.get(1), u.get(2), u.get(3)]).toEqual([MILLIVOLT, PICOAMP, MILLIVOLT]);
    expect(Object.fromEntries(pairDetails(pair(0, 1, { category: { mode: 'IC', holding: -0.055 } }), MILLIVOLT))['measured in']).toBe('IC at -55 mV');
    expect(Object.fromEntries(pairDetails(pair(0, 1), MILLIVOLT))['measured in']).toBe('–');
  });

  it('gives a pair\'s numbers in mV/pA, ms, p-value, trials, TM parameters and PPR per condition', () => {
    const p = pair(0, 1, {
      status: 'connected',
      sign: -1,
      pspAmplitude: -0.35e-3,
      pspLatency: 1.6e-3,
      pValue: 2.1e-6,
      trials: 12,
      tm: { U: 0.42, tauRec: 0.25, tauFacil: 0.012, relativeErrors: { U: 0.031, tauRec: 0.052, tauFacil: 0.26 }, unresolved: ['tauFacil'], category: { mode: 'VC', holding: -0.055 } },
      plasticity: [
        { frequency: 50, recoveryDelay: 0.25, trials: 6, amplitudes: [], pairedPulseRatio: 0.8 },
        { frequency: 20, recoveryDelay: 0.25, trials: 6, amplitudes: [], pairedPulseRatio: null },
      ],
    });
    expect(Object.fromEntries(pairDetails(p, MILLIVOLT))).toMatchObject({
      status: 'connected (inhibitory)',
      'PSP amplitude': '-0.350 mV',
      latency: '1.60 ms',
      'p-value': '2.1e-6',
      trials: '12',
      'TM U': '0.420 ± 3.1 %',
      'TM τrec': '250 ms ± 5.2 %',
      'TM τfacil': '12.0 ms ± 26 %',
      'TM precision': 'τfacil beyond ±15 %: add repetitions',
      'TM measured in': 'VC at -55 mV',
      'PPR 50 Hz · 250 ms': '0.800',
    });
    // PPRs in the plot legend's order (by frequency), whatever the event's order.
    expect(pairDetails(p, MILLIVOLT).slice(-2)).toEqual([['PPR 20 Hz · 250 ms', '–'], ['PPR 50 Hz · 250 ms', '0.800']]);
    expect(Object.fromEntries(pairDetails(pair(0, 1, { pspAmplitude: 25e-12 }), PICOAMP))['PSP amplitude']).toBe('25.0 pA');
    expect(Object.fromEntries(pairDetails(pair(0, 1), MILLIVOLT))).toMatchObject({ PPR: '–', 'TM U': '–', latency: '– ms', 'TM precision': '–' });
    // A depressing fit: no facilitation, so no error on τfacil; a parameter the data do not determine reads "± ?".
    const dep = pairDetails(pair(0, 1, { tm: { U: 0.5, tauRec: 0.8, tauFacil: 0, relativeErrors: { U: 0.02, tauRec: null, tauFacil: null }, unresolved: [], category: null } }), MILLIVOLT);
    expect(Object.fromEntries(dep)).toMatchObject({ 'TM U': '0.500 ± 2.0 %', 'TM τrec': '800 ms ± ?', 'TM τfacil': '0.000 ms', 'TM precision': 'within ±15 %' });
    expect([formatP(0.0321), formatP(null)]).toEqual(['0.032', '–']);
  });

  it('says what was analysed and what was left out', () => {
    expect(countsText(counts)).toBe('3 sweeps analysed: 2 used, 1 excluded · 40 responses used, 8 excluded · 2 recordings failed QC');
    expect(countsText({ sweeps: 1, includedSweeps: 0, excludedSweeps: 1, excludedRecordings: 1, usedResponses: 1, excludedResponses: 0 })).toMatch(/^1 sweep analysed: 0 used, 1 excluded · 1 response used.* · 1 recording failed QC$/);
  });

  it('shows the strongest connection by default', () => {
    expect(defaultPair(matrixModel([0, 1, 3], pairs))).toMatchObject({ pre: 0, post: 1 });
    expect(defaultPair(matrixModel([0, 3], pairs))).toBeUndefined();
  });
});

describe('plasticity curves', () => {
  const curves = [
    { frequency: 50, recoveryDelay: 0.25, trials: 5, amplitudes: [1e-3, 0.5e-3, null, ...Array<number>(9).fill(0.4e-3)], pairedPulseRatio: 0.5 },
    { frequency: 10, recoveryDelay: 0.25, trials: 1, amplitudes: [null, 1e-3], pairedPulseRatio: null },
  ];

  it('plots amplitude against pulses 1–12, one series per condition in frequency order, in display units', () => {
    const s = plasticitySeries(curves, MILLIVOLT, false);
    expect(s.x).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(s.series.map((x) => x.label)).toEqual(['10 Hz · 250 ms (1 trial)', '50 Hz · 250 ms (5 trials)']);
    expect(s.series[1]?.values.slice(0, 4)).toEqual([1, 0.5, null, 0.4]);
    // A curve shorter than 12 pulses is padded with gaps.
    expect(s.series[0]?.values).toHaveLength(12);
    expect(s.series[0]?.values.slice(0, 3)).toEqual([null, 1, null]);
  });

  it('normalises to pulse 1, leaving a condition without pulse 1 empty', () => {
    const s = plasticitySeries(curves, MILLIVOLT, true);
    expect(s.series[1]?.values.slice(0, 4)).toEqual([1, 0.5, null, 0.4]);
    expect(plasticitySeries([{ ...curves[0], amplitudes: [2e-3, 1e-3] } as (typeof curves)[0]], MILLIVOLT, true).series[0]?.values.slice(0, 2)).toEqual([1, 0.5]);
    expect(s.series[0]?.values.every((v) => v === null)).toBe(true);
  });
});
