import { Worker } from 'node:worker_threads';
import type { AmplifierAnalogPath } from '../devices/amplifier/analog-path.ts';
import type { AnalogWiring } from '../devices/analog-wiring.ts';
import type { AnalogRigSpec } from './analog-spec.ts';
import type { BlockReply, BlockRequest } from './messages.ts';

const WORKER_URL = new URL('./analog-worker.ts', import.meta.url);
const REGISTER_TSX_URL = new URL('./register-tsx.mjs', import.meta.url);

/**
 * A simulated rig's cables whose physics computes in a worker thread (analog-worker.ts): per block
 * the AO volts and every amplifier channel's settings go to the worker, the AI volts and output
 * saturation changes come back. The amplifiers' own analog paths (`fronts`, one per amplifier of
 * the spec, same order) supply the settings and report the saturation; the worker's twins, built
 * from the same spec, compute exactly what the fronts would compute in this thread.
 *
 * One copy per block and direction (the digitizer's arrays ↔ the transferred flat buffers).
 */
export class WorkerWiring implements AnalogWiring {
  private readonly worker: Worker;
  private aoBuf: Float64Array<ArrayBuffer> = new Float64Array(0);
  private aiBuf: Float64Array<ArrayBuffer> = new Float64Array(0);
  private nextId = 1;
  private pending: { id: number; resolve: (r: BlockReply) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(
    spec: AnalogRigSpec,
    private readonly fronts: readonly AmplifierAnalogPath[],
  ) {
    if (fronts.length !== spec.amplifiers.length) throw new RangeError(`${fronts.length} amplifier fronts for ${spec.amplifiers.length} amplifiers`);
    // The worker starts without the parent's loader (vitest's or bin/patchrig.js's): preload tsx's.
    this.worker = new Worker(WORKER_URL, { workerData: spec, execArgv: ['--import', REGISTER_TSX_URL.href] });
    // Only a block in flight keeps the process alive.
    this.worker.unref();
    this.worker.on('message', (m: BlockReply) => this.onReply(m));
    this.worker.on('error', (e: Error) => this.fail(new Error(`analog worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`analog worker exited (code ${code})`)));
  }

  async run(ao: readonly Float64Array[], ai: Float64Array[], n: number, dt: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending) throw new Error('analog worker: the previous block is still being computed');
    const nAo = ao.length;
    const nAi = ai.length;
    if (this.aoBuf.length < nAo * n) this.aoBuf = new Float64Array(nAo * n);
    if (this.aiBuf.length < nAi * n) this.aiBuf = new Float64Array(nAi * n);
    ao.forEach((src, k) => this.aoBuf.set(src.subarray(0, n), k * n));
    const req: BlockRequest = {
      id: this.nextId++,
      n,
      dt,
      nAo,
      nAi,
      ao: this.aoBuf,
      ai: this.aiBuf,
      settings: this.fronts.map((f) => Array.from({ length: f.channelCount }, (_, ch) => f.channelSettings(ch))),
    };
    const reply = await new Promise<BlockReply>((resolve, reject) => {
      this.pending = { id: req.id, resolve, reject };
      this.worker.ref();
      this.worker.postMessage(req, [req.ao.buffer, req.ai.buffer]);
    });
    if ('error' in reply) throw new Error(`analog worker: ${reply.error}`);
    this.aoBuf = reply.ao;
    this.aiBuf = reply.ai;
    ai.forEach((dst, k) => dst.set(reply.ai.subarray(k * n, (k + 1) * n)));
    for (const [amp, ch, on] of reply.overloads) this.fronts[amp]?.reportOverload(ch, on);
  }

  /** Stops the worker; a block in flight fails. */
  async close(): Promise<void> {
    this.failure ??= new Error('analog worker closed');
    await this.worker.terminate();
  }

  private onReply(m: BlockReply): void {
    const p = this.pending;
    if (!p || p.id !== m.id) return;
    this.pending = undefined;
    this.worker.unref();
    p.resolve(m);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.failure);
  }
}
