import { describe, expect, it } from 'vitest';
import { PROTOCOL_IDS, ProtocolDefinitionError, expandPlan, getProtocol, listProtocols, validateDefinition } from '../../../protocols/definitions/index.ts';
import { DEFAULT_SAFETY } from '../../../src/rig/schema.ts';
import { onsets } from '../stimuli/helpers.ts';

const ctx = { headstages: [0, 1, 2], sampleRate: 20_000, safety: DEFAULT_SAFETY };

function errors(id: string, raw: unknown, c: Partial<typeof ctx> = ctx): string[] {
  const r = validateDefinition(id, raw, c);
  if (r.ok) throw new Error('expected the definition to be refused');
  return r.errors;
}

describe('protocol registry', () => {
  it('lists the five protocol ids, each with a schema, defaults and parameters carrying units', () => {
    expect(listProtocols().map((p) => p.id)).toEqual(['test-pulse', 'seal-test', 'synphys-probe', 'intrinsic-steps', 'chirp']);
    for (const id of PROTOCOL_IDS) {
      const p = getProtocol(id)!;
      expect(p.schema).toHaveProperty('properties');
      expect(validateDefinition(id, p.defaults, ctx)).toEqual({ ok: true, definition: p.defaults });
      for (const param of p.parameters) expect(param.description.length).toBeGreaterThan(5);
    }
    expect(getProtocol('nope')).toBeUndefined();
    expect(getProtocol('synphys-probe')!.parameters.find((p) => p.name === 'testPulse.baselineFraction')).toMatchObject({ default: 0.35, unit: '1' });
  });

  it('synphys-probe defaults match the reference tables (§1.1, §2, §3, §4.1)', () => {
    const d = getProtocol('synphys-probe')!.defaults as Record<string, unknown>;
    // §1.1: 10/20/50/100/200 Hz at 250 ms, and 50 Hz at 125/500/1000/2000/4000 ms; 3 ms; ≥ 5 repetitions; 15 s.
    expect(d.conditions).toEqual([
      { frequency: 10, recoveryDelay: 0.25 },
      { frequency: 20, recoveryDelay: 0.25 },
      { frequency: 50, recoveryDelay: 0.25 },
      { frequency: 100, recoveryDelay: 0.25 },
      { frequency: 200, recoveryDelay: 0.25 },
      { frequency: 50, recoveryDelay: 0.125 },
      { frequency: 50, recoveryDelay: 0.5 },
      { frequency: 50, recoveryDelay: 1 },
      { frequency: 50, recoveryDelay: 2 },
      { frequency: 50, recoveryDelay: 4 },
    ]);
    expect(d).toMatchObject({ pulseWidth: 0.003, pulseAmplitude: 1.3e-9, repetitions: 5, interSweepInterval: 15, itiMode: 'startToStart' });
    // §3: −70 mV in current clamp by default.
    expect(d.recording).toEqual([{ mode: 'IC', holdingPotential: -0.07 }]);
    // §4.1: MIES test pulse 10 ms, 35 %, +10 mV VC, −50 pA IC.
    expect(d.testPulse).toEqual({ insert: true, width: 0.01, baselineFraction: 0.35, amplitudeVC: 0.01, amplitudeIC: -50e-12 });
  });

  it('other defaults match the reference: test pulse (§4.1), seal test (§4.4), 1 s steps (§5), log chirp 1 → 15 Hz (§5)', () => {
    expect(getProtocol('test-pulse')!.defaults).toMatchObject({ mode: 'VC', width: 0.01, baselineFraction: 0.35, amplitudeVC: 0.01, amplitudeIC: -50e-12 });
    expect(getProtocol('seal-test')!.defaults).toMatchObject({ amplitude: -0.01, preDelay: 0.01, width: 0.01, period: 0.2 });
    expect(getProtocol('intrinsic-steps')!.defaults).toMatchObject({ stepDuration: 1, targetPotential: -0.07 });
    expect(getProtocol('chirp')!.defaults).toMatchObject({ startFrequency: 1, endFrequency: 15, scale: 'log' });
  });
});

describe('bad definitions are refused, naming the field', () => {
  it('a negative frequency', () => {
    expect(errors('synphys-probe', { conditions: [{ frequency: -20, recoveryDelay: 0.25 }] })).toEqual(['conditions[0].frequency: must be > 0']);
  });

  it('pulses that overlap (width ≥ 1/f)', () => {
    const e = errors('synphys-probe', { conditions: [{ frequency: 50, recoveryDelay: 0.25 }, { frequency: 400, recoveryDelay: 0.25 }] });
    expect(e).toEqual([expect.stringMatching(/^conditions\[1\]\.frequency: 3 ms pulses at 400 Hz overlap/)]);
    // 20 ms pulses: 50 Hz (period 20 ms) and faster overlap; 10 and 20 Hz do not.
    expect(errors('synphys-probe', { pulseWidth: 0.02 }).map((e) => e.split(':')[0])).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map((i) => `conditions[${i}].frequency`));
  });

  it('a train longer than the sweep', () => {
    const e = errors('synphys-probe', { sweepDuration: 10 });
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^sweepDuration: 10 s is shorter than the 13\.8\d+ s that conditions\[9\] \(50 Hz, 4 s delay\) needs for 3 headstages in turn$/);
    expect(errors('intrinsic-steps', { sweepDuration: 1 })[0]).toMatch(/^sweepDuration: 1 s is shorter than the \d\.\d+ s the steps need/);
    expect(errors('chirp', { sweepDuration: 3, layout: 'simultaneous' })[0]).toMatch(/^sweepDuration: 3 s is shorter than the 10\.\d+ s the chirps need/);
    expect(errors('seal-test', { period: 0.02 })).toEqual([expect.stringMatching(/^period: 0.02 s is shorter than preDelay \+ width \+ postDelay/)]);
  });

  it('an amplitude over the safety limit, with the per-cell scale that breaks it', () => {
    expect(errors('synphys-probe', { pulseAmplitude: 2.5e-9 })[0]).toBe("pulseAmplitude (× stimScale.0 = 1): 2500.0 pA exceeds the rig's limit of ±2000.0 pA");
    expect(errors('synphys-probe', { stimScale: { '2': 1.6 } })).toEqual(["pulseAmplitude (× stimScale.2 = 1.6): 2080.0 pA exceeds the rig's limit of ±2000.0 pA"]);
    expect(errors('synphys-probe', { recording: [{ mode: 'VC', holdingPotential: -0.07 }], pulseAmplitudeVC: -0.15 })).toEqual(
      ctx.headstages.map((h) => `pulseAmplitudeVC (× stimScale.${h} = 1, on recording[0].holdingPotential): -220.0 mV exceeds the rig's limit of ±200.0 mV`),
    );
    expect(errors('intrinsic-steps', { suprathreshold: [100e-12, 3e-9] })[0]).toMatch(/^suprathreshold\[1\] \(× stimScale\.0 = 1\): 3000\.0 pA exceeds/);
    expect(errors('test-pulse', { amplitudeVC: 0.25 })).toEqual(["amplitudeVC: 250.0 mV exceeds the rig's limit of ±200.0 mV"]);
    expect(errors('seal-test', { holding: -0.15, amplitude: -0.1 })).toEqual(["amplitude: -250.0 mV exceeds the rig's limit of ±200.0 mV"]);
    expect(errors('chirp', { amplitude: 3e-9 }, { safety: { maxCurrent: 1e-9, maxVoltage: 0.2 } })).toEqual(["amplitude (× (stimScale 1) = 1): 3000.0 pA exceeds the rig's limit of ±1000.0 pA"]);
  });

  it('unknown keys, listing the allowed ones', () => {
    const e = errors('chirp', { amplitude: 20e-12, frequncy: 5 });
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^frequncy: unknown key \(allowed: protocol, startFrequency, endFrequency, scale, amplitude, /);
    expect(errors('synphys-probe', { testPulse: { widht: 0.01 } })[0]).toMatch(/^testPulse\.widht: unknown key \(allowed: insert, width, baselineFraction, amplitudeVC, amplitudeIC\)$/);
    expect(errors('synphys-probe', { stimScale: { first: 2 } })).toEqual(['stimScale.first: unknown key (keys are headstage numbers, e.g. "0")']);
    expect(errors('test-pulse', { modes: { hs1: 'IC' } })).toEqual(['modes.hs1: unknown key (keys are headstage numbers, e.g. "0")']);
  });

  it('wrong types and values outside the allowed set', () => {
    expect(errors('synphys-probe', { repetitions: 2.5, pulseWidth: '3ms', order: 'random' })).toEqual([
      'pulseWidth: must be number, got "3ms"',
      'repetitions: must be integer, got 2.5',
      'order: "random" is not allowed (allowed: blocked, interleaved)',
    ]);
    expect(errors('intrinsic-steps', { hyperpolarising: [50e-12] })).toEqual(['hyperpolarising[0]: must be < 0']);
    expect(errors('test-pulse', { baselineFraction: 0.6 })).toEqual(['baselineFraction: must be <= 0.49']);
    expect(errors('test-pulse', { protocol: 'chirp' })).toEqual(['protocol: must be "test-pulse", not "chirp"']);
    expect(errors('synphys', {})).toEqual(['protocol: unknown protocol "synphys" (known: test-pulse, seal-test, synphys-probe, intrinsic-steps, chirp)']);
    expect(errors('chirp', { endFrequency: 9000 }, { ...ctx, sampleRate: 10_000 })).toEqual(['endFrequency: 9000 Hz is not below the Nyquist frequency 5000 Hz of 10000 Hz sampling']);
    expect(errors('chirp', {}, { ...ctx, headstages: [1, 1] })).toEqual(['headstages: each headstage may appear once, got 1, 1']);
  });

  it('expandPlan throws the same problems as a ProtocolDefinitionError before building anything', () => {
    try {
      expandPlan({ protocol: 'synphys-probe', conditions: [{ frequency: 400, recoveryDelay: 0.25 }] }, ctx);
      throw new Error('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolDefinitionError);
      expect((e as ProtocolDefinitionError).code).toBe('INVALID_PROTOCOL');
      expect((e as ProtocolDefinitionError).problems[0]).toMatch(/^conditions\[0\]\.frequency: /);
    }
    expect(() => expandPlan({ conditions: [] }, ctx)).toThrow(/protocol: undefined is not a protocol id/);
  });
});

describe('the other protocols expand into plans', () => {
  it('test-pulse: one window per sweep on every headstage at once, per-headstage modes', () => {
    const p = expandPlan({ protocol: 'test-pulse', modes: { '1': 'IC' }, sweeps: 2, holdingVC: -0.07 }, ctx);
    expect(p.sweeps).toHaveLength(2);
    const s = p.sweeps[0]!;
    expect(s.scans).toBe(667);
    expect(s.headstages.map((h) => h.mode)).toEqual(['VC', 'IC', 'VC']);
    expect(s.headstages.map((h) => h.holding)).toEqual([-0.07, undefined, -0.07]);
    expect(s.headstages.map((h) => onsets(h.stimulus))).toEqual([[233], [233], [233]]);
    expect(s.headstages[1]!.stimulus[233]).toBe(Math.fround(-50e-12));
  });

  it('seal-test: −10 mV for 10 ms after 10 ms, every 200 ms (ACQ4 Bath preset, §4.4)', () => {
    const s = expandPlan({ protocol: 'seal-test' }, ctx).sweeps[0]!;
    expect(s.scans).toBe(600);
    expect(s.interSweepInterval).toBeCloseTo(0.17, 12);
    expect(s.headstages.every((h) => h.mode === 'VC' && onsets(h.stimulus)[0] === 200 && h.stimulus[200] === Math.fround(-0.01) && h.stimulus[400] === 0)).toBe(true);
  });

  it('intrinsic-steps: one sweep per amplitude, hyperpolarising (TargetV) then suprathreshold (If_Curve), 1 s steps in turn', () => {
    const p = expandPlan({ protocol: 'intrinsic-steps', hyperpolarising: [-50e-12], suprathreshold: [100e-12, 200e-12] }, ctx);
    expect(p.sweeps.map((s) => [s.stimulusName, s.parameters.stepAmplitude])).toEqual([
      ['TargetV_DA_0', -50e-12],
      ['If_Curve_DA_0', 100e-12],
      ['If_Curve_DA_0', 200e-12],
    ]);
    const s = p.sweeps[1]!;
    const steps = s.headstages.map((h) => h.epochs.find((e) => e.kind === 'step')!);
    expect(steps.map((e) => Math.round((e.stop - e.start) * 20_000))).toEqual([20_000, 20_000, 20_000]);
    expect(steps[1]!.start).toBeGreaterThanOrEqual(steps[0]!.stop);
    expect(s.headstages.every((h) => h.mode === 'IC' && h.targetPotential === -0.07)).toBe(true);
    const together = expandPlan({ protocol: 'intrinsic-steps', layout: 'simultaneous', suprathreshold: [] }, ctx).sweeps[0]!;
    expect(new Set(together.headstages.map((h) => onsets(h.stimulus)[0])).size).toBe(1);
  });

  it('chirp: a log chirp 1 → 15 Hz in each headstage\'s turn', () => {
    const p = expandPlan({ protocol: 'chirp', chirpDuration: 2, repetitions: 1 }, { ...ctx, headstages: [4] });
    const h = p.sweeps[0]!.headstages[0]!;
    expect(h.epochs.find((e) => e.kind === 'chirp')).toMatchObject({ headstage: 4, params: { scale: 'log', startFrequency: 1, endFrequency: 15 } });
    expect(p.sweeps[0]!.stimulusName).toBe('Chirp_log_1_15Hz');
  });
});
