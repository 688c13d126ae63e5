import { randomUUID } from 'node:crypto';
import { existsSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { File as H5File } from 'h5wasm/node';
import type { Sweep } from '../core/sweep.ts';
import { EpochsTable } from './epochs.ts';
import { NwbError, messageOf } from './errors.ts';
import { type FaultPlan, type WriteContext, planInjector } from './faults.ts';
import { type FaultInjector, H5Out } from './h5-file.ts';
import { h5wasm, loadH5 } from './h5-module.ts';
import { IcephysTables } from './icephys.ts';
import type { HeadstageInfo, NwbWriterSetup } from './metadata.ts';
import { type WrittenSeries, writeChannel } from './series.ts';
import { writeSkeleton } from './skeleton.ts';
import { loadSchema, writeSpecCache } from './spec-cache.ts';
import { checkTarget, fsyncDir } from './target.ts';

/**
 * What a WriterCore is created from: the setup and gzip level already checked by NwbWriter (so the
 * writer thread needs no validation library), the rest of the options as given.
 */
export interface CoreSpec {
  setup: NwbWriterSetup;
  gzip?: number;
  schemaDir?: string;
  overwrite?: boolean;
  sourceScript?: string;
  faultInjector?: FaultInjector | FaultPlan;
}

/**
 * The synchronous h5wasm side of an NWB writer (runs in the writer's worker thread, or in this
 * thread for an in-thread writer): creates the file with its skeleton, writes sweeps (already
 * checked by NwbWriter) with flush + fsync each, closes. A failed write abandons the HDF5 handle.
 */
export class WriterCore {
  readonly path: string;
  readonly identifier: string;
  readonly setup: NwbWriterSetup;
  private readonly out: H5Out;
  private readonly ctx: WriteContext;
  private readonly t0: number;
  private readonly gzip: number | undefined;
  private readonly tables: IcephysTables;
  private readonly epochs: EpochsTable;
  private state: 'open' | 'closed' | 'abandoned' = 'open';

  private constructor(out: H5Out, ctx: WriteContext, setup: NwbWriterSetup, identifier: string, gzip: number | undefined) {
    this.out = out;
    this.ctx = ctx;
    this.path = out.path;
    this.setup = setup;
    this.identifier = identifier;
    this.t0 = Date.parse(setup.metadata.sessionStartTime);
    this.gzip = gzip;
    this.tables = new IcephysTables(out, setup.metadata.cells ?? []);
    this.epochs = new EpochsTable(out);
  }

  static async create(path: string, options: CoreSpec): Promise<WriterCore> {
    const { setup, gzip } = options;
    const schema = options.schemaDir !== undefined ? loadSchema(options.schemaDir) : undefined;
    const target = resolve(path);
    checkTarget(target, options.overwrite === true);
    const mod = await loadH5();
    const ctx: WriteContext = { phase: 'create' };
    const f = options.faultInjector;
    const fault = typeof f === 'function' ? f : f ? planInjector(f, ctx) : undefined;
    // The skeleton goes to a temporary name first, so a failure (or an old file being replaced)
    // never leaves a half-written file under the target name.
    const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomUUID().slice(0, 8)}.partial`);
    let file: H5File | undefined;
    try {
      file = new h5wasm.File(tmp, 'w');
      const identifier = setup.metadata.identifier ?? randomUUID();
      const out = new H5Out(file, mod, tmp, fault);
      writeSkeleton(out, setup, identifier, options.sourceScript ?? 'patchrig');
      if (schema) writeSpecCache(out, schema);
      out.flush();
      // The open descriptor follows the rename; only the name used for fsync changes.
      renameSync(tmp, target);
      fsyncDir(dirname(target));
      return new WriterCore(new H5Out(file, mod, target, fault), ctx, setup, identifier, gzip);
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

  /** Writes one checked sweep and flushes + fsyncs; throws what the file layer threw. */
  write(sweep: Sweep): void {
    if (this.state !== 'open') throw new Error(`the writer of ${this.path} is ${this.state}`);
    this.ctx.phase = 'append';
    this.ctx.sweep = sweep.index;
    const startingTime = (Date.parse(sweep.startTime) - this.t0) / 1000;
    try {
      const series: WrittenSeries[] = sweep.channels.map((ch) => writeChannel(this.out, sweep, ch, startingTime, this.headstage(ch.headstage), this.gzip));
      this.tables.append(sweep, series);
      this.epochs.append(sweep, startingTime, series);
      this.out.flush();
    } catch (e) {
      // The HDF5 handle is abandoned, not closed: closing would flush the half-written sweep.
      // On disk the file stays as of the last flush, like after a crash (nwb.md §6).
      this.state = 'abandoned';
      throw e;
    }
  }

  /** Flushes and closes the file; idempotent; leaves an abandoned handle alone. */
  close(): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.ctx.phase = 'close';
    delete this.ctx.sweep;
    this.tables.finish();
    this.out.flush();
    this.out.file.close();
  }

  private headstage(hs: number): HeadstageInfo {
    const h = this.setup.headstages.find((x) => x.headstage === hs);
    if (!h) throw new NwbError('NWB_BAD_SWEEP', `headstage ${hs} was not declared when ${this.path} was created`);
    return h;
  }
}
