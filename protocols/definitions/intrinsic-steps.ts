import Type from 'typebox';
import type { PlannedSweep } from '../plan.ts';
import { squareStep } from '../stimuli/square.ts';
import {
  type ProtocolContext,
  type ProtocolModule,
  InsertedTestPulseSchema,
  ItiModeSchema,
  LayoutSchema,
  StimScaleSchema,
  amperes,
  count,
  insertedTestPulse,
  restAfter,
  safetyProblem,
  scaleField,
  scaleOf,
  scaledHeadstages,
  seconds,
  volts,
  headstageKeyProblems,
} from './common.ts';
import { framedSet, neededDuration } from './layout.ts';
import { setSweep } from './sweep-builder.ts';

/**
 * Intrinsic properties in current clamp (reference §5): 1 s current steps, hyperpolarising
 * (MIES family "TargetV") and suprathreshold (family "If_Curve"), one amplitude per sweep.
 * Amplitudes and counts per family are UNVERIFIED in the reference: the defaults are parameters.
 */
export const IntrinsicStepsSchema = Type.Object(
  {
    protocol: Type.Literal('intrinsic-steps', { default: 'intrinsic-steps' }),
    hyperpolarising: Type.Array(amperes('a hyperpolarising step amplitude', { exclusiveMaximum: 0 }), {
      default: [-20e-12, -40e-12, -60e-12, -80e-12, -100e-12],
      unit: 'A',
      description: 'hyperpolarising (subthreshold) step amplitudes, each < 0, one sweep each (A); UNVERIFIED defaults (reference §5)',
    }),
    suprathreshold: Type.Array(amperes('a suprathreshold step amplitude', { exclusiveMinimum: 0 }), {
      default: [100e-12, 150e-12, 200e-12, 250e-12, 300e-12],
      unit: 'A',
      description: 'suprathreshold (f–I) step amplitudes, each > 0, one sweep each (A); UNVERIFIED defaults (reference §5)',
    }),
    stepDuration: seconds('step length; 1 s (reference §5)', { default: 1, exclusiveMinimum: 0, maximum: 60 }),
    stimScale: StimScaleSchema,
    targetPotential: volts('membrane potential auto-bias holds between sweeps (reference §3)', { default: -0.07, minimum: -0.2, maximum: 0.2 }),
    repetitions: count('times the whole series is run', { default: 1, minimum: 1, maximum: 100 }),
    layout: LayoutSchema,
    baselineBefore: seconds('baseline in each set before the step; UNVERIFIED', { default: 0.2, minimum: 0, maximum: 10 }),
    tailAfter: seconds('tail in each set after the step; UNVERIFIED', { default: 0.5, minimum: 0, maximum: 10 }),
    onsetDelay: seconds('delay before the first set after the test pulse (MIES "Delay onset user")', { default: 0, minimum: 0, maximum: 10 }),
    ddaqDelay: seconds('gap between consecutive headstages\' sets in turn (MIES "Delay distributed DAQ")', { default: 0, minimum: 0, maximum: 10 }),
    interSweepInterval: seconds('rest between sweeps; UNVERIFIED', { default: 5, minimum: 0, maximum: 3600 }),
    itiMode: ItiModeSchema,
    sweepDuration: Type.Optional(seconds('fixed sweep length; default: as long as the sets need', { exclusiveMinimum: 0, maximum: 600 })),
    testPulse: InsertedTestPulseSchema,
  },
  { additionalProperties: false },
);
export type IntrinsicStepsDefinition = Type.Static<typeof IntrinsicStepsSchema>;

function steps(d: IntrinsicStepsDefinition): { field: string; amplitude: number; family: 'TargetV' | 'If_Curve' }[] {
  return [
    ...d.hyperpolarising.map((amplitude, i) => ({ field: `hyperpolarising[${i}]`, amplitude, family: 'TargetV' as const })),
    ...d.suprathreshold.map((amplitude, i) => ({ field: `suprathreshold[${i}]`, amplitude, family: 'If_Curve' as const })),
  ];
}

function layoutOf(d: IntrinsicStepsDefinition) {
  return { layout: d.layout, onsetDelay: d.onsetDelay, ddaqDelay: d.ddaqDelay, sweepDuration: d.sweepDuration };
}

function problems(d: IntrinsicStepsDefinition, ctx: Partial<ProtocolContext>): string[] {
  const out: string[] = headstageKeyProblems('stimScale', d.stimScale);
  if (steps(d).length === 0) out.push('hyperpolarising: at least one step amplitude is needed (here or in suprathreshold)');
  const rate = ctx.sampleRate;
  if (rate !== undefined && Math.round(d.stepDuration * rate) < 1) out.push(`stepDuration: ${d.stepDuration} s is shorter than one sample at ${rate} Hz`);
  if (d.sweepDuration !== undefined) {
    const n = ctx.headstages?.length ?? 1;
    const room = insertedTestPulse(d.testPulse, 'IC').room;
    const need = neededDuration(Array(n).fill(d.baselineBefore + d.stepDuration + d.tailAfter), { ...layoutOf(d), sampleRate: rate ?? 1e6, testPulseRoom: room });
    if (need > d.sweepDuration + 1e-9) out.push(`sweepDuration: ${d.sweepDuration} s is shorter than the ${need.toFixed(4)} s the steps need for ${n} headstage${n > 1 ? 's' : ''} (${d.layout})`);
  }
  if (ctx.safety) {
    for (const s of steps(d)) {
      for (const h of scaledHeadstages(d.stimScale, ctx.headstages)) {
        const k = scaleOf(d.stimScale, h);
        out.push(...safetyProblem(ctx.safety, 'IC', s.amplitude * k, `${s.field} (× ${scaleField(h)} = ${k})`));
      }
    }
    if (d.testPulse.insert) out.push(...safetyProblem(ctx.safety, 'IC', d.testPulse.amplitudeIC, 'testPulse.amplitudeIC'));
  }
  return [...new Set(out)];
}

function expand(d: IntrinsicStepsDefinition, ctx: ProtocolContext) {
  const rate = ctx.sampleRate;
  const series = steps(d);
  const sweeps: PlannedSweep[] = [];
  for (let repetition = 0; repetition < d.repetitions; repetition++) {
    series.forEach((s, step) => {
      sweeps.push(
        setSweep({
          protocol: 'intrinsic-steps',
          index: sweeps.length,
          stimulusName: `${s.family}_DA_0`,
          ctx,
          mode: 'IC',
          set: () => framedSet(squareStep({ sampleRate: rate, start: d.baselineBefore, width: d.stepDuration, amplitude: s.amplitude }), d.baselineBefore, d.tailAfter, rate),
          layout: layoutOf(d),
          testPulse: d.testPulse,
          stimScale: d.stimScale,
          targetPotential: d.targetPotential,
          parameters: { family: s.family, stepAmplitude: s.amplitude, stepDuration: d.stepDuration, step, repetition, interTrialInterval: d.interSweepInterval, itiMode: d.itiMode },
          rest: (duration) => restAfter(d.interSweepInterval, d.itiMode, duration),
        }),
      );
    });
  }
  return { protocol: 'intrinsic-steps', definition: structuredClone(d), sweeps };
}

export const intrinsicSteps: ProtocolModule<IntrinsicStepsDefinition> = {
  id: 'intrinsic-steps',
  title: 'Intrinsic current steps',
  description: '1 s current steps in current clamp, hyperpolarising (TargetV) then suprathreshold (If_Curve), one amplitude per sweep (reference §5)',
  schema: IntrinsicStepsSchema,
  problems,
  expand,
};
