import type { TSchema } from 'typebox';
import type { Plan } from '../plan.ts';
import { type ChirpDefinition, chirp } from './chirp.ts';
import { type ProtocolContext, type ProtocolModule, ProtocolDefinitionError, checkAgainstSchema, contextProblems } from './common.ts';
import { type IntrinsicStepsDefinition, intrinsicSteps } from './intrinsic-steps.ts';
import { type SealTestDefinition, sealTest } from './seal-test.ts';
import { type SynphysProbeDefinition, synphysProbe } from './synphys-probe.ts';
import { type TestPulseDefinition, testPulse } from './test-pulse.ts';

/**
 * The protocol registry: ids, schemas (exported for the HTTP API and the UI), defaults, parameter
 * tables, validation naming every bad field, and expansion into a Plan (DESIGN §5).
 */
export { ProtocolDefinitionError, DEFAULT_SAMPLE_RATE, type ProtocolContext } from './common.ts';
export { ChirpSchema } from './chirp.ts';
export { IntrinsicStepsSchema } from './intrinsic-steps.ts';
export { SealTestSchema } from './seal-test.ts';
export { SynphysProbeSchema, SYNPHYS_CONDITIONS, probeStimulusName } from './synphys-probe.ts';
export { TestPulseSchema } from './test-pulse.ts';
export type { ChirpDefinition, IntrinsicStepsDefinition, SealTestDefinition, SynphysProbeDefinition, TestPulseDefinition };

export const PROTOCOL_IDS = ['test-pulse', 'seal-test', 'synphys-probe', 'intrinsic-steps', 'chirp'] as const;
export type ProtocolId = (typeof PROTOCOL_IDS)[number];

/** A definition with every default filled in. */
export type ProtocolDefinition = TestPulseDefinition | SealTestDefinition | SynphysProbeDefinition | IntrinsicStepsDefinition | ChirpDefinition;

// Each module is typed by its own definition; the registry only hands it values its schema accepted.
const MODULES: Record<ProtocolId, ProtocolModule<never>> = {
  'test-pulse': testPulse as ProtocolModule<never>,
  'seal-test': sealTest as ProtocolModule<never>,
  'synphys-probe': synphysProbe as ProtocolModule<never>,
  'intrinsic-steps': intrinsicSteps as ProtocolModule<never>,
  chirp: chirp as ProtocolModule<never>,
};

export function isProtocolId(id: string): id is ProtocolId {
  return (PROTOCOL_IDS as readonly string[]).includes(id);
}

/** One parameter as `patchrig protocols` and the UI show it. */
export interface ParameterInfo {
  /** Dotted key path, e.g. `testPulse.width`. */
  name: string;
  /** What values it takes, e.g. "number > 0", "one of blocked, interleaved". */
  type: string;
  default: unknown;
  /** SI unit ('1' for plain numbers), or '' for non-quantities. */
  unit: string;
  description: string;
  optional: boolean;
}

export interface ProtocolInfo {
  id: ProtocolId;
  title: string;
  description: string;
  schema: TSchema;
  /** The definition with every default filled in. */
  defaults: ProtocolDefinition;
  parameters: ParameterInfo[];
}

type SchemaNode = Record<string, unknown>;

function typeOf(s: SchemaNode): string {
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`;
  const bounds = (['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum'] as const)
    .filter((k) => typeof s[k] === 'number')
    .map((k) => `${k.includes('inimum') ? (k.startsWith('ex') ? '>' : '≥') : k.startsWith('ex') ? '<' : '≤'} ${String(s[k])}`);
  switch (s.type) {
    case 'number':
    case 'integer':
      return [s.type, ...bounds].join(' ');
    case 'array': {
      const items = (s.items ?? {}) as SchemaNode;
      return `list of ${items.type === 'object' ? `{${Object.keys((items.properties ?? {}) as object).join(', ')}}` : typeOf(items)}`;
    }
    case 'object':
      return s.patternProperties ? `map headstage → ${typeOf(Object.values(s.patternProperties as Record<string, SchemaNode>)[0] ?? {})}` : 'object';
    default:
      return typeof s.type === 'string' ? s.type : 'value';
  }
}

function parametersOf(schema: TSchema): ParameterInfo[] {
  const out: ParameterInfo[] = [];
  const walk = (node: SchemaNode, prefix: string) => {
    const props = (node.properties ?? {}) as Record<string, SchemaNode>;
    const required = new Set((node.required ?? []) as string[]);
    for (const [key, s] of Object.entries(props)) {
      if (prefix === '' && key === 'protocol') continue;
      const name = `${prefix}${key}`;
      if (s.type === 'object' && s.properties) {
        walk(s, `${name}.`);
        continue;
      }
      const unit = typeof s.unit === 'string' ? s.unit : '';
      out.push({ name, type: typeOf(s), default: s.default, unit, description: String(s.description ?? ''), optional: !required.has(key) });
    }
  };
  walk(schema as unknown as SchemaNode, '');
  return out;
}

function info(id: ProtocolId): ProtocolInfo {
  const m = MODULES[id];
  return { id, title: m.title, description: m.description, schema: m.schema, defaults: checkAgainstSchema(m.schema, {}).value as ProtocolDefinition, parameters: parametersOf(m.schema) };
}

export function listProtocols(): ProtocolInfo[] {
  return PROTOCOL_IDS.map(info);
}

export function getProtocol(id: string): ProtocolInfo | undefined {
  return isProtocolId(id) ? info(id) : undefined;
}

export type ValidationResult = { ok: true; definition: ProtocolDefinition } | { ok: false; errors: string[] };

/**
 * Checks a raw definition of protocol `id` (parsed JSON; `protocol` may be left out). Errors name
 * the field: schema problems (wrong types, unknown keys, out-of-range values), then cross-field
 * problems (overlapping pulses, a train longer than the sweep) and, when `ctx.safety` is given,
 * amplitudes over the rig's limits. Context fields that are absent are not checked.
 */
export function validateDefinition(id: string, raw: unknown, ctx: Partial<ProtocolContext> = {}): ValidationResult {
  if (!isProtocolId(id)) return { ok: false, errors: [`protocol: unknown protocol "${id}" (known: ${PROTOCOL_IDS.join(', ')})`] };
  const m = MODULES[id];
  const given = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !('protocol' in raw) ? { protocol: id, ...raw } : raw;
  const { value, problems } = checkAgainstSchema(m.schema, given);
  if (problems.length > 0) return { ok: false, errors: problems };
  const more = [...contextProblems(ctx), ...m.problems(value as never, ctx)];
  return more.length > 0 ? { ok: false, errors: more } : { ok: true, definition: value as ProtocolDefinition };
}

/**
 * Expands a definition (with its `protocol` id) into the ordered sweeps of a Plan for these
 * headstages, sample rate and limits. Throws ProtocolDefinitionError listing every problem before
 * anything could be sent.
 */
export function expandPlan(definition: unknown, ctx: ProtocolContext): Plan {
  const id = definition !== null && typeof definition === 'object' ? (definition as { protocol?: unknown }).protocol : undefined;
  if (typeof id !== 'string' || !isProtocolId(id)) {
    throw new ProtocolDefinitionError(String(id), [`protocol: ${JSON.stringify(id)} is not a protocol id (known: ${PROTOCOL_IDS.join(', ')})`]);
  }
  const result = validateDefinition(id, definition, ctx);
  if (!result.ok) throw new ProtocolDefinitionError(id, result.errors);
  return MODULES[id].expand(result.definition as never, ctx);
}
