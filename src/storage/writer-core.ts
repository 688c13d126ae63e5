import { randomUUID } from 'node:crypto';
import { existsSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { File as H5File } from 'h5wasm/node';
import type { Sweep } from '../core/sweep.ts';
import { type CommitStats, type CommittedFile } from './commit-layer/committed-file.ts';
import { openCommitted } from './commit-layer/interposer.ts';
import { journalPathOf } from './commit-layer/journal.ts';
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
 * checked by NwbWriter) with flush + commit each, closes. The file's I/O goes through the commit
 * layer (commit-layer/, docs/decisions/0005), so between commits the disk holds the last committed
 * state whatever HDF5 does, and a SIGKILL at any moment leaves a file that opens (after
 * recovery) with every committed sweep. A failed write abandons the file (closed, its writes refused by the layer).
 */
export class WriterCore {
  readonly path: string;
  readonly identifier: string;
  readonly setup: NwbWriterSetup;
  private readonly out: H5Out;
  private readonly committed: CommittedFile;
  private readonly ctx: WriteContext;
  private readonly t0: number;
  private readonly gzip: number | undefined;
  private readonly tables: IcephysTables;
  private readonly epochs: EpochsTable;
  private state: 'open' | 'closed' | 'abandoned' = 'open';

  private constructor(out: H5Out, committed: CommittedFile, ctx: WriteContext, setup: NwbWriterSetup, identifier: string, gzip: number | undefined) {
    this.out = out;
    this.committed = committed;
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
      const opened = openCommitted(tmp, () => new h5wasm.File(tmp, 'w'));
      file = opened.value;
      const committed = opened.file;
      if (fault) committed.beforeStep = (step) => fault('commit', `${committed.path}#${step}`);
      const commit = () => void committed.commit();
      const identifier = setup.metadata.identifier ?? randomUUID();
      const out = new H5Out(file, mod, tmp, commit, fault);
      writeSkeleton(out, setup, identifier, options.sourceScript ?? 'patchrig');
      if (schema) writeSpecCache(out, schema);
      out.flush();
      // A journal left by a crashed writer of an older file of this name must not meet the new one.
      const stale = journalPathOf(target);
      if (existsSync(stale)) unlinkSync(stale);
      // The open descriptor follows the rename; the journal goes beside the new name.
      renameSync(tmp, target);
      committed.path = target;
      fsyncDir(dirname(target));
      return new WriterCore(new H5Out(file, mod, target, commit, fault), committed, ctx, setup, identifier, gzip);
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

  /** What the last commit did (benchmarks). */
  get lastCommit(): CommitStats | undefined {
    return this.committed.lastStats;
  }

  /** Writes one checked sweep, flushes and commits; throws what the file layer threw. */
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
      // The commit layer refuses all writes from now on, so the file stays as of its last commit;
      // closing the HDF5 handle (its flush fails on those refusals) frees HDF5's state of the
      // file, which a later open in this thread would otherwise share, half-written sweep and all.
      this.state = 'abandoned';
      this.committed.abandon(`writing sweep ${sweep.index} failed`);
      try {
        this.out.file.close();
      } catch {
        // expected: the flush of the close was refused
      }
      throw e;
    }
  }

  /** Flushes, commits and closes the file; idempotent; does nothing once abandoned. */
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
