import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Rig } from '../../src/rig/open-rig.ts';
import { buildApp } from '../../src/server/app.ts';
import { PROTOCOL_IDS } from '../../protocols/definitions/index.ts';
import { expectProblem, passiveRig, post } from './helpers.ts';

let rig: Rig;
let app: FastifyInstance;
beforeAll(async () => {
  rig = await passiveRig(2);
  app = buildApp({ rig });
});
afterAll(async () => {
  await app.close();
  await rig.close();
});

describe('the protocol routes', () => {
  it('list every protocol with its parameters', async () => {
    const r = await app.inject({ url: '/api/protocols' });
    expect(r.statusCode).toBe(200);
    const list = r.json() as { id: string; title: string; parameters: { name: string; unit: string }[] }[];
    expect(list.map((p) => p.id)).toEqual([...PROTOCOL_IDS]);
    const probe = list.find((p) => p.id === 'synphys-probe');
    expect(probe?.parameters.find((p) => p.name === 'pulseWidth')?.unit).toBe('s');
  });

  it('give one protocol with its schema, defaults and parameters', async () => {
    const r = await app.inject({ url: '/api/protocols/test-pulse' });
    expect(r.statusCode).toBe(200);
    const p = r.json() as { id: string; schema: { type: string }; defaults: Record<string, unknown>; parameters: { name: string }[] };
    expect(p.id).toBe('test-pulse');
    expect(p.schema.type).toBe('object');
    expect(p.defaults).toMatchObject({ protocol: 'test-pulse', mode: 'VC', width: 0.01, amplitudeVC: 0.01 });
    expect(p.parameters.map((x) => x.name)).toContain('amplitudeVC');
  });

  it('answer an unknown protocol with 404 naming the known ones', async () => {
    expectProblem(await app.inject({ url: '/api/protocols/nope' }), 404, 'no protocol "nope" (known: test-pulse, seal-test');
    expectProblem(await post(app, '/api/protocols/nope/validate', {}), 404, 'no protocol "nope"');
  });

  it('validate a definition: ok with the defaults filled in, or every bad field named', async () => {
    const good = await post(app, '/api/protocols/synphys-probe/validate', { repetitions: 2 });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ ok: true, errors: [], definition: { protocol: 'synphys-probe', repetitions: 2 } });

    const bad = await post(app, '/api/protocols/synphys-probe/validate', { repetitions: 0, bogus: 1, pulseWidth: 'long' });
    expect(bad.statusCode).toBe(200);
    const body = bad.json() as { ok: boolean; errors: string[] };
    expect(body.ok).toBe(false);
    expect(body.errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^bogus: unknown key/), 'repetitions: must be >= 1', expect.stringMatching(/^pulseWidth: must be number/)]),
    );
  });

  it("checks a definition against the rig's safety limits", async () => {
    const r = await post(app, '/api/protocols/test-pulse/validate', { amplitudeVC: 0.5 });
    const body = r.json() as { ok: boolean; errors: string[] };
    expect(body.ok).toBe(false);
    expect(body.errors.join(' ')).toMatch(/amplitudeVC.*limit/);
  });

  it('refuses a body that is not JSON with 400, and a definition that is not an object by name', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/protocols/test-pulse/validate', headers: { 'content-type': 'application/json' }, payload: '{"sweeps": 2,' });
    expectProblem(r, 400, 'body: not valid JSON');
    const arr = await post(app, '/api/protocols/test-pulse/validate', [1, 2]);
    expect(arr.json()).toEqual({ ok: false, errors: ['(top level): must be object, got [1,2]'] });
  });
});
