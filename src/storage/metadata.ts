import Type from 'typebox';
import { describeSchemaErrors } from '../rig/config-errors.ts';
import { NwbError } from './errors.ts';

/**
 * What an NWB file says about the experiment besides the sweeps, validated before a file is
 * created so that bad metadata never leaves a half-written file behind.
 */

/** ISO 8601 date-time with an explicit offset, as NWB's `isodatetime` needs (e.g. 2026-11-25T14:03:07.512+01:00). */
const IsoDateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'an ISO 8601 date-time with offset, e.g. 2026-11-25T14:03:07.512+01:00',
});
/** ISO 8601 duration, as NWB's subject `age` wants it (e.g. P90D). */
const IsoDuration = Type.String({
  pattern: '^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$',
  description: 'an ISO 8601 duration, e.g. P90D',
});
const Text = Type.String({ minLength: 1 });

export const SubjectSchema = Type.Object(
  {
    subjectId: Text,
    species: Type.String({ minLength: 1, description: 'Latin binomial or NCBI taxonomy URI, e.g. Mus musculus' }),
    age: Type.Optional(IsoDuration),
    ageReference: Type.Optional(Type.Union([Type.Literal('birth'), Type.Literal('gestational')])),
    sex: Type.Optional(Type.Union([Type.Literal('M'), Type.Literal('F'), Type.Literal('U'), Type.Literal('O')])),
    genotype: Type.Optional(Text),
    strain: Type.Optional(Text),
    description: Type.Optional(Text),
    /** kg */
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export const SliceSchema = Type.Object(
  {
    id: Text,
    /** m */
    thickness: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.01 })),
    region: Type.Optional(Text),
    description: Type.Optional(Text),
  },
  { additionalProperties: false },
);

export const CellSchema = Type.Object(
  {
    headstage: Type.Integer({ minimum: 0, maximum: 255 }),
    cellId: Text,
    /** Cell subclass label, e.g. Pvalb, Sst, L2/3 IT. */
    subclass: Type.Optional(Text),
    location: Type.Optional(Text),
    description: Type.Optional(Text),
  },
  { additionalProperties: false },
);

export const ExperimentMetadataSchema = Type.Object(
  {
    /** Unique per file; a UUID is generated when absent. */
    identifier: Type.Optional(Text),
    sessionDescription: Text,
    sessionStartTime: IsoDateTime,
    experimenter: Type.Optional(Type.Array(Text)),
    lab: Type.Optional(Text),
    institution: Type.Optional(Text),
    experimentDescription: Type.Optional(Text),
    sessionId: Type.Optional(Text),
    keywords: Type.Optional(Type.Array(Text)),
    notes: Type.Optional(Text),
    /** Free text, e.g. the rig configuration as JSON (stored in /general/data_collection). */
    dataCollection: Type.Optional(Text),
    /** Free text, e.g. the protocol definitions as JSON (stored in /general/stimulus). */
    stimulus: Type.Optional(Text),
    subject: SubjectSchema,
    slice: Type.Optional(SliceSchema),
    cells: Type.Optional(Type.Array(CellSchema)),
  },
  { additionalProperties: false },
);

export const DeviceSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' }),
    kind: Type.Union([Type.Literal('amplifier'), Type.Literal('digitizer')]),
    serialNumber: Text,
    manufacturer: Type.Optional(Text),
    model: Type.Optional(Text),
    description: Type.Optional(Text),
  },
  { additionalProperties: false },
);

export const HeadstageSchema = Type.Object(
  {
    headstage: Type.Integer({ minimum: 0, maximum: 255 }),
    /** Name of the amplifier device this headstage belongs to. */
    amplifier: Type.String({ minLength: 1 }),
    /** 1-based amplifier channel. */
    channel: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    description: Type.Optional(Text),
    /** Digitizer input volts per count, for the response `resolution` (−1 when unknown). */
    adcVoltsPerCount: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Digitizer output volts per count, for the stimulus `resolution`. */
    dacVoltsPerCount: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export const NwbWriterSetupSchema = Type.Object(
  {
    metadata: ExperimentMetadataSchema,
    devices: Type.Array(DeviceSchema, { minItems: 1 }),
    headstages: Type.Array(HeadstageSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type Subject = Type.Static<typeof SubjectSchema>;
export type SliceInfo = Type.Static<typeof SliceSchema>;
export type CellInfo = Type.Static<typeof CellSchema>;
export type ExperimentMetadata = Type.Static<typeof ExperimentMetadataSchema>;
export type DeviceInfo = Type.Static<typeof DeviceSchema>;
export type HeadstageInfo = Type.Static<typeof HeadstageSchema>;
export type NwbWriterSetup = Type.Static<typeof NwbWriterSetupSchema>;

/**
 * Checks metadata, devices and headstages (types, then cross-references and dates) and returns
 * them typed; throws NwbError NWB_BAD_OPTIONS listing every problem at once.
 */
export function validateWriterSetup(raw: unknown): NwbWriterSetup {
  const problems = describeSchemaErrors(NwbWriterSetupSchema, raw);
  if (problems.length > 0) throw badOptions(problems);
  const setup = raw as NwbWriterSetup;
  const cross: string[] = [];
  if (Number.isNaN(Date.parse(setup.metadata.sessionStartTime))) {
    cross.push(`metadata.sessionStartTime: ${JSON.stringify(setup.metadata.sessionStartTime)} is not a real date`);
  }
  const names = new Set<string>();
  setup.devices.forEach((d, i) => {
    if (names.has(d.name)) cross.push(`devices[${i}].name: "${d.name}" is used twice`);
    names.add(d.name);
  });
  const hs = new Set<number>();
  setup.headstages.forEach((h, i) => {
    if (hs.has(h.headstage)) cross.push(`headstages[${i}].headstage: ${h.headstage} is listed twice`);
    hs.add(h.headstage);
    const amp = setup.devices.find((d) => d.name === h.amplifier);
    if (!amp) cross.push(`headstages[${i}].amplifier: no device named "${h.amplifier}"`);
    else if (amp.kind !== 'amplifier') cross.push(`headstages[${i}].amplifier: "${h.amplifier}" is a ${amp.kind}, not an amplifier`);
  });
  (setup.metadata.cells ?? []).forEach((c, i) => {
    if (!hs.has(c.headstage)) cross.push(`metadata.cells[${i}].headstage: ${c.headstage} is not one of the headstages`);
  });
  if (cross.length > 0) throw badOptions(cross);
  return setup;
}

function badOptions(problems: string[]): NwbError {
  return new NwbError('NWB_BAD_OPTIONS', `NWB metadata is not valid:\n  - ${problems.join('\n  - ')}`, problems);
}
