import Type, { type TSchema } from 'typebox';
import Value from 'typebox/value';
import { describeSchemaErrors } from '../rig/config-errors.ts';
import { ExperimentMetadataSchema } from '../storage/metadata.ts';
import { invalid } from './errors.ts';

/** The body of `POST /api/experiments`. */
export const CreateExperimentSchema = Type.Object(
  {
    protocol: Type.String({ minLength: 1, description: 'protocol id, e.g. synphys-probe' }),
    // Checked against the protocol's own schema once the protocol is known.
    definition: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'protocol parameters; defaults fill the rest' })),
    headstages: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 16, description: 'headstages to record (default: all of the rig)' })),
    metadata: Type.Optional(Type.Partial(ExperimentMetadataSchema, { additionalProperties: false, description: 'session metadata for the NWB file' })),
    calibrate: Type.Optional(Type.Boolean({ description: "find each presynaptic cell's stimulus scale before the first sweep" })),
    start: Type.Optional(Type.Boolean({ description: 'start as soon as it is prepared' })),
  },
  { additionalProperties: false },
);
export type CreateExperimentRequest = Type.Static<typeof CreateExperimentSchema>;

/** The body of `POST /api/experiments/current/holding`: V in VC, A in IC. */
export const HoldingSchema = Type.Object(
  {
    headstage: Type.Integer({ minimum: 0 }),
    mode: Type.Union([Type.Literal('VC'), Type.Literal('IC')]),
    value: Type.Number({ description: 'V in VC, A in IC' }),
  },
  { additionalProperties: false },
);
export type HoldingRequest = Type.Static<typeof HoldingSchema>;

/** Checks a parsed JSON body against `schema`; throws EXPERIMENT_INVALID naming every bad field. */
export function checkBody<S extends TSchema>(schema: S, body: unknown): Type.Static<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid([`body: must be a JSON object, got ${body === undefined ? 'nothing' : JSON.stringify(body)}`]);
  if (!Value.Check(schema, body)) throw invalid(describeSchemaErrors(schema, body));
  return body as Type.Static<S>;
}
