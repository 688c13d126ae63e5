import { randomUUID } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fsyncSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { File as H5File } from 'h5wasm/node';
import type { Sweep } from '../core/sweep.ts';
import { EpochsTable } from './epochs.ts';
import { NwbError, messageOf } from './errors.ts';
import { type FaultInjector, H5Out } from './h5-file.ts';
import { h5wasm, loadH5 } from './h5-module.ts';
import { IcephysTables } from './icephys.ts';
import { type DeviceInfo, type ExperimentMetadata, type HeadstageInfo, type NwbWriterSetup, validateWriterSetup } from './metadata.ts';
import { type WrittenSeries, writeChannel } from './series.ts';
import { writeSkeleton } from './skeleton.ts';
import { loadSchema, writeSpecCache } from './spec-cache.ts';

export interface NwbWriterOptions {
  metadata: ExperimentMetadata;
  devices: DeviceInfo[];
  headstages: HeadstageInfo[];
  /** Schema directory (core/ + hdmf-common/); when given, the specification is cached in the file. */
  schemaDir?: string;
  /** gzip the series data: true = level 1 (costly either way, nwb.md §7), or a level 1–9. */
  gzip?: boolean | number;
  /** Replace an existing file (only once the new skeleton is complete). */
  overwrite?: boolean;
  /** Written to /general/source_script; defaults to `patchrig`. */
  sourceScript?: string;
  /** Test hook: called before every write of the file layer; throwing simulates a failing disk. */
  faultInjector?: FaultInjector;
}

/**
 * One NWB 2.7.0 file per experiment, written sweep by sweep: the skeleton is flushed and fsynced
 * at creation, every `append` adds a sweep's series, table rows and epochs and flushes + fsyncs
 * again, so a crash loses at most the sweep being written (nwb.md §6). Append-only; a write error
 * stops the writer and leaves the file as of the last completed sweep.
 */
export class NwbWriter {
  readonly path: string;
  readonly identifier: string;
  private readonly out: H5Out;
  private readonly setup: NwbWriterSetup;
  private readonly t0: number;
  private readonly gzip: number | undefined;
  private readonly tables: IcephysTables;
  private readonly epochs: EpochsTable;
  private lastIndex = -1;
  private written = 0;
  private state: 'open' | 'closed' | 'failed' = 'open';
  private failure: NwbError | undefined;

  private constructor(out: H5Out, setup: NwbWriterSetup, identifier: string, gzip: number | undefined) {
    this.out = out;
    this.path = out.path;
    this.setup = setup;
    this.identifier = identifier;
    this.t0 = Date.parse(setup.metadata.sessionStartTime);
    this.gzip = gzip;
    this.tables = new IcephysTables(out, setup.metadata.cells ?? []);
    this.epochs = new EpochsTable(out);
  }

  static async create(path: string, options: NwbWriterOptions): Promise<NwbWriter> {
    const setup = validateWriterSetup({ metadata: options.metadata, devices: options.devices, headstages: options.headstages });
    const gzip = gzipLevel(options.gzip);
    const schema = options.schemaDir !== undefined ? loadSchema(options.schemaDir) : undefined;
    const target = resolve(path);
    checkTarget(target, options.overwrite === true);
    const mod = await loadH5();
    // The skeleton goes to a temporary name first, so a failure (or an old file being replaced)
    // never leaves a half-written file under the target name.
    const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomUUID().slice(0, 8)}.partial`);
    let file: H5File | undefined;
    try {
      file = new h5wasm.File(tmp, 'w');
      const identifier = setup.metadata.identifier ?? randomUUID();
      const out = new H5Out(file, mod, tmp, options.faultInjector);
      writeSkeleton(out, setup, identifier, options.sourceScript ?? 'patchrig');
      if (schema) writeSpecCache(out, schema);
      out.flush();
      // The open descriptor follows the rename; only the name used for fsync changes.
      renameSync(tmp, target);
      fsyncDir(dirname(target));
      return new NwbWriter(new H5Out(file, mod, target, options.faultInjector), setup, identifier, gzip);
    } catch (e) {
      try {
        file?.close();
      } catch {
        // closing a file whose writes failed may fail again; the file is removed below anyway
      }
      if (existsSync(tmp)) unlinkSync(tmp);
      if (e instanceof NwbError) throw e;
      throw new NwbError('NWB_UNWRITABLE', `cannot create NWB file ${target}: ${messageOf(e)}`, [], { cause: e });
    }
  }

  /** Sweeps stored so far. */
  get sweepCount(): number {
    return this.written;
  }

  /** The error that stopped the writer, if any. */
  get error(): NwbError | undefined {
    return this.failure;
  }

  /** Stores one sweep and makes it durable (flush + fsync) before resolving. */
  async append(sweep: Sweep): Promise<void> {
    if (this.state !== 'open') {
      throw this.failure ?? new NwbError('NWB_CLOSED', `NWB file ${this.path} is closed`);
    }
    this.checkSweep(sweep);
    const startingTime = (Date.parse(sweep.startTime) - this.t0) / 1000;
    try {
      const series: WrittenSeries[] = sweep.channels.map((ch) => writeChannel(this.out, sweep, ch, startingTime, this.headstage(ch.headstage), this.gzip));
      this.tables.append(sweep, series);
      this.epochs.append(sweep, startingTime, series);
      this.out.flush();
    } catch (e) {
      // The HDF5 handle is abandoned, not closed: closing would flush the half-written sweep.
      // On disk the file stays as of the last flush, like after a crash (nwb.md §6).
      this.state = 'failed';
      const kept = this.written === 0 ? 'no sweep' : `the ${this.written} sweep(s) written before (up to sweep ${this.lastIndex})`;
      this.failure = new NwbError('NWB_WRITE_FAILED', `writing sweep ${sweep.index} to ${this.path} failed: ${messageOf(e)}; the file keeps ${kept}`, [], { cause: e });
      throw this.failure;
    }
    this.lastIndex = sweep.index;
    this.written++;
  }

  /** Flushes and closes the file; idempotent. After a write failure it only releases the writer. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.tables.finish();
    this.out.flush();
    this.out.file.close();
  }

  private headstage(hs: number): HeadstageInfo {
    const h = this.setup.headstages.find((x) => x.headstage === hs);
    if (!h) throw new NwbError('NWB_BAD_SWEEP', `headstage ${hs} was not declared when ${this.path} was created`);
    return h;
  }

  /** Refuses a sweep that cannot be stored before anything of it is written. */
  private checkSweep(s: Sweep): void {
    const p: string[] = [];
    if (!Number.isInteger(s.index) || s.index < 0 || s.index > 0xffffffff) p.push(`index ${s.index} is not a uint32`);
    else if (s.index <= this.lastIndex) p.push(`index ${s.index} is not after the last stored sweep ${this.lastIndex}`);
    if (!(s.sampleRate > 0) || !Number.isFinite(s.sampleRate)) p.push(`sampleRate ${s.sampleRate} must be > 0`);
    if (Number.isNaN(Date.parse(s.startTime))) p.push(`startTime ${JSON.stringify(s.startTime)} is not an ISO date`);
    if (s.channels.length === 0) p.push('the sweep has no channels');
    const seen = new Set<number>();
    for (const ch of s.channels) {
      if (seen.has(ch.headstage)) p.push(`headstage ${ch.headstage} appears twice`);
      seen.add(ch.headstage);
      if (!this.setup.headstages.some((h) => h.headstage === ch.headstage)) p.push(`headstage ${ch.headstage} was not declared`);
      if (ch.mode !== 'I=0' && ch.command.length !== ch.response.length) {
        p.push(`headstage ${ch.headstage}: command has ${ch.command.length} samples, response ${ch.response.length}`);
      }
    }
    for (const e of s.epochs) {
      if (e.headstage !== undefined && !seen.has(e.headstage)) p.push(`epoch ${e.kind} names headstage ${e.headstage}, which is not in the sweep`);
      if (!(e.stop >= e.start)) p.push(`epoch ${e.kind} stops (${e.stop} s) before it starts (${e.start} s)`);
    }
    const strings = [s.protocol, s.stimulusName, JSON.stringify(s.parameters), ...s.epochs.map((e) => e.kind + JSON.stringify(e.params))];
    if (strings.some((x) => x.includes('\0'))) p.push('text contains a NUL character');
    if (p.length > 0) throw new NwbError('NWB_BAD_SWEEP', `sweep ${s.index} cannot be stored: ${p.join('; ')}`, p);
  }
}

function gzipLevel(g: boolean | number | undefined): number | undefined {
  if (g === undefined || g === false) return undefined;
  if (g === true) return 1;
  if (!Number.isInteger(g) || g < 1 || g > 9) throw new NwbError('NWB_BAD_OPTIONS', `gzip level ${g} must be an integer 1–9 (or true/false)`);
  return g;
}

function checkTarget(target: string, overwrite: boolean): void {
  if (existsSync(target)) {
    if (statSync(target).isDirectory()) throw new NwbError('NWB_UNWRITABLE', `cannot create NWB file ${target}: it is a directory`);
    if (!overwrite) throw new NwbError('NWB_EXISTS', `NWB file ${target} already exists (use overwrite to replace it)`);
  }
  const dir = dirname(target);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new NwbError('NWB_UNWRITABLE', `cannot create NWB file ${target}: directory ${dir} is not writable (${messageOf(e)})`);
  }
}

/** Makes the rename durable. */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
