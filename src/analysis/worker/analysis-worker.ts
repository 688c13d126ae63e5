import { Worker } from 'node:worker_threads';
import type { Sweep } from '../../core/sweep.ts';
import type { AnalysisEvent } from '../online.ts';
import type { AnalysisReply, AnalysisRequest } from './messages.ts';

const THREAD_URL = new URL('./analysis-thread.ts', import.meta.url);
const PRELOAD_URL = new URL('./preload.mjs', import.meta.url);

/**
 * Online analysis off the event loop. A sweep's analysis takes 0.5–1 s on the bench machine; in
 * the service's thread that would stall streaming and device I/O for as long (DESIGN §3 allows
 * ≈ 16 ms), so it runs in a worker thread holding one `OnlineAnalysis`. `addSweep` copies the
 * sweep (structured clone), so the caller may hand the sweep's buffers on at once (the NWB
 * writer transfers them to its own thread).
 */
export class AnalysisWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: AnalysisReply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(THREAD_URL, { execArgv: ['--import', PRELOAD_URL.href] });
    // An idle analysis thread does not keep the process alive; a request in flight does.
    this.worker.unref();
    this.worker.on('message', (r: AnalysisReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(r);
    });
    this.worker.on('error', (e: Error) => this.fail(new Error(`the analysis thread failed: ${e.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`the analysis thread exited (code ${code})`)));
  }

  /** Analyses one sweep after every earlier one; resolves to its `analysis` event. */
  async addSweep(sweep: Sweep): Promise<AnalysisEvent> {
    const r = await this.request({ id: this.nextId++, op: 'sweep', sweep });
    if (!r.ok) throw new Error(r.error);
    if (!r.event) throw new Error('the analysis thread answered a sweep without its event');
    return r.event;
  }

  /** Starts over (a new experiment). */
  async reset(): Promise<void> {
    const r = await this.request({ id: this.nextId++, op: 'reset' });
    if (!r.ok) throw new Error(r.error);
  }

  async close(): Promise<void> {
    this.fail(new Error('the analysis thread was closed'));
    await this.worker.terminate();
  }

  private request(m: AnalysisRequest): Promise<AnalysisReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(m.id, { resolve, reject });
      this.worker.ref();
      // Structured clone copies the typed arrays: the caller keeps (or transfers) its own.
      this.worker.postMessage(m);
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
