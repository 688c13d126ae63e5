import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rig } from '../rig/open-rig.ts';
import type { ExperimentMetadata } from '../storage/metadata.ts';
import { defaultSchemaDir } from '../storage/spec-cache.ts';
import { NwbWriter } from '../storage/writer.ts';

/** Local time with its UTC offset, as NWB wants session start times. */
export function isoWithOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const local = new Date(d.getTime() + off * 60_000).toISOString().replace(/Z$/, '');
  return `${local}${off >= 0 ? '+' : '-'}${pad(off / 60)}:${pad(off % 60)}`;
}

/** Reads `--metadata FILE.json` (an ExperimentMetadata object, validated by the writer). */
export async function readMetadata(file: string | undefined): Promise<Partial<ExperimentMetadata>> {
  if (!file) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the metadata ${file}: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`the metadata ${file} must be a JSON object`);
  return raw as Partial<ExperimentMetadata>;
}

interface SliceTruth {
  amplifiers?: { slice?: { cells?: { id: number; subclass: string }[] } }[];
}

/**
 * Opens the NWB file of a run: session metadata (given, or generated for a simulated rig, where
 * the slice's ground truth names each patched cell's subclass), the rig's devices and headstages.
 * A real rig needs the subject from `--metadata` (or the request's `metadata`): we never invent one
 * for real data. Shared by `patchrig run --out` and the service's experiments.
 */
export async function openRunFile(
  path: string,
  o: {
    rig: Rig;
    headstages: number[];
    protocol: string;
    definition: unknown;
    given: Partial<ExperimentMetadata>;
    overwrite: boolean;
    seed: number;
    /** Default `patchrig run PROTOCOL`; the service names itself. */
    sessionDescription?: string;
  },
): Promise<NwbWriter> {
  const simulated = o.rig.simulation !== undefined;
  if (!simulated && !o.given.subject) throw new Error('writing NWB from a real rig needs --metadata FILE.json with at least the subject (subjectId, species)');
  const truth = simulated ? (o.rig.simulation?.groundTruth() as SliceTruth | undefined) : undefined;
  const cells = truth?.amplifiers?.[0]?.slice?.cells;
  const metadata: ExperimentMetadata = {
    sessionDescription: o.sessionDescription ?? `patchrig run ${o.protocol}`,
    sessionStartTime: isoWithOffset(new Date()),
    stimulus: JSON.stringify(o.definition),
    dataCollection: JSON.stringify(o.rig.config),
    subject: { subjectId: `simulated-slice-${o.seed}`, species: 'Mus musculus', description: 'simulated slice (patchrig)' },
    ...(cells ? { cells: o.headstages.map((h) => ({ headstage: h, cellId: `cell${h}`, subclass: cells[h]?.subclass ?? 'unknown' })) } : {}),
    ...o.given,
  };
  const devices = [];
  for (const d of o.rig.devices) {
    const dev = o.rig.amplifiers.get(d.name) ?? o.rig.digitizers.get(d.name);
    const id = await dev?.identify();
    devices.push({ name: d.name, kind: d.config.kind, serialNumber: id?.serial ?? 'unknown', manufacturer: id?.vendor, model: id?.model, description: `${d.config.protocol} on ${d.path}` });
  }
  const daq = [...o.rig.digitizers.values()][0];
  const caps = await daq?.capabilities();
  const vpc = caps ? caps.range[1] / 32768 : undefined;
  const schemaDir = defaultSchemaDir();
  return NwbWriter.create(path, {
    metadata,
    devices,
    headstages: o.headstages.map((h) => {
      const hs = o.rig.headstages[h];
      return { headstage: h, amplifier: hs?.amplifier ?? 'amp0', channel: hs?.channel, ...(vpc ? { adcVoltsPerCount: vpc, dacVoltsPerCount: vpc } : {}) };
    }),
    // The cached specification is written when the schema is where the project expects it.
    ...(existsSync(join(schemaDir, 'core')) ? { schemaDir } : {}),
    overwrite: o.overwrite,
  });
}
