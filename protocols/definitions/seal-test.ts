import Type from 'typebox';
import type { PlannedHeadstage, PlannedSweep } from '../plan.ts';
import { squareStep } from '../stimuli/square.ts';
import { EpochKind } from '../stimuli/timing.ts';
import { type ProtocolContext, type ProtocolModule, count, safetyProblem, seconds, volts } from './common.ts';

/**
 * The seal test: a voltage-clamp square pulse on every headstage, repeated while approaching and
 * sealing, to read pipette and seal resistance. Defaults follow ACQ4's Patch "Bath" preset:
 * VC, −10 mV, 10 ms delay / 10 ms pulse, 200 ms cycle (reference §4.4).
 */
export const SealTestSchema = Type.Object(
  {
    protocol: Type.Literal('seal-test', { default: 'seal-test' }),
    amplitude: volts('pulse amplitude; −10 mV (ACQ4 Bath preset, reference §4.4)', { default: -0.01 }),
    preDelay: seconds('baseline before the pulse; 10 ms (ACQ4 Bath preset, reference §4.4)', { default: 0.01, minimum: 0, maximum: 1 }),
    width: seconds('pulse width; 10 ms (ACQ4 Bath preset, reference §4.4)', { default: 0.01, exclusiveMinimum: 0, maximum: 1 }),
    postDelay: seconds('baseline after the pulse', { default: 0.01, minimum: 0, maximum: 1 }),
    period: seconds('start-to-start cycle of the pulses; 200 ms (ACQ4 Bath preset, reference §4.4)', { default: 0.2, exclusiveMinimum: 0, maximum: 60 }),
    holding: Type.Optional(volts('holding command; default: keep what is set')),
    sweeps: count('pulses in the plan; the runner repeats the plan until stopped', { default: 1, minimum: 1, maximum: 100_000 }),
  },
  { additionalProperties: false },
);
export type SealTestDefinition = Type.Static<typeof SealTestSchema>;

function problems(d: SealTestDefinition, ctx: Partial<ProtocolContext>): string[] {
  const out: string[] = [];
  const length = d.preDelay + d.width + d.postDelay;
  if (length > d.period + 1e-12) out.push(`period: ${d.period} s is shorter than preDelay + width + postDelay = ${length} s`);
  if (ctx.sampleRate !== undefined && Math.round(d.width * ctx.sampleRate) < 1) out.push(`width: ${d.width} s is shorter than one sample at ${ctx.sampleRate} Hz`);
  if (ctx.safety) {
    out.push(...safetyProblem(ctx.safety, 'VC', d.holding ?? 0, 'holding'));
    out.push(...safetyProblem(ctx.safety, 'VC', (d.holding ?? 0) + d.amplitude, 'amplitude'));
  }
  return out;
}

function expand(d: SealTestDefinition, ctx: ProtocolContext) {
  const rate = ctx.sampleRate;
  const sweeps: PlannedSweep[] = [];
  for (let index = 0; index < d.sweeps; index++) {
    const stim = squareStep({ sampleRate: rate, start: d.preDelay, width: d.width, amplitude: d.amplitude, duration: d.preDelay + d.width + d.postDelay, kind: EpochKind.testPulse });
    const headstages: PlannedHeadstage[] = ctx.headstages.map((headstage) => ({
      headstage,
      mode: 'VC',
      stimulus: stim.samples.slice(),
      stimScale: 1,
      ...(d.holding !== undefined ? { holding: d.holding } : {}),
      epochs: stim.epochs.map((e) => ({ ...e, headstage, params: { ...e.params } })),
    }));
    const scans = stim.samples.length;
    sweeps.push({
      index,
      protocol: 'seal-test',
      stimulusName: 'SealTest',
      sampleRate: rate,
      scans,
      headstages,
      epochs: [],
      parameters: { amplitude: d.amplitude, width: d.width, period: d.period, continuous: true },
      interSweepInterval: Math.max(0, d.period - scans / rate),
    });
  }
  return { protocol: 'seal-test', definition: structuredClone(d), sweeps };
}

export const sealTest: ProtocolModule<SealTestDefinition> = {
  id: 'seal-test',
  title: 'Seal test',
  description: 'a voltage-clamp square pulse on every headstage, repeated while approaching and sealing, for pipette and seal resistance (reference §4.4)',
  schema: SealTestSchema,
  problems,
  expand,
};
