import type { TSchema } from 'typebox';
import Value from 'typebox/value';

/** A rig file that cannot be used; `problems` lists every wrong key with what is allowed. */
export class RigConfigError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`rig configuration ${source} is not valid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'RigConfigError';
    this.problems = problems;
  }
}

interface SchemaError {
  schemaPath: string;
  instancePath: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

/** `/headstages/0/channel` → `headstages[0].channel`, the way people write keys. */
export function keyPath(pointer: string): string {
  if (pointer === '') return '(top level)';
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The schema node a `schemaPath` (`#/properties/a/…`) points at. */
function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let cur: unknown = root;
  for (const part of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>) : undefined;
}

function allowedKeys(schema: TSchema, pointer: string, root: TSchema): string[] {
  // Walks the schema along the pointer to list the properties it allows, for "unknown key" messages.
  let cur: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return [];
    const s = cur as Record<string, unknown>;
    if (s.properties && typeof s.properties === 'object' && part in (s.properties as object)) {
      cur = (s.properties as Record<string, unknown>)[part];
    } else if (s.items && /^\d+$/.test(part)) {
      cur = s.items;
    } else if (s.patternProperties && typeof s.patternProperties === 'object') {
      cur = Object.values(s.patternProperties as Record<string, unknown>)[0];
    } else return [];
  }
  void schema;
  const props = (cur as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

/**
 * Turns schema errors into one sentence per problem: which key, what is wrong, what is allowed.
 * Unions of objects with a `kind` are checked against the member the `kind` names, so a device
 * with a typo gets "unknown key" messages instead of a list of every alternative.
 */
export function describeSchemaErrors(schema: TSchema, value: unknown, unions: Record<string, Record<string, TSchema>> = {}): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (s: string) => {
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  };
  const errors = [...Value.Errors(schema, value)] as unknown as SchemaError[];
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const e of errors) {
    if (e.keyword === 'boolean') continue; // repeated by the additionalProperties error
    const inUnion = [...unionPaths].some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`));
    if (inUnion && e.keyword !== 'anyOf') continue;
    const key = keyPath(e.instancePath);
    switch (e.keyword) {
      case 'anyOf': {
        const v = valueAt(value, e.instancePath) as Record<string, unknown> | undefined;
        const members = Object.entries(unions).find(([suffix]) => e.instancePath.includes(suffix))?.[1];
        const kind = v && typeof v === 'object' ? v.kind : undefined;
        if (members && typeof kind === 'string' && members[kind]) {
          for (const inner of describeSchemaErrors(members[kind], v)) add(`${key}.${inner}`.replace('.(top level): ', ': '));
        } else if (members) {
          add(`${key}.kind: ${JSON.stringify(kind)} is not allowed (allowed: ${Object.keys(members).join(', ')})`);
        } else add(`${key}: does not match any allowed form`);
        break;
      }
      case 'additionalProperties': {
        const extra = (e.params.additionalProperties as string[] | undefined) ?? [];
        const allowed = allowedKeys(schema, e.instancePath, schema);
        for (const k of extra) {
          add(`${key === '(top level)' ? k : `${key}.${k}`}: unknown key${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`);
        }
        break;
      }
      case 'required': {
        const missing = (e.params.requiredProperties as string[] | undefined) ?? [];
        for (const k of missing) add(`${key === '(top level)' ? k : `${key}.${k}`}: required key is missing`);
        break;
      }
      case 'const':
        add(`${key}: must be ${JSON.stringify(e.params.allowedValue)}, not ${JSON.stringify(valueAt(value, e.instancePath))}`);
        break;
      case 'pattern':
      case 'propertyNames': {
        // The schema's description says what the value should look like ("a name: a letter, then …").
        const description = schemaAt(schema, e.schemaPath)?.description;
        const form = typeof description === 'string' ? description : `text matching ${String(e.params.pattern)}`;
        add(`${key}: ${JSON.stringify(valueAt(value, e.instancePath))} must be ${form}`);
        break;
      }
      default:
        add(`${key}: ${e.message}${e.keyword === 'type' ? `, got ${JSON.stringify(valueAt(value, e.instancePath))}` : ''}`);
    }
  }
  return out;
}
