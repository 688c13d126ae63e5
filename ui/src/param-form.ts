/**
 * Protocol parameters as form fields, from the protocol's JSON schema and defaults (DESIGN §5:
 * protocols are data). Pure: which field kind, the shown text, and back to the SI value. Volts
 * and amps are edited in mV and pA like everything else on screen; the definition stays SI.
 */
import type { JsonSchema } from './types.ts';
import { parameterUnit } from './units.ts';

export type FieldKind = 'number' | 'integer' | 'enum' | 'boolean' | 'text' | 'json';

export interface Field {
  name: string;
  kind: FieldKind;
  /** Display unit ("mV", "pA", "s", "Hz", ""). */
  unit: string;
  scale: number;
  options?: string[];
  description: string;
  required: boolean;
}

export function fieldsOf(schema: JsonSchema): Field[] {
  const required = new Set(schema.required ?? []);
  const out: Field[] = [];
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    // The protocol id is fixed by the choice of protocol.
    if (p.const !== undefined) continue;
    const u = parameterUnit(p.unit);
    const t = Array.isArray(p.type) ? p.type[0] : p.type;
    const enumValues = p.enum ?? (p.anyOf?.every((a) => a.const !== undefined) ? p.anyOf.map((a) => a.const) : undefined);
    const kind: FieldKind = enumValues ? 'enum' : t === 'number' ? 'number' : t === 'integer' ? 'integer' : t === 'boolean' ? 'boolean' : t === 'string' ? 'text' : 'json';
    out.push({
      name,
      kind,
      unit: kind === 'number' || kind === 'integer' ? u.unit : '',
      scale: kind === 'number' ? u.scale : 1,
      ...(enumValues ? { options: enumValues.map(String) } : {}),
      description: p.description ?? '',
      required: required.has(name),
    });
  }
  return out;
}

/** The text a field shows for an SI value. */
export function toFieldText(f: Field, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (f.kind === 'number' && typeof value === 'number') return String(+(value * f.scale).toPrecision(12));
  if (f.kind === 'json') return JSON.stringify(value);
  return String(value);
}

/** The SI value of a field's text, or an error sentence naming the field. `undefined`: left empty. */
export function fromFieldText(f: Field, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const t = text.trim();
  if (t === '' && f.kind !== 'text') return { ok: true, value: undefined };
  switch (f.kind) {
    case 'number':
    case 'integer': {
      const x = Number(t);
      if (!Number.isFinite(x)) return { ok: false, error: `${f.name}: "${text}" is not a number` };
      if (f.kind === 'integer' && !Number.isInteger(x)) return { ok: false, error: `${f.name}: must be a whole number` };
      // Undo the display scale without float noise (−70 mV → −0.07 V, not −0.07000000000000001).
      return { ok: true, value: f.scale === 1 ? x : +(x / f.scale).toPrecision(12) };
    }
    case 'boolean':
      return { ok: true, value: t === 'true' };
    case 'json':
      try {
        return { ok: true, value: JSON.parse(t) as unknown };
      } catch (e) {
        return { ok: false, error: `${f.name}: not valid JSON (${(e as Error).message})` };
      }
    default:
      return { ok: true, value: t };
  }
}
