import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { type Rig, openRig } from '../../src/rig/open-rig.ts';
import { buildApp } from '../../src/server/app.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await openRig(defaultSimulatedRig(2));
});
afterAll(async () => {
  await rig.close();
});

describe('the service', () => {
  it('answers health and what the rig is', async () => {
    const app = buildApp({ rig });
    expect((await app.inject({ url: '/api/health' })).json()).toEqual({ status: 'ok' });
    const r = await app.inject({ url: '/api/rig' });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { name: string; devices: { name: string; model: string }[]; headstages: unknown[]; safety: unknown };
    expect(body.devices.map((d) => [d.name, d.model])).toEqual([
      ['amp0', 'SIMAMP8'],
      ['daq0', 'SIMDAQ8'],
    ]);
    expect(body.headstages).toHaveLength(2);
    expect(body.safety).toEqual({ maxCurrent: 2e-9, maxVoltage: 0.2 });
    await app.close();
  });

  it('answers an unknown route with a problem document that names it', async () => {
    const app = buildApp({ rig });
    const r = await app.inject({ url: '/api/nope' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toEqual({ type: 'about:blank', title: 'Not found', status: 404, detail: 'no route GET /api/nope; the API is listed at /docs' });
    await app.close();
  });
});
