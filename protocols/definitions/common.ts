import Type, { type TSchema } from 'typebox';
import Value from 'typebox/value';
import type { ClampMode } from '../../src/core/clamp.ts';
import type { Epoch, ParamValue } from '../../src/core/sweep.ts';
import { describeSchemaErrors, keyPath } from '../../src/rig/config-errors.ts';
import { SafetyLimitError, checkCommandLevel } from '../../src/rig/safety.ts';
import type { SafetyLimits } from '../../src/rig/schema.ts';
import type { InsertedTestPulse, Plan } from '../plan.ts';
import { TP_BASELINE_FRACTION_MAX, TP_BASELINE_FRACTION_MIN, testPulseGeometry } from '../stimuli/test-pulse.ts';
import { EpochKind, toSample } from '../stimuli/timing.ts';

/** Reference §6: patchrig samples at 20 kHz unless told otherwise (synphys stores 20 kHz snippets). */
export const DEFAULT_SAMPLE_RATE = 20_000;

/** What a definition is expanded against: the headstages in use, the sample clock and the rig's limits. */
export interface ProtocolContext {
  headstages: number[];
  /** Hz. */
  sampleRate: number;
  safety: SafetyLimits;
}

/** A definition that cannot be run; `problems` has one sentence per problem, each starting with the field. */
export class ProtocolDefinitionError extends Error {
  readonly code = 'INVALID_PROTOCOL';
  readonly problems: string[];
  constructor(protocol: string, problems: string[]) {
    super(`protocol definition ${protocol} is not valid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ProtocolDefinitionError';
    this.problems = problems;
  }
}

// Schema helpers: every quantity carries its SI unit both as a `unit` keyword (for tables and the UI)
// and in its description (for people reading the schema).
type NumOpts = { default?: number; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number };
const quantity = (unit: string) => (description: string, o: NumOpts = {}) => Type.Number({ ...o, unit, description: `${description} (${unit})` });
export const seconds = quantity('s');
export const hertz = quantity('Hz');
export const volts = quantity('V');
export const amperes = quantity('A');
/** A: in IC; V: in VC — for quantities whose unit follows the clamp mode. */
export const commandLevel = quantity('A in IC, V in VC');
export const ratio = (description: string, o: NumOpts = {}) => Type.Number({ ...o, unit: '1', description });
export const count = (description: string, o: { default?: number; minimum?: number; maximum?: number } = {}) => Type.Integer({ ...o, unit: '1', description });

export const ItiModeSchema = Type.Enum(['startToStart', 'endToStart'], {
  default: 'startToStart',
  description: 'how the inter-sweep interval is measured: start to start (MIES "Inter-trial interval") or end of one sweep to start of the next; which one synphys used is UNVERIFIED (reference §2)',
});

export const LayoutSchema = Type.Enum(['inTurn', 'simultaneous'], {
  default: 'inTurn',
  description: 'inTurn: each headstage gets its stimulus in its own turn while all record (MIES distributed DAQ, reference §2); simultaneous: all at once',
});

/** Per-cell stimulus scale (MIES "Stim Scale Factor", reference §1.1), keyed by headstage number. */
// Keys are checked by headstageKeyProblems, not additionalProperties: false (typebox 1.4.3's
// Value.Default throws on a Record with additionalProperties: false and a non-matching key).
export const StimScaleSchema = Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Number({ exclusiveMinimum: 0 }), {
  default: {},
  unit: '1',
  description: 'per-headstage stimulus scale factor, keyed by headstage number ("0": 1.2); absent headstages use 1; the runner may calibrate it',
});

/** The test pulse inserted at the start of every sweep (reference §4.1, MIES defaults). */
export const InsertedTestPulseSchema = Type.Object(
  {
    insert: Type.Boolean({ default: true, description: 'insert a test pulse at the start of every sweep (MIES "TP Insert Checkbox")' }),
    width: seconds('test pulse width; MIES default 10 ms (reference §4.1)', { default: 0.01, exclusiveMinimum: 0, maximum: 1 }),
    baselineFraction: ratio('baseline before and after the pulse as a fraction of the test pulse window; MIES default 0.35, allowed 0.25–0.49 (reference §4.1)', {
      default: 0.35,
      minimum: TP_BASELINE_FRACTION_MIN,
      maximum: TP_BASELINE_FRACTION_MAX,
    }),
    amplitudeVC: volts('test pulse amplitude in voltage clamp; MIES default +10 mV (reference §4.1)', { default: 0.01 }),
    amplitudeIC: amperes('test pulse amplitude in current clamp; MIES default −50 pA (reference §4.1)', { default: -50e-12 }),
  },
  { additionalProperties: false, default: {}, description: 'inserted test pulse' },
);
export type InsertedTestPulseOptions = Type.Static<typeof InsertedTestPulseSchema>;

/** Where the inserted test pulse sits and how much room it takes at the sweep start (MIES "Delay onset auto"). */
export function insertedTestPulse(tp: InsertedTestPulseOptions, mode: ClampMode): { room: number; pulse?: InsertedTestPulse } {
  if (!tp.insert) return { room: 0 };
  const { total, pulseOffset } = testPulseGeometry(tp.width, tp.baselineFraction);
  return { room: total, pulse: { start: pulseOffset, width: tp.width, amplitude: mode === 'VC' ? tp.amplitudeVC : tp.amplitudeIC } };
}

/** The epoch of an inserted test pulse on the sample grid, for the headstage's epoch list. */
export function testPulseEpoch(tp: InsertedTestPulse, sampleRate: number, headstage: number): Epoch {
  const first = toSample(tp.start, sampleRate);
  const n = toSample(tp.width, sampleRate);
  return { start: first / sampleRate, stop: (first + n) / sampleRate, kind: EpochKind.testPulse, headstage, params: { amplitude: tp.amplitude, width: tp.width, inserted: true } };
}

/** Fills defaults into a copy of `raw` and lists schema problems, one sentence per field. */
export function checkAgainstSchema(schema: TSchema, raw: unknown): { value: unknown; problems: string[] } {
  const value = Value.Default(schema, structuredClone(raw));
  const enums = new Map<string, unknown[]>();
  for (const e of Value.Errors(schema, value) as Iterable<{ keyword: string; instancePath: string; params: Record<string, unknown> }>) {
    if (e.keyword === 'enum') enums.set(keyPath(e.instancePath), (e.params.allowedValues as unknown[] | undefined) ?? []);
  }
  const problems = describeSchemaErrors(schema, value).map((p) => {
    // describeSchemaErrors says only "must be equal to one of the allowed values"; name them.
    const m = /^(.*): must be equal to one of the allowed values$/.exec(p);
    const key = m?.[1];
    const allowed = key === undefined ? undefined : enums.get(key);
    return key !== undefined && allowed ? `${key}: ${JSON.stringify(valueAtKey(value, key))} is not allowed (allowed: ${allowed.join(', ')})` : p;
  });
  return { value, problems };
}

function valueAtKey(root: unknown, key: string): unknown {
  let cur: unknown = root;
  for (const part of key.split(/[.[\]]+/).filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A safety-limit refusal as a problem naming the field, or nothing. */
export function safetyProblem(limits: SafetyLimits, mode: ClampMode, value: number, field: string): string[] {
  try {
    checkCommandLevel(limits, mode, value, field);
    return [];
  } catch (e) {
    if (e instanceof SafetyLimitError) return [e.message];
    throw e;
  }
}

/** Keys of a per-headstage map that are not headstage numbers. */
export function headstageKeyProblems(field: string, map: Record<string, unknown>): string[] {
  return Object.keys(map)
    .filter((k) => !/^[0-9]+$/.test(k))
    .map((k) => `${field}.${k}: unknown key (keys are headstage numbers, e.g. "0")`);
}

/** The scale factor of one headstage (1 when the definition does not name it). */
export function scaleOf(stimScale: Record<string, number>, headstage: number): number {
  return stimScale[String(headstage)] ?? 1;
}

/** The headstages whose scale matters for safety: those in use, or every one the definition names. */
export function scaledHeadstages(stimScale: Record<string, number>, headstages: readonly number[] | undefined): number[] {
  return headstages ? [...headstages] : [...Object.keys(stimScale).map(Number), -1];
}

export function scaleField(headstage: number): string {
  return headstage < 0 ? '(stimScale 1)' : `stimScale.${headstage}`;
}

/** Problems with the run context itself (headstages, sample rate). */
export function contextProblems(ctx: Partial<ProtocolContext>): string[] {
  const out: string[] = [];
  if (ctx.headstages !== undefined) {
    if (ctx.headstages.length === 0) out.push('headstages: at least one headstage is needed');
    if (ctx.headstages.some((h) => !Number.isInteger(h) || h < 0)) out.push(`headstages: must be whole numbers ≥ 0, got ${ctx.headstages.join(', ')}`);
    if (new Set(ctx.headstages).size !== ctx.headstages.length) out.push(`headstages: each headstage may appear once, got ${ctx.headstages.join(', ')}`);
  }
  if (ctx.sampleRate !== undefined && !(Number.isFinite(ctx.sampleRate) && ctx.sampleRate > 0)) out.push(`sampleRate: must be a positive number of Hz, got ${ctx.sampleRate}`);
  return out;
}

/** Rest after a sweep of `duration` s so that the interval is honoured in the mode asked for. */
export function restAfter(interval: number, mode: 'startToStart' | 'endToStart', duration: number): number {
  return mode === 'startToStart' ? Math.max(0, interval - duration) : interval;
}

/** The order of (condition, repetition) pairs: blocked = every repetition of one condition, then the next. */
export function ordered<T>(conditions: readonly T[], repetitions: number, order: 'blocked' | 'interleaved'): { condition: T; conditionIndex: number; repetition: number }[] {
  const out: { condition: T; conditionIndex: number; repetition: number }[] = [];
  if (order === 'blocked') conditions.forEach((condition, conditionIndex) => { for (let repetition = 0; repetition < repetitions; repetition++) out.push({ condition, conditionIndex, repetition }); });
  else for (let repetition = 0; repetition < repetitions; repetition++) conditions.forEach((condition, conditionIndex) => out.push({ condition, conditionIndex, repetition }));
  return out;
}

/** A protocol as the registry knows it; `D` is the definition with defaults filled in. */
export interface ProtocolModule<D> {
  id: string;
  title: string;
  description: string;
  schema: TSchema;
  /** Cross-field and safety problems of a schema-valid definition (context fields may be unknown). */
  problems(definition: D, ctx: Partial<ProtocolContext>): string[];
  /** The plan of a valid definition. */
  expand(definition: D, ctx: ProtocolContext): Plan;
}

export type Params = Record<string, ParamValue>;
