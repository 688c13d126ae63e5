/**
 * Entry of an NWB writer's worker thread (DESIGN §3: NWB writing never blocks streaming for longer
 * than a frame). Runs one WriterCore: h5wasm, flush and commit all happen here, so a sweep's
 * hundreds of milliseconds of HDF5 work stay off the event loop that serves clients. Started by
 * WorkerBackend with tsx's loader preloaded (register-tsx.mjs).
 */
import { parentPort } from 'node:worker_threads';
import { WriterCore } from '../writer-core.ts';
import { type WriterReply, type WriterRequest, toWire } from './messages.ts';

const port = parentPort;
if (!port) throw new Error('nwb-worker.ts runs only as a worker thread');

let core: WriterCore | undefined;

async function handle(req: WriterRequest): Promise<WriterReply> {
  try {
    if (req.kind === 'create') {
      if (core) throw new Error('this writer thread already has a file');
      core = await WriterCore.create(req.path, req.options);
    } else if (!core) {
      throw new Error(`no file is open in this writer thread (${req.kind})`);
    } else if (req.kind === 'append') {
      core.write(req.sweep);
    } else {
      core.close();
    }
    return { id: req.id, ok: true, path: core.path, identifier: core.identifier };
  } catch (e) {
    return { id: req.id, ok: false, error: toWire(e) };
  }
}

// Requests are handled strictly in order, even while `create` awaits h5wasm's start.
let tail = Promise.resolve();
port.on('message', (req: WriterRequest) => {
  tail = tail.then(async () => port.postMessage(await handle(req)));
});
