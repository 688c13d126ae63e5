import Type from 'typebox';
import type { ClampMode } from '../../src/core/clamp.ts';
import type { PlannedHeadstage, PlannedSweep } from '../plan.ts';
import { TP_BASELINE_FRACTION_MAX, TP_BASELINE_FRACTION_MIN, testPulse as testPulseStimulus } from '../stimuli/test-pulse.ts';
import { type ProtocolContext, type ProtocolModule, headstageKeyProblems, amperes, count, ratio, safetyProblem, seconds, volts } from './common.ts';

/**
 * The continuous test pulse (reference §4): every headstage at once, one test-pulse window per
 * sweep (baseline, pulse, baseline), repeated by the runner until stopped; the plan holds `sweeps`
 * windows. Defaults are MIES's: 10 ms, 35 % baseline, +10 mV in VC, −50 pA in IC (§4.1).
 */
const Mode = Type.Enum(['VC', 'IC'], { description: 'clamp mode' });

export const TestPulseSchema = Type.Object(
  {
    protocol: Type.Literal('test-pulse', { default: 'test-pulse' }),
    mode: Type.Enum(['VC', 'IC'], { default: 'VC', description: 'clamp mode of every headstage not named in modes' }),
    modes: Type.Record(Type.String({ pattern: '^[0-9]+$' }), Mode, { default: {}, description: 'per-headstage clamp mode, keyed by headstage number ("2": "IC")' }),
    width: seconds('pulse width; MIES default 10 ms (reference §4.1)', { default: 0.01, exclusiveMinimum: 0, maximum: 1 }),
    baselineFraction: ratio('baseline before and after the pulse as a fraction of the window; MIES default 0.35, allowed 0.25–0.49 (reference §4.1)', {
      default: 0.35,
      minimum: TP_BASELINE_FRACTION_MIN,
      maximum: TP_BASELINE_FRACTION_MAX,
    }),
    amplitudeVC: volts('amplitude in voltage clamp; MIES default +10 mV (reference §4.1)', { default: 0.01 }),
    amplitudeIC: amperes('amplitude in current clamp; MIES default −50 pA (reference §4.1)', { default: -50e-12 }),
    holdingVC: Type.Optional(volts('holding command in voltage clamp; default: keep what is set')),
    holdingIC: Type.Optional(amperes('holding (bias) current in current clamp; default: keep what is set')),
    sweeps: count('test-pulse windows in the plan; the runner repeats the plan until stopped', { default: 1, minimum: 1, maximum: 100_000 }),
    interval: seconds('rest between windows', { default: 0, minimum: 0, maximum: 60 }),
  },
  { additionalProperties: false },
);
export type TestPulseDefinition = Type.Static<typeof TestPulseSchema>;

function modeOf(d: TestPulseDefinition, headstage: number): ClampMode {
  return d.modes[String(headstage)] ?? d.mode;
}

function problems(d: TestPulseDefinition, ctx: Partial<ProtocolContext>): string[] {
  const out: string[] = headstageKeyProblems('modes', d.modes);
  if (ctx.sampleRate !== undefined && Math.round(d.width * ctx.sampleRate) < 1) out.push(`width: ${d.width} s is shorter than one sample at ${ctx.sampleRate} Hz`);
  const limits = ctx.safety;
  if (limits) {
    const modes = new Set<ClampMode>([d.mode, ...Object.values(d.modes)]);
    if (modes.has('VC')) {
      out.push(...safetyProblem(limits, 'VC', d.holdingVC ?? 0, 'holdingVC'));
      out.push(...safetyProblem(limits, 'VC', (d.holdingVC ?? 0) + d.amplitudeVC, 'amplitudeVC'));
    }
    if (modes.has('IC')) {
      out.push(...safetyProblem(limits, 'IC', d.holdingIC ?? 0, 'holdingIC'));
      out.push(...safetyProblem(limits, 'IC', (d.holdingIC ?? 0) + d.amplitudeIC, 'amplitudeIC'));
    }
  }
  return out;
}

function expand(d: TestPulseDefinition, ctx: ProtocolContext) {
  const rate = ctx.sampleRate;
  const sweeps: PlannedSweep[] = [];
  for (let index = 0; index < d.sweeps; index++) {
    let scans = 0;
    const headstages: PlannedHeadstage[] = ctx.headstages.map((headstage) => {
      const mode = modeOf(d, headstage);
      const tp = testPulseStimulus({ sampleRate: rate, width: d.width, baselineFraction: d.baselineFraction, amplitude: mode === 'VC' ? d.amplitudeVC : d.amplitudeIC });
      scans = tp.samples.length;
      const holding = mode === 'VC' ? d.holdingVC : d.holdingIC;
      return { headstage, mode, stimulus: tp.samples, stimScale: 1, ...(holding !== undefined ? { holding } : {}), epochs: tp.epochs.map((e) => ({ ...e, headstage })) };
    });
    sweeps.push({
      index,
      protocol: 'test-pulse',
      stimulusName: 'TestPulse',
      sampleRate: rate,
      scans,
      headstages,
      epochs: [],
      parameters: { width: d.width, baselineFraction: d.baselineFraction, amplitudeVC: d.amplitudeVC, amplitudeIC: d.amplitudeIC, continuous: true },
      interSweepInterval: d.interval,
    });
  }
  return { protocol: 'test-pulse', definition: structuredClone(d), sweeps };
}

export const testPulse: ProtocolModule<TestPulseDefinition> = {
  id: 'test-pulse',
  title: 'Test pulse (continuous)',
  description: 'a square test pulse on every headstage at once, repeated until stopped, for live Ra, Ri, Cm, τ and holding current (reference §4)',
  schema: TestPulseSchema,
  problems,
  expand,
};
