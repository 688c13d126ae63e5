import { Worker } from 'node:worker_threads';
import type { Sweep, SweepChannel } from '../../core/sweep.ts';
import { type WireSpec, type WriterReply, type WriterRequest, fromWire } from './messages.ts';

const WORKER_URL = new URL('./nwb-worker.ts', import.meta.url);
const PRELOAD_URL = new URL('./preload.mjs', import.meta.url);

type Request = WriterRequest extends infer R ? (R extends WriterRequest ? Omit<R, 'id'> : never) : never;
type Ok = Extract<WriterReply, { ok: true }>;

/**
 * The main-thread end of an NWB writer's worker thread (nwb-worker.ts): one worker per file,
 * requests answered in order. Rejections carry the worker's error (NwbError rebuilt with its code)
 * or, when the thread itself died, a plain Error saying so.
 */
export class WorkerBackend {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Ok) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  constructor() {
    // The worker starts without the parent's loader (vitest's or bin/*.js's): preload.mjs registers tsx's.
    this.worker = new Worker(WORKER_URL, { execArgv: ['--import', PRELOAD_URL.href] });
    // Like a file handle, an idle writer does not keep the process alive; a request in flight does.
    this.worker.unref();
    this.worker.on('message', (m: WriterReply) => this.onReply(m));
    this.worker.on('error', (e: Error) => this.fail(new Error(`the NWB writer thread failed: ${e.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`the NWB writer thread exited (code ${code})`)));
  }

  create(path: string, options: WireSpec): Promise<Ok> {
    return this.request({ kind: 'create', path, options });
  }

  /** Sends a sweep; `transfer` moves its sample buffers instead of copying them (see wireSweep). */
  async append(sweep: Sweep, transfer: boolean): Promise<void> {
    const wire = wireSweep(sweep, transfer);
    await this.request({ kind: 'append', sweep: wire.sweep }, wire.buffers);
  }

  async close(): Promise<void> {
    await this.request({ kind: 'close' });
  }

  /** Stops the thread (an abandoned HDF5 handle goes with it, unflushed). */
  async terminate(): Promise<void> {
    this.failure ??= new Error('the NWB writer thread was stopped');
    await this.worker.terminate();
  }

  private request(req: Request, transfer: ArrayBuffer[] = []): Promise<Ok> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Ok>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      try {
        this.worker.postMessage({ ...req, id } as WriterRequest, transfer);
      } catch (e) {
        // Something that cannot be cloned (a function in the metadata …): nothing was sent.
        this.onReply({ id, ok: false, error: { message: e instanceof Error ? e.message : String(e) } });
      }
    });
  }

  private onReply(m: WriterReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.ok) p.resolve(m);
    else p.reject(fromWire(m.error));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

/**
 * The sweep as posted: a sample array that owns its whole buffer is transferred (zero copy; the
 * caller's array is detached afterwards) when `transfer` is set; any other array (a view into a
 * larger or shared buffer, a buffer already listed, or all of them without `transfer`) is copied
 * once, so that posting never clones more than the samples and never detaches what is not ours.
 */
export function wireSweep(sweep: Sweep, transfer: boolean): { sweep: Sweep; buffers: ArrayBuffer[] } {
  const buffers = new Set<ArrayBuffer>();
  const own = (a: Float32Array): Float32Array => {
    const b = a.buffer;
    const whole = b instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === b.byteLength;
    if (transfer && whole && !buffers.has(b)) {
      buffers.add(b);
      return a;
    }
    const copy = a.slice();
    buffers.add(copy.buffer);
    return copy;
  };
  const channels: SweepChannel[] = sweep.channels.map((c) => ({ ...c, command: own(c.command), response: own(c.response) }));
  return { sweep: { ...sweep, channels }, buffers: [...buffers] };
}
