import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness, req } from './console-helpers.ts';
import { type TestClient, connect } from './ws-helpers.ts';

let h: Harness | undefined;
const clients: TestClient[] = [];
let base = '';
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await h?.close();
  h = undefined;
});

async function serve(): Promise<void> {
  h = await harness(1);
  base = (await h.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
}

async function client(headers: Record<string, string> = {}): Promise<TestClient> {
  const c = await connect(`${base}/ws`, headers);
  clients.push(c);
  return c;
}

const lastClients = (c: TestClient) => c.json('clients').at(-1);

describe('/ws controller seat', () => {
  it('gives the seat to one client at a time: a second take is refused until the first releases', async () => {
    await serve();
    const a = await client();
    const b = await client();
    const seat = await a.request({ type: 'seat.take' }, 'seat');
    expect(seat).toMatchObject({ type: 'seat', role: 'controller', key: expect.any(String) });
    expect(await b.request({ type: 'seat.take' }, 'error')).toMatchObject({ code: 'SEAT_HELD', message: expect.stringContaining('"force":true') });
    expect(await a.request({ type: 'seat.release' }, 'seat')).toMatchObject({ role: 'viewer', reason: 'released' });
    expect(await b.request({ type: 'seat.take' }, 'seat')).toMatchObject({ role: 'controller' });
  });

  it('lets a client force the seat over: the previous holder is told it is a viewer, and its key stops working', async () => {
    await serve();
    const a = await client();
    const b = await client();
    const { key: oldKey } = (await a.request({ type: 'seat.take' }, 'seat')) as { key: string };
    const taken = (await b.request({ type: 'seat.take', force: true }, 'seat')) as { key: string };
    expect(taken.key).not.toBe(oldKey);
    await a.until((x) => x.json('seat').length >= 2, 'the seat lost');
    expect(a.json('seat')[1]).toMatchObject({ role: 'viewer', reason: expect.stringContaining('took the controller seat over') });
    if (!h) throw new Error('no app');
    expect((await req(h.app, 'PUT', '/api/testpulse', { average: 2 }, { 'x-patchrig-seat': oldKey })).statusCode).toBe(409);
    expect((await req(h.app, 'PUT', '/api/testpulse', { average: 2 }, { 'x-patchrig-seat': taken.key })).statusCode).toBe(200);
  });

  it('tells everyone how many watch and whether someone controls, whenever that changes', async () => {
    await serve();
    const a = await client();
    await a.until((x) => lastClients(x)?.viewers === 1, 'one viewer');
    const b = await client();
    await a.until((x) => lastClients(x)?.viewers === 2, 'two viewers');
    expect(lastClients(b)).toEqual({ type: 'clients', viewers: 2, controller: false });
    await a.request({ type: 'seat.take' }, 'seat');
    await b.until((x) => lastClients(x)?.controller === true, 'a controller');
    expect(lastClients(b)).toEqual({ type: 'clients', viewers: 1, controller: true });
    b.close();
    await a.until((x) => lastClients(x)?.viewers === 0, 'the viewer gone');
    expect(lastClients(a)).toEqual({ type: 'clients', viewers: 0, controller: true });
  });

  it('answers a viewer that tries control over /ws with an error pointing to the seat and REST, and keeps serving it', async () => {
    await serve();
    const v = await client();
    const e = await v.request({ type: 'pause' }, 'error');
    expect(e).toMatchObject({ code: 'NOT_CONTROLLER' });
    expect(String(e.message)).toContain('take the controller seat with {"type":"seat.take"} and send the change to the REST API');
    expect(await v.request({ type: 'holding', headstage: 0, value: 1 }, 'error')).toMatchObject({ code: 'NOT_CONTROLLER' });
    expect(await v.request({ type: 'ping', id: 7 }, 'pong')).toMatchObject({ id: 7 });
  });

  it('refuses a page of another site before the upgrade, so it can neither watch nor take the seat', async () => {
    await serve();
    await expect(client({ origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const own = await client({ origin: base.replace(/^ws/, 'http') });
    expect(await own.request({ type: 'seat.take' }, 'seat')).toMatchObject({ role: 'controller' });
  });

  it('answers malformed seat messages with what to fix', async () => {
    await serve();
    const v = await client();
    expect(await v.request({ type: 'seat.take', force: 'yes' }, 'error')).toMatchObject({ message: 'force: must be true or false' });
    expect(await v.request('{"type":"seat.take"', 'error')).toMatchObject({ message: expect.stringContaining('not valid JSON') });
  });

  it('passes analysis results through to every client as analysis events', async () => {
    await serve();
    const a = await client();
    const b = await client();
    h?.hub.publishAnalysis({ kind: 'connectivity', pre: 0, post: 1, amplitude: 2.5e-4, latency: 0.0012 });
    for (const c of [a, b]) {
      await c.until((x) => x.json('analysis').length > 0, 'an analysis event');
      expect(c.json('analysis')[0]).toEqual({ type: 'analysis', kind: 'connectivity', pre: 0, post: 1, amplitude: 2.5e-4, latency: 0.0012 });
    }
  });
});
