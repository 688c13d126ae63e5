import { describe, expect, it } from 'vitest';
import { SYNPHYS_CONDITIONS, expandPlan, validateDefinition } from '../../../protocols/definitions/index.ts';
import type { Plan } from '../../../protocols/plan.ts';
import { toSample } from '../../../protocols/stimuli/timing.ts';
import { DEFAULT_SAFETY } from '../../../src/rig/schema.ts';
import { offsets, onsets, stimParams } from '../stimuli/helpers.ts';

const RATE = 20_000;
const HS = [0, 1, 2, 3, 4, 5, 6, 7];
const ctx = { headstages: HS, sampleRate: RATE, safety: DEFAULT_SAFETY };

describe('synphys-probe plan (reference §1–§3)', () => {
  const plan: Plan = expandPlan({ protocol: 'synphys-probe' }, ctx);

  it('is the grid of the 10 conditions × 5 repetitions, blocked by default, every condition named PulseTrain_<f>Hz_<d>ms', () => {
    expect(plan.sweeps).toHaveLength(50);
    expect(plan.sweeps.map((s) => s.index)).toEqual([...Array(50).keys()]);
    const grid = plan.sweeps.map((s) => [s.parameters.frequency, s.parameters.recoveryDelay, s.parameters.repetition]);
    const expected = SYNPHYS_CONDITIONS.flatMap((c) => [0, 1, 2, 3, 4].map((r) => [c.frequency, c.recoveryDelay, r]));
    expect(grid).toEqual(expected);
    expect(plan.sweeps[0]!.stimulusName).toBe('PulseTrain_10Hz_250ms');
    expect(plan.sweeps[49]!.stimulusName).toBe('PulseTrain_50Hz_4000ms');
    expect(plan.sweeps.every((s) => s.sampleRate === RATE && s.protocol === 'synphys-probe')).toBe(true);
  });

  it('from the command alone, recovers each train\'s induction frequency and recovery delay and matches the plan in samples (§1.2)', () => {
    for (const sweep of plan.sweeps) {
      const f = sweep.parameters.frequency as number;
      const d = sweep.parameters.recoveryDelay as number;
      const w = sweep.parameters.pulseWidth as number;
      for (const h of sweep.headstages) {
        const { indFreq, recDelay } = stimParams(h.stimulus, RATE);
        expect(indFreq).toBe(f);
        // The analysis measures onset to onset (d + w) and accepts a nominal delay within 5 ms.
        expect(Math.abs(recDelay - d)).toBeLessThanOrEqual(0.005);
        const on = onsets(h.stimulus);
        const off = offsets(h.stimulus);
        expect(on).toHaveLength(12);
        // Exactly in samples: the plan's pulse epochs are the pulses in the command.
        const pulses = h.epochs.filter((e) => e.kind === 'pulse');
        expect(pulses.map((e) => Math.round(e.start * RATE))).toEqual(on);
        expect(pulses.map((e) => Math.round(e.stop * RATE))).toEqual(off);
        expect(on[1]! - on[0]!).toBe(toSample(1 / f, RATE));
        expect(on[8]! - off[7]!).toBe(toSample(d, RATE));
        expect(off[0]! - on[0]!).toBe(toSample(w, RATE));
        expect(pulses.every((e) => e.headstage === h.headstage && e.params.frequency === f && e.params.recoveryDelay === d)).toBe(true);
      }
    }
  });

  it('stimulates each headstage in its own turn while every headstage records: onset_k = TP room + Σ_{j<k} set_j (§2)', () => {
    const tpRoom = toSample(0.01 / 0.3, RATE); // MIES test pulse, 10 ms at 35 % baseline
    for (const sweep of [plan.sweeps[0]!, plan.sweeps[49]!]) {
      const d = sweep.parameters.recoveryDelay as number;
      const f = sweep.parameters.frequency as number;
      // set = 0.2 s baseline + train (§1.3) + 0.2 s tail, in whole samples
      const set = toSample(0.2, RATE) + toSample(7 / f, RATE) + toSample(0.003, RATE) + toSample(d, RATE) + toSample(3 / f, RATE) + toSample(0.003, RATE) + toSample(0.2, RATE);
      expect(sweep.headstages.map((h) => h.headstage)).toEqual(HS);
      expect(sweep.scans).toBe(tpRoom + 8 * set);
      sweep.headstages.forEach((h, k) => {
        expect(h.stimulus.length).toBe(sweep.scans);
        const on = onsets(h.stimulus);
        expect(on[0]).toBe(tpRoom + k * set + toSample(0.2, RATE));
        // Nothing outside its turn: its command is its holding level while the others are stimulated.
        const turn = sweep.epochs.find((e) => e.kind === 'turn' && e.params.headstage === h.headstage)!;
        expect(Math.round(turn.start * RATE)).toBe(tpRoom + k * set);
        expect(Math.round(turn.stop * RATE)).toBe(tpRoom + (k + 1) * set);
        const outside = h.stimulus.filter((v, i) => v !== 0 && (i < turn.start * RATE || i >= turn.stop * RATE));
        expect(outside).toHaveLength(0);
        expect(h.epochs.filter((e) => e.kind !== 'test-pulse').every((e) => e.start >= turn.start - 1e-12 && e.stop <= turn.stop + 1e-12)).toBe(true);
      });
      expect(sweep.epochs.map((e) => e.params.headstage)).toEqual(HS);
    }
  });

  it('resolves each headstage: IC at the −70 mV target with the 1300 pA pulse and scale 1, an inserted MIES test pulse (§1.1, §3, §4.1)', () => {
    const h = plan.sweeps[0]!.headstages[3]!;
    expect(h).toMatchObject({ headstage: 3, mode: 'IC', stimScale: 1, targetPotential: -0.07 });
    expect(h.holding).toBeUndefined();
    expect(h.testPulse?.width).toBe(0.01);
    expect(h.testPulse?.amplitude).toBe(-50e-12);
    expect(h.testPulse?.start).toBeCloseTo(0.35 * (0.01 / 0.3), 12);
    expect(Math.max(...onsets(h.stimulus).map((i) => h.stimulus[i]!))).toBe(Math.fround(1.3e-9));
    expect(h.epochs[0]).toMatchObject({ kind: 'test-pulse', headstage: 3, params: { amplitude: -50e-12, inserted: true } });
  });

  it('rests 15 s start to start by default, or 15 s after the sweep in endToStart mode (§2)', () => {
    const s = plan.sweeps[0]!;
    expect(s.interSweepInterval).toBeCloseTo(15 - s.scans / RATE, 12);
    expect(s.parameters).toMatchObject({ interTrialInterval: 15, itiMode: 'startToStart' });
    const e = expandPlan({ protocol: 'synphys-probe', itiMode: 'endToStart', repetitions: 1 }, ctx);
    expect(e.sweeps.every((x) => x.interSweepInterval === 15)).toBe(true);
  });

  it('interleaves the conditions when asked, one sweep of each per round', () => {
    const p = expandPlan({ protocol: 'synphys-probe', order: 'interleaved' }, { ...ctx, headstages: [0, 1] });
    expect(p.sweeps.slice(0, 10).map((s) => s.parameters.condition)).toEqual([...Array(10).keys()]);
    expect(p.sweeps.slice(10, 20).map((s) => s.parameters.repetition)).toEqual(Array(10).fill(1));
  });

  it('repeats the grid per recording condition; a VC headstage holds its command and gets voltage pulses in its turn (§2, §3)', () => {
    const p = expandPlan(
      { protocol: 'synphys-probe', repetitions: 1, recording: [{ mode: 'IC', holdingPotential: -0.07 }, { mode: 'VC', holdingPotential: -0.055 }], stimScale: { '1': 1.2 } },
      { ...ctx, headstages: [0, 1] },
    );
    expect(p.sweeps).toHaveLength(20);
    const vc = p.sweeps[10]!;
    expect(vc.parameters).toMatchObject({ clampMode: 'VC', holdingPotential: -0.055 });
    expect(vc.headstages[0]).toMatchObject({ mode: 'VC', holding: -0.055, stimScale: 1 });
    expect(vc.headstages[1]!.stimScale).toBe(1.2);
    expect(vc.headstages[0]!.testPulse?.amplitude).toBe(0.01);
    expect(vc.headstages[0]!.stimulus[onsets(vc.headstages[0]!.stimulus)[0]!]).toBe(Math.fround(0.05));
  });

  it('steps a voltage-clamped cell for pulseWidthVC (2 ms: one escape spike), a current-clamped one for pulseWidth, on the same sweep layout', () => {
    const p = expandPlan({ protocol: 'synphys-probe', repetitions: 1, recording: [{ mode: 'IC', holdingPotential: -0.07 }, { mode: 'VC', holdingPotential: -0.055 }] }, { ...ctx, headstages: [0, 1] });
    const width = (s: (typeof p.sweeps)[number]) => s.headstages[0]!.epochs.filter((e) => e.kind === 'pulse').map((e) => Math.round((e.stop - e.start) * 1e6) / 1e6);
    const ic = p.sweeps[0]!;
    const vc = p.sweeps[10]!;
    expect(new Set(width(ic))).toEqual(new Set([0.003]));
    expect(new Set(width(vc))).toEqual(new Set([0.002]));
    expect(vc.parameters.pulseWidth).toBe(0.002);
    // The same condition lasts as long in either mode and each turn starts at the same time; the
    // recovery delay runs from the end of pulse 8, so pulses 9–12 come one width difference sooner.
    expect(vc.scans).toBe(ic.scans);
    const starts = (s: typeof ic) => s.headstages[1]!.epochs.filter((e) => e.kind === 'pulse').map((e) => e.start);
    starts(vc).forEach((t, k) => expect(t).toBeCloseTo((starts(ic)[k] as number) - (k >= 8 ? 0.001 : 0), 9));
    // Without a VC recording pulseWidthVC changes nothing: an IC plan with 1 ms pulses keeps its own layout.
    const icOnly = (w: number) => expandPlan({ protocol: 'synphys-probe', repetitions: 1, pulseWidth: 0.001, pulseWidthVC: w }, { ...ctx, headstages: [0, 1] }).sweeps[0]!.scans;
    expect(icOnly(0.004)).toBe(icOnly(0.0005));
    const v = validateDefinition('synphys-probe', { recording: [{ mode: 'VC', holdingPotential: -0.07 }], pulseWidthVC: 1e-5 }, ctx);
    expect(v.ok ? [] : v.errors).toContain('pulseWidthVC: 0.00001 s is shorter than one sample at 20000 Hz');
  });

  it('places the sets after onsetDelay and separates them by ddaqDelay (MIES Delay onset user / distributed DAQ, §2)', () => {
    const p = expandPlan({ protocol: 'synphys-probe', repetitions: 1, onsetDelay: 0.1, ddaqDelay: 0.5, testPulse: { insert: false } }, { ...ctx, headstages: [2, 5] });
    const s = p.sweeps[0]!;
    const set = toSample(0.2, RATE) + toSample(0.7, RATE) + 60 + toSample(0.25, RATE) + toSample(0.3, RATE) + 60 + toSample(0.2, RATE);
    expect(onsets(s.headstages[0]!.stimulus)[0]).toBe(2000 + 4000);
    expect(onsets(s.headstages[1]!.stimulus)[0]).toBe(2000 + set + 10_000 + 4000);
    expect(s.headstages.every((h) => h.testPulse === undefined)).toBe(true);
    expect(s.scans).toBe(2000 + 2 * set + 10_000);
  });

  it('repetitions of a condition share their stimulus arrays (memory does not grow with repetitions)', () => {
    expect(plan.sweeps[1]!.headstages[0]!.stimulus).toBe(plan.sweeps[0]!.headstages[0]!.stimulus);
    expect(plan.sweeps[5]!.headstages[0]!.stimulus).not.toBe(plan.sweeps[0]!.headstages[0]!.stimulus);
    expect(plan.sweeps[1]!.headstages[0]!.epochs).not.toBe(plan.sweeps[0]!.headstages[0]!.epochs);
  });

  it('keeps the resolved definition, JSON-serialisable, with the plan', () => {
    expect(JSON.parse(JSON.stringify(plan.definition))).toMatchObject({ protocol: 'synphys-probe', repetitions: 5, pulseWidth: 0.003, interSweepInterval: 15 });
  });
});
