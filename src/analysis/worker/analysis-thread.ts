import { parentPort } from 'node:worker_threads';
import { OnlineAnalysis } from '../online.ts';
import type { AnalysisReply, AnalysisRequest } from './messages.ts';

// The worker side of AnalysisWorker: one OnlineAnalysis per experiment, sweeps in arrival order.
const port = parentPort;
if (!port) throw new Error('analysis-thread.ts runs only as a worker thread');
let analysis = new OnlineAnalysis();

port.on('message', (m: AnalysisRequest) => {
  let reply: AnalysisReply;
  try {
    if (m.op === 'reset') {
      analysis = new OnlineAnalysis();
      reply = { id: m.id, ok: true };
    } else {
      reply = { id: m.id, ok: true, event: analysis.addSweep(m.sweep) };
    }
  } catch (e) {
    reply = { id: m.id, ok: false, error: (e as Error).message };
  }
  port.postMessage(reply);
});
