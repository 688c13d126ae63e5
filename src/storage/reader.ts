import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Dataset, File as H5File } from 'h5wasm/node';
import type { Epoch, ParamValue, PulseQcRecord, QcResult, Sweep, SweepChannel } from '../core/sweep.ts';
import { EPOCHS } from './epochs.ts';
import { NwbError, messageOf } from './errors.ts';
import { h5wasm, loadH5 } from './h5-module.ts';
import { IR, SIM } from './icephys.ts';
import type { CellInfo, ExperimentMetadata, Subject } from './metadata.ts';
import { recoverNwbFile } from './recover.ts';
import { MODE_OF_CODE, seriesBase } from './series.ts';

/**
 * Loads a patchrig NWB file back into `Sweep` objects (sweep browser, offline analysis). It reads
 * what our writer writes — the icephys tables give the sweeps and per-recording metadata, the
 * series give the samples unchanged — and is not a general NWB reader.
 */

export interface NwbDeviceRecord {
  name: string;
  description?: string;
  manufacturer?: string;
}

export interface NwbContents {
  metadata: ExperimentMetadata;
  devices: NwbDeviceRecord[];
  sweeps: Sweep[];
}

type Values = (number | string)[];

class In {
  readonly f: H5File;
  constructor(f: H5File) {
    this.f = f;
  }
  has(path: string): boolean {
    return this.f.get(path) !== null;
  }
  dataset(path: string): Dataset {
    const d = this.f.get(path);
    if (!d || !('slice' in d)) throw new Error(`${path} is missing`);
    return d as Dataset;
  }
  values(path: string): Values {
    const v = this.dataset(path).value;
    if (typeof v === 'string' || typeof v === 'number') return [v];
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as ArrayLike<number | bigint>, Number);
    if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' || typeof x === 'number' ? x : String(x)));
    throw new Error(`${path} holds no readable values`);
  }
  nums(path: string): number[] {
    return this.values(path).map((x) => (typeof x === 'number' ? x : Number.NaN));
  }
  texts(path: string): string[] {
    return this.values(path).map(String);
  }
  text(path: string): string | undefined {
    return this.has(path) ? this.texts(path)[0] : undefined;
  }
  attr(path: string, name: string): string | undefined {
    const o = path === '/' ? this.f : this.f.get(path);
    if (!o || !('attrs' in o)) return undefined;
    const a = o.attrs[name];
    if (!a) return undefined;
    const v = a.value;
    return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
  }
  float32(path: string): Float32Array {
    const v = this.dataset(path).value;
    if (!(v instanceof Float32Array)) throw new Error(`${path} is not float32`);
    return v;
  }
  /** Rows of a ragged column: the values of row i are data[index[i-1] .. index[i]). */
  ragged(path: string): number[][] {
    const data = this.nums(path);
    const index = this.nums(`${path}_index`);
    return index.map((end, i) => data.slice(i === 0 ? 0 : (index[i - 1] as number), end));
  }
}

export async function readNwb(path: string): Promise<NwbContents> {
  const file = resolve(path);
  if (!existsSync(file)) throw new NwbError('NWB_NOT_PATCHRIG', `NWB file ${file} does not exist`);
  // A writer killed while applying a commit is finished here (recover.ts).
  recoverNwbFile(file);
  await loadH5();
  let f: H5File;
  try {
    f = new h5wasm.File(file, 'r');
  } catch (e) {
    throw new NwbError('NWB_NOT_PATCHRIG', `cannot open ${file} as HDF5: ${messageOf(e)}`, [], { cause: e });
  }
  try {
    const r = new In(f);
    if (r.attr('/', 'neurodata_type') !== 'NWBFile') throw new NwbError('NWB_NOT_PATCHRIG', `${file} is not an NWB file`);
    const subclasses = readSubclasses(r);
    return { metadata: readMetadata(r, subclasses), devices: readDevices(r), sweeps: readSweeps(r) };
  } catch (e) {
    if (e instanceof NwbError) throw e;
    throw new NwbError('NWB_NOT_PATCHRIG', `${file} is not a readable patchrig NWB file: ${messageOf(e)}`, [], { cause: e });
  } finally {
    f.close();
  }
}

function opt<K extends string, V>(key: K, v: V | undefined): Partial<Record<K, V>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, V>);
}

function readMetadata(r: In, subclasses: Map<number, string>): ExperimentMetadata {
  const g = (name: string) => r.text(`/general/${name}`);
  const list = (name: string) => (r.has(`/general/${name}`) ? r.texts(`/general/${name}`) : undefined);
  const s = (name: string) => r.text(`/general/subject/${name}`);
  const weight = s('weight');
  const subject = {
    subjectId: s('subject_id') ?? '',
    species: s('species') ?? '',
    ...opt('age', s('age')),
    ...opt('ageReference', r.attr('/general/subject/age', 'reference') as Subject['ageReference']),
    ...opt('sex', s('sex') as Subject['sex']),
    ...opt('genotype', s('genotype')),
    ...opt('strain', s('strain')),
    ...opt('description', s('description')),
    ...opt('weight', weight !== undefined ? Number.parseFloat(weight) : undefined),
  } as Subject;
  const slices = g('slices');
  const cells: CellInfo[] = [];
  const ephys = r.f.get('/general/intracellular_ephys');
  const names = ephys && 'keys' in ephys ? (ephys as { keys(): string[] }).keys() : [];
  for (const name of names) {
    const m = /^electrode_(\d+)$/.exec(name);
    const cellId = r.text(`/general/intracellular_ephys/${name}/cell_id`);
    if (!m || cellId === undefined) continue;
    const headstage = Number(m[1]);
    const location = r.text(`/general/intracellular_ephys/${name}/location`);
    cells.push({ headstage, cellId, ...opt('subclass', subclasses.get(headstage)), ...opt('location', location) });
  }
  cells.sort((a, b) => a.headstage - b.headstage);
  return {
    identifier: r.text('/identifier') ?? '',
    sessionDescription: r.text('/session_description') ?? '',
    sessionStartTime: r.text('/session_start_time') ?? '',
    ...opt('experimenter', list('experimenter')),
    ...opt('lab', g('lab')),
    ...opt('institution', g('institution')),
    ...opt('experimentDescription', g('experiment_description')),
    ...opt('sessionId', g('session_id')),
    ...opt('keywords', list('keywords')),
    ...opt('notes', g('notes')),
    ...opt('dataCollection', g('data_collection')),
    ...opt('stimulus', g('stimulus')),
    subject,
    ...opt('slice', slices !== undefined ? (JSON.parse(slices) as ExperimentMetadata['slice']) : undefined),
    ...(cells.length > 0 ? { cells } : {}),
  };
}

/** Cell subclass labels live in the recordings' electrodes sub-table (no NWB field for them). */
function readSubclasses(r: In): Map<number, string> {
  const out = new Map<number, string>();
  if (!r.has(`${IR}/headstage`)) return out;
  const hs = r.nums(`${IR}/headstage`);
  const sub = r.texts(`${IR}/electrodes/cell_subclass`);
  hs.forEach((h, i) => {
    const s = sub[i];
    if (s && !out.has(h)) out.set(h, s);
  });
  return out;
}

function readDevices(r: In): NwbDeviceRecord[] {
  const g = r.f.get('/general/devices');
  const names = g && 'keys' in g ? (g as { keys(): string[] }).keys() : [];
  return names.map((name) => {
    const p = `/general/devices/${name}`;
    return { name, ...opt('description', r.attr(p, 'description')), ...opt('manufacturer', r.attr(p, 'manufacturer')) };
  });
}

function readSweeps(r: In): Sweep[] {
  if (!r.has(SIM)) return [];
  const col = (name: string) => r.nums(`${IR}/${name}`);
  const ir = {
    headstage: col('headstage'),
    mode: col('clamp_mode'),
    holding: col('holding'),
    scale: col('stim_scale'),
    outputScale: col('output_scale'),
    sens: col('command_sensitivity'),
    lpf: col('lpf'),
    ra: col('tp_access_resistance'),
    ri: col('tp_input_resistance'),
    cm: col('tp_capacitance'),
    qc: r.texts(`${IR}/qc`),
    device: r.texts(`${IR}/amplifier_settings`),
  };
  const recordings = r.ragged(`${SIM}/recordings`);
  const sweepNumber = r.nums(`${SIM}/sweep_number`);
  const protocol = r.texts(`${SIM}/protocol`);
  const start = r.texts(`${SIM}/sweep_start_time`);
  const rate = r.nums(`${SIM}/sample_rate`);
  const aborted = r.nums(`${SIM}/aborted`);
  const params = r.texts(`${SIM}/parameters`);
  // Files written before the column existed have none.
  const pulseQc = r.has(`${SIM}/pulse_qc`) ? r.texts(`${SIM}/pulse_qc`) : [];
  const stimulus = r.texts(`${SIM}/stimulus_name`);
  const epochs = readEpochs(r);

  return recordings.map((rows, k) => {
    const index = sweepNumber[k] as number;
    const channels = rows.map((row): SweepChannel => {
      const hs = ir.headstage[row] as number;
      const mode = MODE_OF_CODE[ir.mode[row] as number];
      if (!mode) throw new Error(`recording ${row}: unknown clamp mode code ${ir.mode[row]}`);
      const base = seriesBase(index, hs);
      const response = r.float32(`/acquisition/${base}/data`);
      const command = mode === 'I=0' ? new Float32Array(response.length) : r.float32(`/stimulus/presentation/${base}_stim/data`);
      const qc = ir.qc[row] ? (JSON.parse(ir.qc[row] as string) as QcResult) : undefined;
      const ra = ir.ra[row] as number;
      const cm = ir.cm[row] as number;
      return {
        headstage: hs,
        mode,
        command,
        response,
        holding: ir.holding[row] as number,
        stimScale: ir.scale[row] as number,
        settings: {
          mode,
          outputScale: ir.outputScale[row] as number,
          commandSensitivity: ir.sens[row] as number,
          lpfHz: ir.lpf[row] as number,
          device: JSON.parse(ir.device[row] ?? '{}') as Record<string, ParamValue>,
        },
        ...(qc ? { qc } : {}),
        ...(Number.isNaN(ra) ? {} : { testPulse: { accessResistance: ra, inputResistance: ir.ri[row] as number, ...(Number.isNaN(cm) ? {} : { capacitance: cm }) } }),
      };
    });
    return {
      index,
      protocol: protocol[k] ?? '',
      stimulusName: stimulus[k] ?? '',
      startTime: start[k] ?? '',
      sampleRate: rate[k] as number,
      channels,
      epochs: epochs.get(index) ?? [],
      parameters: JSON.parse(params[k] ?? '{}') as Record<string, ParamValue>,
      aborted: aborted[k] === 1,
      ...(pulseQcOf(pulseQc[k]) ?? {}),
    };
  });
}

/** The stored per-pulse QC (absent when the sweep had no presynaptic pulses). */
function pulseQcOf(text: string | undefined): { pulseQc: PulseQcRecord[] } | undefined {
  const list = text ? (JSON.parse(text) as PulseQcRecord[]) : [];
  return list.length > 0 ? { pulseQc: list } : undefined;
}

function readEpochs(r: In): Map<number, Epoch[]> {
  const out = new Map<number, Epoch[]>();
  if (!r.has(EPOCHS)) return out;
  const sweep = r.nums(`${EPOCHS}/sweep_number`);
  const hs = r.nums(`${EPOCHS}/headstage`);
  const kind = r.texts(`${EPOCHS}/kind`);
  const start = r.nums(`${EPOCHS}/start_in_sweep`);
  const stop = r.nums(`${EPOCHS}/stop_in_sweep`);
  const params = r.texts(`${EPOCHS}/params`);
  sweep.forEach((s, i) => {
    const h = hs[i] as number;
    const e: Epoch = {
      start: start[i] as number,
      stop: stop[i] as number,
      kind: kind[i] ?? '',
      ...(h >= 0 ? { headstage: h } : {}),
      params: JSON.parse(params[i] ?? '{}') as Record<string, ParamValue>,
    };
    const list = out.get(s) ?? [];
    list.push(e);
    out.set(s, list);
  });
  return out;
}
