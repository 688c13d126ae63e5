import { resolve } from 'node:path';
import type { Sweep } from '../core/sweep.ts';
import { NwbError, messageOf } from './errors.ts';
import type { FaultPlan } from './faults.ts';
import type { FaultInjector } from './h5-file.ts';
import type { NwbWriterSetup } from './metadata.ts';
import { type WriterSetupOptions, checkOptions } from './options.ts';
import { markWriting } from './recover.ts';
import { checkSweep } from './sweep-check.ts';
import { checkTarget } from './target.ts';
import { WorkerBackend } from './worker/worker-backend.ts';
import { WriterCore } from './writer-core.ts';

export type { FaultPlan, FaultRule } from './faults.ts';

/** Where a writer's h5wasm work runs. */
export type WriterThread = 'worker' | 'inline';

export interface NwbWriterOptions extends WriterSetupOptions {
  /** Schema directory (core/ + hdmf-common/); when given, the specification is cached in the file. */
  schemaDir?: string;
  /** Replace an existing file (only once the new skeleton is complete). */
  overwrite?: boolean;
  /** Written to /general/source_script; defaults to `patchrig`. */
  sourceScript?: string;
  /**
   * Test hook simulating a failing disk before any write of the file layer: a FaultPlan (data,
   * applied in the writer's thread), or a function that throws (in-thread writers only).
   */
  faultInjector?: FaultInjector | FaultPlan;
  /**
   * 'worker' (default): h5wasm, flush and commit run in a worker thread, so the event loop stays
   * free (DESIGN §3). 'inline': in this thread, blocking it for the whole sweep (≈ 0.25–0.4 s for
   * 8 × 5 s × 50 kHz). Both write through the commit layer and survive SIGKILL at any moment
   * (docs/decisions/0005). Only 'inline' accepts a function as `faultInjector`.
   */
  thread?: WriterThread;
}

export interface AppendOptions {
  /**
   * true (default): sample arrays that own their buffers move to the writer thread without a
   * copy and are detached (empty) once `append` has been called — pass a sweep you are done
   * with. false: they are copied once and stay usable. Ignored by an in-thread writer.
   */
  transfer?: boolean;
}

/** The thread-specific half of a writer; rejections carry the file layer's error as it was thrown. */
interface Backend {
  append(sweep: Sweep, transfer: boolean): Promise<void>;
  close(): Promise<void>;
  /** Lets go after a failed write without flushing anything. */
  release(): Promise<void>;
}

function inlineBackend(core: WriterCore): Backend {
  return {
    append: async (sweep) => core.write(sweep),
    close: async () => core.close(),
    release: async () => undefined,
  };
}

function workerBackend(w: WorkerBackend): Backend {
  return {
    append: (sweep, transfer) => w.append(sweep, transfer),
    close: async () => {
      try {
        await w.close();
      } finally {
        await w.terminate();
      }
    },
    release: () => w.terminate(),
  };
}

/**
 * One NWB 2.7.0 file per experiment, written sweep by sweep: the skeleton is committed at
 * creation, every `append` adds a sweep's series, table rows and epochs, flushes and commits
 * (commit-layer/: a redo journal under HDF5, docs/decisions/0005), so a crash at any moment leaves
 * a file that opens with every sweep whose append resolved (after `recoverNwbFile`, which every
 * patchrig open runs). Append-only; a write error stops the writer and leaves the file as of the
 * last committed sweep.
 *
 * The HDF5 work runs in a worker thread by default, or in this one (option `thread`); sweeps are
 * checked here first, so a refused sweep is never sent, and appends are written in the order they
 * were called.
 */
export class NwbWriter {
  readonly path: string;
  readonly identifier: string;
  readonly thread: WriterThread;
  private readonly backend: Backend;
  private readonly setup: NwbWriterSetup;
  /** Index of the last sweep accepted for writing (checked, maybe not yet durable). */
  private accepted = -1;
  /** Index of the last durable sweep. */
  private lastIndex = -1;
  private written = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private failure: NwbError | undefined;
  /** The append in progress and those queued behind it. */
  private tail: Promise<void> = Promise.resolve();
  /** Lets recovery at this file again (set by create). */
  private unmark: () => void = () => undefined;

  private constructor(backend: Backend, setup: NwbWriterSetup, path: string, identifier: string, thread: WriterThread) {
    this.backend = backend;
    this.setup = setup;
    this.path = path;
    this.identifier = identifier;
    this.thread = thread;
  }

  static async create(path: string, options: NwbWriterOptions): Promise<NwbWriter> {
    // From here until the writer lets go, recovery (recover.ts) keeps out of this file.
    const unmark = markWriting(path);
    try {
      const w = await NwbWriter.open(path, options);
      w.unmark = unmark;
      return w;
    } catch (e) {
      unmark();
      throw e;
    }
  }

  private static async open(path: string, options: NwbWriterOptions): Promise<NwbWriter> {
    const { thread = 'worker', faultInjector, metadata: _m, devices: _d, headstages: _h, gzip: _g, ...rest } = options;
    const checked = checkOptions(options);
    if (thread === 'inline') {
      const core = await WriterCore.create(path, { ...rest, ...checked, ...(faultInjector ? { faultInjector } : {}) });
      return new NwbWriter(inlineBackend(core), core.setup, core.path, core.identifier, 'inline');
    }
    if (thread !== 'worker') throw new NwbError('NWB_BAD_OPTIONS', `thread ${JSON.stringify(thread)} must be 'worker' or 'inline'`);
    if (typeof faultInjector === 'function') {
      throw new NwbError('NWB_BAD_OPTIONS', "a faultInjector function cannot reach the writer thread: pass a FaultPlan, or thread: 'inline'");
    }
    // Refused before a thread is started (the writer thread checks again, just before writing).
    checkTarget(resolve(path), options.overwrite === true);
    const worker = new WorkerBackend();
    try {
      const ok = await worker.create(path, { ...rest, ...checked, ...(faultInjector ? { faultInjector } : {}) });
      return new NwbWriter(workerBackend(worker), checked.setup, ok.path, ok.identifier, 'worker');
    } catch (e) {
      await worker.terminate();
      if (e instanceof NwbError) throw e;
      throw new NwbError('NWB_UNWRITABLE', `cannot create NWB file ${resolve(path)}: ${messageOf(e)}`, [], { cause: e });
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
  async append(sweep: Sweep, options: AppendOptions = {}): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new NwbError('NWB_CLOSED', `NWB file ${this.path} is closed`);
    checkSweep(sweep, this.setup, this.accepted);
    this.accepted = sweep.index;
    const done = this.tail.then(() => this.write(sweep, options.transfer ?? true));
    this.tail = done.catch(() => undefined);
    return done;
  }

  /** Flushes and closes the file; idempotent. After a write failure it only releases the writer. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.tail.then(() => (this.failure ? undefined : this.backend.close())).finally(() => this.unmark());
    return this.closing;
  }

  private async write(sweep: Sweep, transfer: boolean): Promise<void> {
    // A sweep queued behind one that failed is refused with that failure.
    if (this.failure) throw this.failure;
    try {
      await this.backend.append(sweep, transfer);
    } catch (e) {
      const kept = this.written === 0 ? 'no sweep' : `the ${this.written} sweep(s) written before (up to sweep ${this.lastIndex})`;
      this.failure = new NwbError('NWB_WRITE_FAILED', `writing sweep ${sweep.index} to ${this.path} failed: ${messageOf(e)}; the file keeps ${kept}`, [], { cause: e });
      await this.backend.release();
      this.unmark();
      throw this.failure;
    }
    this.lastIndex = sweep.index;
    this.written++;
  }
}
