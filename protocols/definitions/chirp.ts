import Type from 'typebox';
import type { PlannedSweep } from '../plan.ts';
import { chirp as chirpStimulus } from '../stimuli/chirp.ts';
import {
  type ProtocolContext,
  type ProtocolModule,
  InsertedTestPulseSchema,
  ItiModeSchema,
  LayoutSchema,
  StimScaleSchema,
  amperes,
  count,
  hertz,
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
 * Chirp in current clamp (reference §5): a sinusoid whose frequency rises from startFrequency to
 * endFrequency, for the impedance profile (IPFX extract_chirp_fft, 1–15 Hz band). Range, length and
 * amplitude are UNVERIFIED in the reference; defaults: logarithmic 1 → 15 Hz, subthreshold amplitude.
 */
export const ChirpSchema = Type.Object(
  {
    protocol: Type.Literal('chirp', { default: 'chirp' }),
    startFrequency: hertz('frequency at the chirp onset; 1 Hz, the analysis band\'s low end (reference §5)', { default: 1, exclusiveMinimum: 0, maximum: 10_000 }),
    endFrequency: hertz('frequency at the chirp end; 15 Hz, the analysis band\'s high end (reference §5)', { default: 15, exclusiveMinimum: 0, maximum: 10_000 }),
    scale: Type.Enum(['log', 'linear'], { default: 'log', description: 'how the frequency rises: log (MIES "Log chirp") or linear (reference §5)' }),
    amplitude: amperes('peak current; chosen per cell to stay subthreshold; UNVERIFIED default', { default: 50e-12 }),
    chirpDuration: seconds('chirp length; UNVERIFIED default', { default: 10, exclusiveMinimum: 0, maximum: 120 }),
    stimScale: StimScaleSchema,
    targetPotential: volts('membrane potential auto-bias holds between sweeps (reference §3)', { default: -0.07, minimum: -0.2, maximum: 0.2 }),
    repetitions: count('sweeps', { default: 3, minimum: 1, maximum: 100 }),
    layout: LayoutSchema,
    baselineBefore: seconds('baseline in each set before the chirp; UNVERIFIED', { default: 0.2, minimum: 0, maximum: 10 }),
    tailAfter: seconds('tail in each set after the chirp; UNVERIFIED', { default: 0.2, minimum: 0, maximum: 10 }),
    onsetDelay: seconds('delay before the first set after the test pulse (MIES "Delay onset user")', { default: 0, minimum: 0, maximum: 10 }),
    ddaqDelay: seconds('gap between consecutive headstages\' sets in turn (MIES "Delay distributed DAQ")', { default: 0, minimum: 0, maximum: 10 }),
    interSweepInterval: seconds('rest between sweeps; UNVERIFIED', { default: 5, minimum: 0, maximum: 3600 }),
    itiMode: ItiModeSchema,
    sweepDuration: Type.Optional(seconds('fixed sweep length; default: as long as the sets need', { exclusiveMinimum: 0, maximum: 900 })),
    testPulse: InsertedTestPulseSchema,
  },
  { additionalProperties: false },
);
export type ChirpDefinition = Type.Static<typeof ChirpSchema>;

function layoutOf(d: ChirpDefinition) {
  return { layout: d.layout, onsetDelay: d.onsetDelay, ddaqDelay: d.ddaqDelay, sweepDuration: d.sweepDuration };
}

function problems(d: ChirpDefinition, ctx: Partial<ProtocolContext>): string[] {
  const out: string[] = headstageKeyProblems('stimScale', d.stimScale);
  const rate = ctx.sampleRate;
  if (rate !== undefined) {
    for (const f of ['startFrequency', 'endFrequency'] as const) {
      if (d[f] >= rate / 2) out.push(`${f}: ${d[f]} Hz is not below the Nyquist frequency ${rate / 2} Hz of ${rate} Hz sampling`);
    }
  }
  if (d.sweepDuration !== undefined) {
    const n = ctx.headstages?.length ?? 1;
    const room = insertedTestPulse(d.testPulse, 'IC').room;
    const need = neededDuration(Array(n).fill(d.baselineBefore + d.chirpDuration + d.tailAfter), { ...layoutOf(d), sampleRate: rate ?? 1e6, testPulseRoom: room });
    if (need > d.sweepDuration + 1e-9) out.push(`sweepDuration: ${d.sweepDuration} s is shorter than the ${need.toFixed(4)} s the chirps need for ${n} headstage${n > 1 ? 's' : ''} (${d.layout})`);
  }
  if (ctx.safety) {
    for (const h of scaledHeadstages(d.stimScale, ctx.headstages)) {
      const k = scaleOf(d.stimScale, h);
      out.push(...safetyProblem(ctx.safety, 'IC', d.amplitude * k, `amplitude (× ${scaleField(h)} = ${k})`));
    }
    if (d.testPulse.insert) out.push(...safetyProblem(ctx.safety, 'IC', d.testPulse.amplitudeIC, 'testPulse.amplitudeIC'));
  }
  return [...new Set(out)];
}

function expand(d: ChirpDefinition, ctx: ProtocolContext) {
  const rate = ctx.sampleRate;
  const sweeps: PlannedSweep[] = [];
  for (let repetition = 0; repetition < d.repetitions; repetition++) {
    sweeps.push(
      setSweep({
        protocol: 'chirp',
        index: repetition,
        stimulusName: `Chirp_${d.scale}_${d.startFrequency}_${d.endFrequency}Hz`,
        ctx,
        mode: 'IC',
        set: () =>
          framedSet(
            chirpStimulus({ sampleRate: rate, start: d.baselineBefore, chirpDuration: d.chirpDuration, startFrequency: d.startFrequency, endFrequency: d.endFrequency, amplitude: d.amplitude, scale: d.scale }),
            d.baselineBefore,
            d.tailAfter,
            rate,
          ),
        layout: layoutOf(d),
        testPulse: d.testPulse,
        stimScale: d.stimScale,
        targetPotential: d.targetPotential,
        parameters: { startFrequency: d.startFrequency, endFrequency: d.endFrequency, scale: d.scale, amplitude: d.amplitude, chirpDuration: d.chirpDuration, repetition, interTrialInterval: d.interSweepInterval, itiMode: d.itiMode },
        rest: (duration) => restAfter(d.interSweepInterval, d.itiMode, duration),
      }),
    );
  }
  return { protocol: 'chirp', definition: structuredClone(d), sweeps };
}

export const chirp: ProtocolModule<ChirpDefinition> = {
  id: 'chirp',
  title: 'Chirp',
  description: 'a sinusoidal current of rising frequency in current clamp, for the impedance profile (reference §5)',
  schema: ChirpSchema,
  problems,
  expand,
};
