/**
 * Entry of the analog worker thread (DESIGN §3: a simulated slice computes off the event loop that
 * serves clients). Builds the rig's preparations and amplifier analog paths from the spec it is
 * started with, then computes one block per request. Started by WorkerWiring with tsx's loader
 * preloaded (register-tsx.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AnalogRigEngine, type AnalogRigSpec } from './analog-spec.ts';
import type { BlockReply, BlockRequest } from './messages.ts';

const port = parentPort;
if (!port) throw new Error('analog-worker.ts runs only as a worker thread');
const engine = new AnalogRigEngine(workerData as AnalogRigSpec);

const views = (flat: Float64Array, channels: number, n: number): Float64Array[] =>
  Array.from({ length: channels }, (_, k) => flat.subarray(k * n, (k + 1) * n));

port.on('message', (req: BlockRequest) => {
  let reply: BlockReply;
  try {
    const overloads = engine.run(views(req.ao, req.nAo, req.n), views(req.ai, req.nAi, req.n), req.n, req.dt, req.settings);
    reply = { id: req.id, ao: req.ao, ai: req.ai, overloads };
  } catch (e) {
    reply = { id: req.id, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply, 'error' in reply ? [] : [reply.ao.buffer, reply.ai.buffer]);
});
