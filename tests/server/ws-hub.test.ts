import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Rig } from '../../src/rig/open-rig.ts';
import { buildApp } from '../../src/server/app.ts';
import { FRAME_HEADER_BYTES, decodeTraceFrame } from '../../src/server/ws/frame.ts';
import { type HubBlock, StreamHub } from '../../src/server/ws/hub.ts';
import { passiveRig, post, tempDir, waitForPhase } from './helpers.ts';
import { type TestClient, connect, listen } from './ws-helpers.ts';

let rig: Rig | undefined;
let app: FastifyInstance | undefined;
let dir: string | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await app?.close();
  await rig?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  app = rig = dir = undefined;
});

async function serve(hubOpts: { maxBuffered?: number } = {}, allowedOrigins?: string[]): Promise<{ url: string; hub: StreamHub }> {
  rig = await passiveRig(4);
  const hub = new StreamHub({ headstageCount: 4, ...hubOpts });
  app = buildApp({ rig, hub, allowedOrigins });
  return { url: `${await listen(app)}/ws`, hub };
}

async function client(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  const c = await connect(url, headers);
  clients.push(c);
  return c;
}

/** A block of `scans` samples per headstage: a flat −65 mV with a one-sample spike at `spikeAt`. */
function block(o: { sweep?: number; firstScan?: number; scans: number; headstages?: number[]; sampleRate?: number; spikeAt?: number }): HubBlock {
  const headstages = o.headstages ?? [0, 1, 2, 3];
  return {
    sweep: o.sweep ?? 0,
    firstScan: o.firstScan ?? 0,
    scans: o.scans,
    headstages,
    sampleRate: o.sampleRate,
    responses: headstages.map(() => {
      const x = new Float32Array(o.scans).fill(-0.065);
      if (o.spikeAt !== undefined) x[o.spikeAt] = 0.03;
      return x;
    }),
  };
}

describe('/ws subscription and frames', () => {
  it('greets a viewer, confirms its subscription and sends frames only for the headstages it asked for', async () => {
    const { url, hub } = await serve();
    const c = await client(url);
    expect(c.json('hello')[0]).toMatchObject({ type: 'hello', version: 2, role: 'viewer', headstages: 4 });
    hub.publishBlock(block({ scans: 100 }));
    const sub = await c.request({ type: 'subscribe', headstages: [1, 3], width: 50 }, 'subscribed');
    expect(sub).toEqual({ type: 'subscribed', headstages: [1, 3], width: 50 });
    expect(c.frames()).toHaveLength(0); // nothing before the subscription

    hub.publishBlock(block({ sweep: 2, firstScan: 400, scans: 100, spikeAt: 37 }));
    await c.until((x) => x.frames().length === 2, 'two frames');
    const frames = c.frames().map((b) => decodeTraceFrame(b));
    expect(frames.map((f) => f.headstage)).toEqual([1, 3]);
    for (const f of frames) {
      expect(f).toMatchObject({ signal: 1, sweep: 2, firstSample: 400, sampleRate: 20_000, decimation: 2, sampleCount: 100 });
      expect(f.values).toHaveLength(100); // 50 columns × (min, max)
      expect(f.values[2 * 18 + 1]).toBeCloseTo(0.03, 6); // the one-sample spike at 37 is in column 18
    }

    await c.request({ type: 'unsubscribe' }, 'unsubscribed');
    hub.publishBlock(block({ scans: 100 }));
    await c.request({ type: 'ping', id: 7 }, 'pong');
    expect(c.frames()).toHaveLength(2);
  });

  it('sizes frames by the client width, not the sample rate', async () => {
    const { url, hub } = await serve();
    const narrow = await client(url);
    const wide = await client(url);
    await narrow.request({ type: 'subscribe', headstages: [0], width: 200, span: 0.1 }, 'subscribed');
    await wide.request({ type: 'subscribe', headstages: [0], width: 1000, span: 0.1 }, 'subscribed');
    // The same 0.1 s at 20, 50 and 100 kHz.
    for (const rate of [20_000, 50_000, 100_000]) hub.publishBlock(block({ scans: rate / 10, sampleRate: rate, headstages: [0] }));
    await narrow.until((x) => x.frames().length === 3, 'three frames');
    await wide.until((x) => x.frames().length === 3, 'three frames');
    expect(narrow.frames().map((b) => b.length)).toEqual([1, 2, 3].map(() => FRAME_HEADER_BYTES + 200 * 8));
    expect(wide.frames().map((b) => b.length)).toEqual([1, 2, 3].map(() => FRAME_HEADER_BYTES + 1000 * 8));
    expect(wide.frames().map((b) => decodeTraceFrame(b).decimation)).toEqual([2, 5, 10]);
    expect(wide.frames().map((b) => decodeTraceFrame(b).sampleRate)).toEqual([20_000, 50_000, 100_000]);
  });

  it('fits each block to the width when no span is given, and sends raw samples when the block is narrower', async () => {
    const { url, hub } = await serve();
    const c = await client(url);
    await c.request({ type: 'subscribe', headstages: [2], width: 300 }, 'subscribed');
    hub.publishBlock(block({ scans: 3000 }));
    hub.publishBlock(block({ scans: 120, spikeAt: 5 }));
    await c.until((x) => x.frames().length === 2, 'two frames');
    const [a, b] = c.frames().map((f) => decodeTraceFrame(f));
    expect(a).toMatchObject({ decimation: 10, sampleCount: 3000 });
    expect(a?.values).toHaveLength(600);
    expect(b).toMatchObject({ decimation: 1, sampleCount: 120 });
    expect(b?.values[5]).toBeCloseTo(0.03, 6);
  });

  it('sends command and response frames when the block carries the command', async () => {
    const { url, hub } = await serve();
    const c = await client(url);
    await c.request({ type: 'subscribe', headstages: [0], width: 10 }, 'subscribed');
    hub.publishBlock({ ...block({ scans: 20, headstages: [0] }), commands: [new Float32Array(20).fill(-0.07)] });
    await c.until((x) => x.frames().length === 2, 'two frames');
    const [cmd, resp] = c.frames().map((b) => decodeTraceFrame(b));
    expect(cmd).toMatchObject({ signal: 0, headstage: 0, decimation: 2 });
    expect([...(cmd?.values ?? [])].every((v) => Math.abs(v + 0.07) < 1e-6)).toBe(true);
    expect(resp).toMatchObject({ signal: 1, headstage: 0 });
  });
});

describe('/ws backpressure', () => {
  it('skips frames for a client that stops reading and tells it how many when it drains, while the other client gets every frame promptly', async () => {
    const { url, hub } = await serve({ maxBuffered: 256 * 1024 });
    const stalled = await client(url);
    const live = await client(url);
    await stalled.request({ type: 'subscribe', headstages: [0], width: 4096 }, 'subscribed');
    await live.request({ type: 'subscribe', headstages: [0], width: 4096 }, 'subscribed');
    stalled.raw.pause();

    // Publish at a steady pace until the stalled client has been skipping for 50 frames (the kernel
    // first absorbs several MB of its socket buffers, so a fixed count would depend on the host).
    const sentAt: number[] = [];
    let publishMs = 0;
    let maxQueued = 0;
    const skipping = (): number => Math.max(...hub.stats().map((x) => x.skipping));
    while (skipping() < 50) {
      if (sentAt.length > 5000) throw new Error('the stalled client never exceeded its cap');
      const i = sentAt.length;
      const t = performance.now();
      sentAt.push(t);
      hub.publishBlock(block({ sweep: 0, firstScan: i * 4096, scans: 4096, headstages: [0] })); // 32 KiB frames
      publishMs = Math.max(publishMs, performance.now() - t);
      maxQueued = Math.max(maxQueued, ...hub.stats().map((x) => x.bufferedAmount));
      await new Promise((r) => setTimeout(r, 1));
    }
    const N = sentAt.length;
    await live.until((x) => x.frames().length === N, `${N} frames to the live client`);
    const arrivals = live.received.filter((r) => r.kind === 'binary').map((r) => r.at);
    const lags = arrivals.map((at, i) => at - (sentAt[i] as number));
    expect(Math.max(...lags)).toBeLessThan(250);
    expect(publishMs).toBeLessThan(50); // publishing never waits for a client
    expect(maxQueued).toBeLessThanOrEqual(256 * 1024 + 4096 * 8 + 64); // the cap plus at most one frame
    expect(live.frames().map((b) => decodeTraceFrame(b).firstSample)).toEqual(sentAt.map((_, i) => i * 4096));
    expect(live.json('dropped')).toHaveLength(0);

    stalled.raw.resume();
    await stalled.until((x) => x.json('dropped').length === 1, 'the dropped notice');
    const dropped = stalled.json('dropped')[0]?.frames as number;
    expect(dropped).toBeGreaterThan(0);
    expect(stalled.frames().length + dropped).toBe(N);
    // The frames it did get are the first ones, in order: nothing is reordered around the gap.
    expect(stalled.frames().map((b) => decodeTraceFrame(b).firstSample)).toEqual(sentAt.slice(0, N - dropped).map((_, i) => i * 4096));
    // And it streams again once drained.
    hub.publishBlock(block({ firstScan: N * 4096, scans: 4096, headstages: [0] }));
    await stalled.until((x) => x.frames().length === N - dropped + 1, 'a frame after the drain');
  });
});

describe('/ws access and bad input', () => {
  it('accepts an origin configured as allowed', async () => {
    const { url } = await serve({}, ['http://localhost:5173']);
    expect((await client(url, { Origin: 'http://localhost:5173' })).json('hello')).toHaveLength(1);
    await expect(connect(url, { Origin: 'http://localhost:5174' })).rejects.toThrow('HTTP 403');
  });

  it('refuses a cross-site Origin with 403 before the upgrade and accepts its own host and no Origin', async () => {
    const { url } = await serve();
    await expect(connect(url, { Origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(connect(url, { Origin: 'null' })).rejects.toThrow('HTTP 403');
    const host = new URL(url).host;
    const same = await client(url, { Origin: `http://${host}` });
    expect(same.json('hello')).toHaveLength(1);
    const cli = await client(url);
    expect(cli.json('hello')).toHaveLength(1);
    const r = await app?.inject({ url: '/ws', headers: { origin: 'https://evil.example', connection: 'upgrade', upgrade: 'websocket' } });
    expect(r?.statusCode).toBe(403);
    expect(r?.json()).toMatchObject({ status: 403, code: 'WS_ORIGIN' });
    expect(String(r?.json().detail)).toContain('https://evil.example may not open /ws');
  });

  it.each([
    ['not JSON', '{"type":', 'message: not valid JSON'],
    ['not an object', '[1,2]', 'message: must be a JSON object'],
    ['no type', { headstages: [0] }, 'type: missing; one of subscribe, unsubscribe, ping'],
    ['an unknown type', { type: 'frobnicate' }, 'type: unknown message type "frobnicate"; one of subscribe, unsubscribe, ping, seat.take, seat.release'],
    ['a headstage that does not exist', { type: 'subscribe', headstages: [0, 9], width: 100 }, 'headstages[1]: headstage 9 does not exist (the rig has 4: 0–3)'],
    ['a bad width', { type: 'subscribe', headstages: [0], width: 0 }, 'width: required, an integer number of pixels 1–16384, got 0'],
    ['a bad span', { type: 'subscribe', headstages: [0], width: 10, span: -1 }, 'span: seconds the width covers'],
  ])('answers %s with an error naming what to fix, and keeps serving', async (_name, msg, message) => {
    const { url, hub } = await serve();
    const c = await client(url);
    const e = await c.request(msg, 'error');
    expect(String(e.message)).toContain(message);
    await c.request({ type: 'subscribe', headstages: [0], width: 10 }, 'subscribed');
    hub.publishBlock(block({ scans: 10 }));
    await c.until((x) => x.frames().length === 1, 'a frame after the error');
  });

  it('answers a binary message with an error and closes a client whose message is over the size limit, the others unaffected', async () => {
    const { url } = await serve();
    const c = await client(url);
    const other = await client(url);
    const e = await c.request(Buffer.from([1, 2, 3]), 'error');
    expect(e.message).toContain('binary messages are not accepted');
    const closed = new Promise<void>((r) => c.raw.on('close', r));
    c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(100 * 1024) }));
    await closed;
    expect((await other.request({ type: 'ping' }, 'pong')).type).toBe('pong');
  });
});

describe('/ws with an experiment', () => {
  it('streams acquisition.state, sweep.done and the live traces of a running probe (the app wires its own manager to the hub)', async () => {
    rig = await passiveRig(2);
    dir = await tempDir('patchrig-ws-');
    app = buildApp({ rig, dataDir: join(dir, 'data'), speed: 'max' });
    const url = `${await listen(app)}/ws`;
    const c = await client(url);
    await c.request({ type: 'subscribe', headstages: [1], width: 500 }, 'subscribed');
    const created = await post(app, '/api/experiments', { protocol: 'synphys-probe', definition: { conditions: [{ frequency: 50, recoveryDelay: 0.25 }], repetitions: 2 }, headstages: [0, 1], start: true });
    expect(created.statusCode).toBe(201);
    await waitForPhase(app, (p) => p === 'done');
    await c.until((x) => x.json('acquisition.state').some((s) => s.phase === 'done'), 'the done state');
    expect(c.json('sweep.done').map((m) => ({ sweep: m.sweep, acquired: m.acquired, total: m.total }))).toEqual([
      { sweep: 0, acquired: 1, total: 2 },
      { sweep: 1, acquired: 2, total: 2 },
    ]);
    const frames = c.frames().map((b) => decodeTraceFrame(b));
    expect(frames.length).toBeGreaterThan(0);
    expect(new Set(frames.map((f) => f.headstage))).toEqual(new Set([1]));
    expect(new Set(frames.map((f) => f.sweep))).toEqual(new Set([0, 1]));
    expect(frames.every((f) => f.values.every((v) => Number.isFinite(v)))).toBe(true);
    // A viewer connecting later is told the current state at once.
    const late = await client(url);
    await late.until((x) => x.json('acquisition.state').length > 0, 'the state');
    expect(late.json('acquisition.state')[0]).toMatchObject({ phase: 'done', acquired: 2 });
  });
});
