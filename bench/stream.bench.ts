/**
 * Stream benchmark (console issue): latency from sample time to client receipt through `/ws`, at
 * 8 headstages × 50 kHz (command and response) in 10 ms blocks paced to real time, with 1, 4 and
 * 16 watching clients plus one stalled client (subscribed to raw samples and never reading, so
 * its queue fills), and the bytes per second an active client receives at a 1500-pixel, 2 s
 * screen. Baseline: a bare `ws` server sending the same encoded frames to the same clients with no
 * hub (no per-client backpressure, no subscription logic), in the same run.
 *
 * The clients run in a worker thread (as a browser would be another process), and time is
 * compared on `performance.timeOrigin + performance.now()`. Block k's last sample is taken at
 * t0 + (k+1) × 10 ms; a frame's latency is its receipt time minus that.
 *
 * Also the sweep browser (console criterion 12, < 1 s) with 200 sweeps of 8 headstages × 5 s ×
 * 50 kHz in the store: opening it (the list and one sweep on all 8 headstages, 1500 columns, as
 * JSON) and overlaying one headstage's 200 sweeps; baseline: the same views decimated from
 * full-resolution samples, as a store that kept (or re-read) every sample would have to.
 */
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Sweep } from '../src/core/sweep.ts';
import { SweepStore } from '../src/experiments/sweep-store.ts';
import { decimationFactor, minMaxColumns } from '../src/server/ws/decimate.ts';
import { encodeTraceFrame } from '../src/server/ws/frame.ts';
import { StreamHub } from '../src/server/ws/hub.ts';
import { registerWsRoute } from '../src/server/ws/route.ts';
import { report } from './format.ts';

const RATE = 50_000;
const HEADSTAGES = 8;
const BLOCK = 500; // 10 ms
const SECONDS = 4;
const WIDTH = 1500;
const SPAN = 2;
const COUNTS = [1, 4, 16];

const now = () => performance.timeOrigin + performance.now();

/** Worker: `active` clients subscribe to the screen and record latencies; one stalled client never reads. */
const CLIENTS = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require('ws');
const { url, active, t0, blockMs, blockScans, width, span, headstages } = workerData;
const now = () => performance.timeOrigin + performance.now();
const lat = [];
const bytes = new Array(active).fill(0);
let open = 0;
const sockets = [];
function ready() { if (++open === active + 1) parentPort.postMessage({ type: 'ready' }); }
for (let i = 0; i < active; i++) {
  const ws = new WebSocket(url);
  sockets.push(ws);
  ws.on('open', () => { ws.send(JSON.stringify({ type: 'subscribe', headstages, width, span })); ready(); });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const t = now();
    bytes[i] += data.length;
    const first = data.readUInt32LE(12);
    const n = data.readUInt32LE(28);
    const k = Math.round((first + n) / blockScans) - 1;
    lat.push(t - (t0 + (k + 1) * blockMs));
  });
}
const stalled = new WebSocket(url);
sockets.push(stalled);
stalled.on('open', () => { stalled.send(JSON.stringify({ type: 'subscribe', headstages, width: 16384 })); setTimeout(() => { stalled.pause(); ready(); }, 50); });
parentPort.on('message', (m) => {
  if (m === 'report') {
    parentPort.postMessage({ type: 'report', lat, bytes });
    for (const s of sockets) s.terminate();
  }
});
`;

interface Run {
  lat: number[];
  bytes: number[];
}

function quantile(v: number[], q: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

/** The fixed blocks every run publishes: noise, so min/max does real work. */
function makeBlock(): { responses: Float32Array[]; commands: Float32Array[] } {
  const mk = () => Float32Array.from({ length: BLOCK }, () => Math.random() * 1e-10);
  return { responses: Array.from({ length: HEADSTAGES }, mk), commands: Array.from({ length: HEADSTAGES }, mk) };
}

/** Publishes blocks paced to real time for SECONDS, with `publish(k)` for block k; the clients in a worker. */
async function drive(url: string, active: number, publish: (k: number) => void): Promise<Run> {
  const t0 = now() + 300;
  const w = new Worker(CLIENTS, { eval: true, workerData: { url, active, t0, blockMs: (BLOCK / RATE) * 1000, blockScans: BLOCK, width: WIDTH, span: SPAN, headstages: Array.from({ length: HEADSTAGES }, (_, k) => k) } });
  await new Promise<void>((resolve, reject) => {
    w.once('error', reject);
    w.on('message', (m: { type: string }) => m.type === 'ready' && resolve());
  });
  const blocks = (SECONDS * RATE) / BLOCK;
  const startAt = now();
  const base = Math.max(t0, startAt);
  const k0 = Math.ceil((base - t0) / ((BLOCK / RATE) * 1000));
  for (let k = k0; k < k0 + blocks; k++) {
    const due = t0 + (k + 1) * (BLOCK / RATE) * 1000;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    publish(k);
  }
  await new Promise((r) => setTimeout(r, 300));
  const result = await new Promise<Run>((resolve) => {
    w.on('message', (m: { type: string } & Run) => m.type === 'report' && resolve(m));
    w.postMessage('report');
  });
  await w.terminate();
  // Bytes per second over the driven span only.
  return { lat: result.lat, bytes: result.bytes.map((b) => b / SECONDS) };
}

async function hubRun(active: number): Promise<Run> {
  const hub = new StreamHub({ headstageCount: HEADSTAGES, sampleRate: RATE });
  const app = Fastify();
  registerWsRoute(app, hub);
  const url = `${(await app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws')}/ws`;
  const b = makeBlock();
  const headstages = Array.from({ length: HEADSTAGES }, (_, k) => k);
  const run = await drive(url, active, (k) => hub.publishBlock({ sweep: 0, firstScan: k * BLOCK, scans: BLOCK, sampleRate: RATE, headstages, ...b }));
  await app.close();
  return run;
}

/** The bare-ws baseline: the same frames (cached per factor), sent to every subscribed client, no hub. */
async function rawRun(active: number): Promise<Run> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const subs = new Map<WebSocket, { width: number; span?: number }>();
  wss.on('connection', (s) => s.on('message', (d: Buffer) => subs.set(s, JSON.parse(d.toString()) as { width: number; span?: number })));
  const port = (wss.address() as { port: number }).port;
  const b = makeBlock();
  const run = await drive(`ws://127.0.0.1:${port}/ws`, active, (k) => {
    const cache = new Map<string, Buffer>();
    for (const [s, sub] of subs) {
      const factor = decimationFactor(sub.span === undefined ? BLOCK : Math.round(sub.span * RATE), sub.width);
      for (let h = 0; h < HEADSTAGES; h++) {
        for (const signal of [0, 1] as const) {
          const key = `${signal}:${h}:${factor}`;
          let buf = cache.get(key);
          if (!buf) {
            const samples = (signal === 0 ? b.commands : b.responses)[h] as Float32Array;
            buf = encodeTraceFrame({ headstage: h, signal, sweep: 0, firstSample: k * BLOCK, sampleRate: RATE, decimation: factor, sampleCount: BLOCK, values: minMaxColumns(samples, factor) });
            cache.set(key, buf);
          }
          s.send(buf, { binary: true });
        }
      }
    }
  });
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
  return run;
}

function benchSweep(index: number, samples: Float32Array): Sweep {
  return {
    index, protocol: 'bench', stimulusName: 'bench', startTime: new Date().toISOString(), sampleRate: RATE, epochs: [], parameters: {}, aborted: false,
    channels: Array.from({ length: HEADSTAGES }, (_, headstage) => ({
      headstage, mode: 'VC' as const, command: samples, response: samples, holding: 0, stimScale: 1,
      settings: { mode: 'VC' as const, outputScale: 1, commandSensitivity: 1, lpfHz: 1e4, device: {} },
    })),
  };
}

function sweepBrowser(): void {
  const SWEEPS = 200;
  const samples = Float32Array.from({ length: 5 * RATE }, () => Math.random() * 1e-10);
  const store = new SweepStore();
  for (let i = 0; i < SWEEPS; i++) store.add(benchSweep(i, samples));
  const full = new SweepStore({ fullSweeps: 20 });
  for (let i = 0; i < 20; i++) full.add(benchSweep(i, samples));
  const context = { sweeps: SWEEPS, headstages: HEADSTAGES, sweep_s: 5, sample_rate_Hz: RATE, width_px: WIDTH };
  // Opening: the list and one older sweep on every headstage, as JSON.
  let t = performance.now();
  let bytes = JSON.stringify(store.list()).length + JSON.stringify(store.view(10, { width: WIDTH })).length;
  const open = performance.now() - t;
  t = performance.now();
  JSON.stringify(full.list());
  JSON.stringify(full.view(10, { width: WIDTH }));
  const openFull = performance.now() - t;
  report({ bench: 'stream', metric: 'sweep_browser_open_ms', value: open, baseline: { name: 'same view decimated from full resolution', value: openFull }, context: { ...context, json_kB: Math.round(bytes / 1000) } });
  // Overlay: one headstage's every sweep.
  t = performance.now();
  bytes = 0;
  for (let i = 0; i < SWEEPS; i++) bytes += JSON.stringify(store.view(i, { width: WIDTH, headstages: [3] })).length;
  const overlay = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 20; i++) JSON.stringify(full.view(i, { width: WIDTH, headstages: [3] }));
  const overlayFull = ((performance.now() - t) * SWEEPS) / 20;
  report({ bench: 'stream', metric: 'sweep_overlay_ms_200', value: overlay, baseline: { name: 'decimating from full resolution (20 sweeps, scaled)', value: overlayFull }, context: { ...context, json_kB: Math.round(bytes / 1000) } });
}

export async function run(): Promise<void> {
  sweepBrowser();
  const context = { headstages: HEADSTAGES, sample_rate_Hz: RATE, block_ms: (BLOCK / RATE) * 1000, width_px: WIDTH, span_s: SPAN, stalled_clients: 1 };
  let bytes = { hub: 0, raw: 0 };
  // One unreported pass of each first: JIT and socket set-up would otherwise land in the first p99.
  await hubRun(1);
  await rawRun(1);
  for (const n of COUNTS) {
    const hub = await hubRun(n);
    const raw = await rawRun(n);
    for (const q of [0.5, 0.99] as const) {
      report({
        bench: 'stream',
        metric: `latency_p${q * 100}_ms_${n}`,
        value: quantile(hub.lat, q),
        baseline: { name: 'bare ws server, same frames', value: quantile(raw.lat, q) },
        context: { ...context, active_clients: n, frames: hub.lat.length },
      });
    }
    if (n === 16) bytes = { hub: Math.min(...hub.bytes), raw: Math.min(...raw.bytes) };
  }
  report({ bench: 'stream', metric: 'bytes_per_s_per_client', value: bytes.hub, baseline: { name: 'bare ws server, same frames', value: bytes.raw }, context: { ...context, active_clients: 16 } });
}
