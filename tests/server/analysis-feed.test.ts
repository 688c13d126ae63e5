import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness, req } from './console-helpers.ts';
import { expectProblem, waitForPhase } from './helpers.ts';
import { type TestClient, connect } from './ws-helpers.ts';

let h: Harness | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await h?.close();
  h = undefined;
});

const PROBE = { protocol: 'synphys-probe', definition: { conditions: [{ frequency: 50, recoveryDelay: 0.25 }], repetitions: 3 }, start: true };

describe('online analysis in the service', () => {
  it('analyses every stored sweep in its thread, publishes an `analysis` event per sweep and keeps the latest', async () => {
    h = await harness(2);
    const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const c = await connect(`${url.replace(/^http/, 'ws')}/ws`);
    clients.push(c);
    expectProblem(await req(h.app, 'GET', '/api/experiments/current/analysis'), 404, 'no experiment yet');
    expect((await req(h.app, 'POST', '/api/experiments', PROBE)).statusCode).toBe(201);
    const done = await waitForPhase(h.app, (p) => p === 'done');
    await c.until((x) => x.json('analysis').length >= 3, 'three analysis events', 60_000);
    const events = c.json('analysis');
    expect(events.map((e) => e.sweep)).toEqual([0, 1, 2]);
    expect(events.map((e) => (e.counts as { sweeps: number }).sweeps)).toEqual([1, 2, 3]);
    for (const e of events) {
      expect(e.experiment).toBe(done.id);
      // Both ordered pairs of the two headstages, each with a verdict.
      const pairs = e.pairs as { pre: number; post: number; status: string }[];
      expect(pairs.map((p) => `${p.pre}>${p.post}`).sort()).toEqual(['0>1', '1>0']);
      // The passive rig's cells have no synapses: nothing may be called connected.
      expect(pairs.every((p) => p.status !== 'connected')).toBe(true);
    }
    const latest = await req(h.app, 'GET', '/api/experiments/current/analysis');
    expect(latest.statusCode).toBe(200);
    expect({ type: 'analysis', ...(latest.json() as object) }).toEqual(events[2]);
  }, 120_000);

  it('can be switched off', async () => {
    h = await harness(2, { analysis: false });
    expect((await req(h.app, 'POST', '/api/experiments', PROBE)).statusCode).toBe(201);
    await waitForPhase(h.app, (p) => p === 'done');
    expectProblem(await req(h.app, 'GET', '/api/experiments/current/analysis'), 404, 'online analysis is off');
  }, 120_000);
});
