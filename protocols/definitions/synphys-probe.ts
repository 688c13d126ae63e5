import Type from 'typebox';
import type { PlannedSweep } from '../plan.ts';
import { pulseTrain, trainDuration, trainProblem } from '../stimuli/pulse-train.ts';
import {
  type ProtocolContext,
  type ProtocolModule,
  InsertedTestPulseSchema,
  ItiModeSchema,
  StimScaleSchema,
  amperes,
  count,
  hertz,
  insertedTestPulse,
  ordered,
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
 * The Synaptic Physiology multipatch probe (reference §1–§3): per sweep, each headstage in turn
 * plays the 12-pulse train (8 induction pulses at f, recovery delay, 4 recovery pulses) while
 * every headstage records; the grid of (frequency, recovery delay) conditions is repeated.
 */

const Condition = Type.Object(
  {
    frequency: hertz('induction (and recovery) pulse frequency', { exclusiveMinimum: 0, maximum: 1000 }),
    recoveryDelay: seconds('end of pulse 8 to onset of pulse 9 (reference §1.2)', { minimum: 0, maximum: 60 }),
  },
  { additionalProperties: false },
);

/** Reference §1.1: {10, 20, 50, 100, 200 Hz} × 250 ms ∪ 50 Hz × {125, 500, 1000, 2000, 4000 ms}. */
export const SYNPHYS_CONDITIONS: readonly { frequency: number; recoveryDelay: number }[] = [
  ...[10, 20, 50, 100, 200].map((frequency) => ({ frequency, recoveryDelay: 0.25 })),
  ...[0.125, 0.5, 1, 2, 4].map((recoveryDelay) => ({ frequency: 50, recoveryDelay })),
];

const Recording = Type.Object(
  {
    mode: Type.Enum(['IC', 'VC'], { description: 'clamp mode of every headstage in these sweeps' }),
    holdingPotential: volts('target potential: holding command in VC, auto-bias target in IC; −70 mV for excitatory, −55 mV for inhibitory detection (reference §3)', {
      minimum: -0.2,
      maximum: 0.2,
    }),
  },
  { additionalProperties: false },
);

export const SynphysProbeSchema = Type.Object(
  {
    protocol: Type.Literal('synphys-probe', { default: 'synphys-probe' }),
    conditions: Type.Array(Condition, {
      minItems: 1,
      default: SYNPHYS_CONDITIONS.map((c) => ({ ...c })),
      description: '(frequency, recovery delay) grid; default 10/20/50/100/200 Hz at 250 ms and 50 Hz at 125/500/1000/2000/4000 ms (reference §1.1)',
    }),
    pulseWidth: seconds('width of every pulse; 3 ms in the published example, UNVERIFIED for every stimset (reference §1.1)', { default: 0.003, exclusiveMinimum: 0, maximum: 0.1 }),
    pulseAmplitude: amperes('pulse amplitude in current clamp before the per-cell scale; 1300 pA delivered in the published example (reference §1.1)', { default: 1.3e-9 }),
    pulseAmplitudeVC: volts('pulse amplitude of a headstage in voltage clamp during its own turn; UNVERIFIED (reference §2)', { default: 0.05 }),
    pulseWidthVC: seconds(
      'width of a pulse in voltage clamp: the step evokes an escape action current ≈ 0.5–1 ms after its onset, and a fast-spiking cell held at −55 mV escapes again ≈ 2.5 ms into a 50 mV step, which fails the one-spike check; UNVERIFIED',
      { default: 0.002, exclusiveMinimum: 0, maximum: 0.1 },
    ),
    stimScale: StimScaleSchema,
    repetitions: count('sweeps per condition; the synphys portal asks for ≥ 5 (reference §1.1)', { default: 5, minimum: 1, maximum: 1000 }),
    order: Type.Enum(['blocked', 'interleaved'], {
      default: 'blocked',
      description: 'blocked: every repetition of a condition, then the next; interleaved: one sweep of each condition per round; UNVERIFIED (reference §1.1)',
    }),
    recording: Type.Array(Recording, {
      minItems: 1,
      default: [{ mode: 'IC', holdingPotential: -0.07 }],
      description: 'clamp mode and holding of the recording cells; each entry repeats the grid; reference §3 lists IC and VC at −70 and −55 mV',
    }),
    interSweepInterval: seconds('rest between sweeps; 15 s (reference §1.1, §2)', { default: 15, minimum: 0, maximum: 3600 }),
    itiMode: ItiModeSchema,
    baselineBefore: seconds('baseline in each headstage\'s set before pulse 1; UNVERIFIED', { default: 0.2, minimum: 0, maximum: 10 }),
    tailAfter: seconds('tail in each headstage\'s set after pulse 12; ≥ 0.1 s leaves settled baseline for QC (reference §7.1); UNVERIFIED', { default: 0.2, minimum: 0, maximum: 10 }),
    onsetDelay: seconds('delay before the first set after the test pulse (MIES "Delay onset user")', { default: 0, minimum: 0, maximum: 10 }),
    ddaqDelay: seconds('gap between consecutive headstages\' sets (MIES "Delay distributed DAQ")', { default: 0, minimum: 0, maximum: 10 }),
    sweepDuration: Type.Optional(seconds('fixed sweep length; default: as long as the sets need', { exclusiveMinimum: 0, maximum: 600 })),
    testPulse: InsertedTestPulseSchema,
  },
  { additionalProperties: false },
);
export type SynphysProbeDefinition = Type.Static<typeof SynphysProbeSchema>;

/** The stimulus set name (reference §1.4: contains "PulseTrain" and the frequency). */
export function probeStimulusName(frequency: number, recoveryDelay: number): string {
  return `PulseTrain_${frequency}Hz_${Math.round(recoveryDelay * 1e3)}ms`;
}

/** The widest pulse of the plan (pulseWidthVC counts only when a recording is in VC): every sweep of the grid gets room for it, whatever its clamp mode. */
function widestPulse(d: SynphysProbeDefinition): number {
  return Math.max(d.pulseWidth, d.recording.some((r) => r.mode === 'VC') ? d.pulseWidthVC : 0);
}

function setDuration(d: SynphysProbeDefinition, c: { frequency: number; recoveryDelay: number }): number {
  return d.baselineBefore + trainDuration({ frequency: c.frequency, width: widestPulse(d), recoveryDelay: c.recoveryDelay }) + d.tailAfter;
}

function layoutOf(d: SynphysProbeDefinition, sampleRate: number) {
  const room = insertedTestPulse(d.testPulse, 'IC').room;
  return { sampleRate, layout: 'inTurn' as const, testPulseRoom: room, onsetDelay: d.onsetDelay, ddaqDelay: d.ddaqDelay, sweepDuration: d.sweepDuration };
}

function problems(d: SynphysProbeDefinition, ctx: Partial<ProtocolContext>): string[] {
  const out: string[] = headstageKeyProblems('stimScale', d.stimScale);
  const rate = ctx.sampleRate;
  const seen = new Map<string, number>();
  d.conditions.forEach((c, i) => {
    const key = `${c.frequency}/${c.recoveryDelay}`;
    const prev = seen.get(key);
    if (prev !== undefined) out.push(`conditions[${i}]: repeats conditions[${prev}] (${c.frequency} Hz, ${c.recoveryDelay} s)`);
    seen.set(key, i);
    const problem = trainProblem(c.frequency, widestPulse(d), rate ?? 1e12);
    if (problem) out.push(`conditions[${i}].frequency: ${problem}`);
  });
  if (rate !== undefined && Math.round(d.pulseWidth * rate) < 1) out.push(`pulseWidth: ${d.pulseWidth} s is shorter than one sample at ${rate} Hz`);
  if (rate !== undefined && d.recording.some((r) => r.mode === 'VC') && Math.round(d.pulseWidthVC * rate) < 1) {
    out.push(`pulseWidthVC: ${d.pulseWidthVC} s is shorter than one sample at ${rate} Hz`);
  }
  if (d.sweepDuration !== undefined) {
    const n = ctx.headstages?.length ?? 1;
    d.conditions.forEach((c, i) => {
      const need = neededDuration(Array(n).fill(setDuration(d, c)), layoutOf(d, rate ?? 1e6));
      if (need > d.sweepDuration! + 1e-9) {
        out.push(`sweepDuration: ${d.sweepDuration} s is shorter than the ${need.toFixed(4)} s that conditions[${i}] (${c.frequency} Hz, ${c.recoveryDelay} s delay) needs for ${n} headstage${n > 1 ? 's' : ''} in turn`);
      }
    });
  }
  const limits = ctx.safety;
  if (limits) {
    const hss = scaledHeadstages(d.stimScale, ctx.headstages);
    d.recording.forEach((r, i) => {
      if (r.mode === 'VC') {
        out.push(...safetyProblem(limits, 'VC', r.holdingPotential, `recording[${i}].holdingPotential`));
        for (const h of hss) {
          const s = scaleOf(d.stimScale, h);
          out.push(...safetyProblem(limits, 'VC', r.holdingPotential + d.pulseAmplitudeVC * s, `pulseAmplitudeVC (× ${scaleField(h)} = ${s}, on recording[${i}].holdingPotential)`));
        }
        if (d.testPulse.insert) out.push(...safetyProblem(limits, 'VC', r.holdingPotential + d.testPulse.amplitudeVC, `testPulse.amplitudeVC (on recording[${i}].holdingPotential)`));
      }
    });
    if (d.recording.some((r) => r.mode === 'IC')) {
      // The IC bias current is only known at run time (auto-bias); the engine checks the total again.
      for (const h of hss) {
        const s = scaleOf(d.stimScale, h);
        out.push(...safetyProblem(limits, 'IC', d.pulseAmplitude * s, `pulseAmplitude (× ${scaleField(h)} = ${s})`));
      }
      if (d.testPulse.insert) out.push(...safetyProblem(limits, 'IC', d.testPulse.amplitudeIC, 'testPulse.amplitudeIC'));
    }
  }
  return [...new Set(out)];
}

function expand(d: SynphysProbeDefinition, ctx: ProtocolContext) {
  const rate = ctx.sampleRate;
  const grid = d.recording.flatMap((recording, recordingIndex) =>
    ordered(d.conditions, d.repetitions, d.order).map((o) => ({ ...o, recording, recordingIndex })),
  );
  // Repetitions of a condition play identical stimuli: they share one (read-only) array per headstage,
  // so the plan's memory does not grow with the number of repetitions.
  const shared = new Map<string, Float32Array[]>();
  const sweeps: PlannedSweep[] = grid.map(({ condition: c, conditionIndex, repetition, recording, recordingIndex }, index) => {
    const mode = recording.mode;
    const amplitude = mode === 'VC' ? d.pulseAmplitudeVC : d.pulseAmplitude;
    const width = mode === 'VC' ? d.pulseWidthVC : d.pulseWidth;
    const sweep = setSweep({
      protocol: 'synphys-probe',
      index,
      stimulusName: probeStimulusName(c.frequency, c.recoveryDelay),
      ctx,
      mode,
      // The tail makes up for a narrower pulse (the train's duration counts its width twice), so a condition's sweeps have one layout in either mode.
      set: () => framedSet(pulseTrain({ sampleRate: rate, start: d.baselineBefore, frequency: c.frequency, width, amplitude, recoveryDelay: c.recoveryDelay }), d.baselineBefore, d.tailAfter + 2 * (widestPulse(d) - width), rate),
      layout: { layout: 'inTurn', onsetDelay: d.onsetDelay, ddaqDelay: d.ddaqDelay, sweepDuration: d.sweepDuration },
      testPulse: d.testPulse,
      stimScale: d.stimScale,
      ...(mode === 'VC' ? { holding: recording.holdingPotential } : { targetPotential: recording.holdingPotential }),
      parameters: {
        frequency: c.frequency,
        recoveryDelay: c.recoveryDelay,
        condition: conditionIndex,
        repetition,
        clampMode: mode,
        holdingPotential: recording.holdingPotential,
        recordingCondition: recordingIndex,
        pulseWidth: width,
        pulseAmplitude: amplitude,
        order: d.order,
        interTrialInterval: d.interSweepInterval,
        itiMode: d.itiMode,
      },
      rest: (duration) => restAfter(d.interSweepInterval, d.itiMode, duration),
    });
    for (const h of sweep.headstages) for (const e of h.epochs) if (e.kind === 'pulse') e.params.recoveryDelay = c.recoveryDelay;
    const key = `${recordingIndex}/${conditionIndex}`;
    const arrays = shared.get(key);
    if (arrays) sweep.headstages.forEach((h, i) => (h.stimulus = arrays[i] ?? h.stimulus));
    else shared.set(key, sweep.headstages.map((h) => h.stimulus));
    return sweep;
  });
  return { protocol: 'synphys-probe', definition: structuredClone(d), sweeps };
}

export const synphysProbe: ProtocolModule<SynphysProbeDefinition> = {
  id: 'synphys-probe',
  title: 'Synaptic Physiology multipatch probe',
  description: '12-pulse trains (8 at f, recovery delay, 4 at f) delivered to each cell in turn while every cell records; the grid of frequencies and delays, repeated (reference §1–§3)',
  schema: SynphysProbeSchema,
  problems,
  expand,
};
