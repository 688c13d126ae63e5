import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness, req } from './console-helpers.ts';
import { expectProblem, tempDir } from './helpers.ts';
import { type TestClient, connect } from './ws-helpers.ts';

let h: Harness | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await h?.close();
  h = undefined;
});

const TOKENS = { controlToken: 'control-secret', viewToken: 'view-secret' };
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

const urls = new WeakMap<Harness, string>();

async function client(x: Harness, query = ''): Promise<TestClient> {
  let url = urls.get(x);
  if (!url) {
    url = (await x.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
    urls.set(x, url);
  }
  const c = await connect(`${url}/ws${query}`);
  clients.push(c);
  return c;
}

// These apps are told they are bound off loopback (`access.exposed`) and are reached from 127.0.0.1:
// the rules follow the bind, not the caller's address.
describe('REST access off loopback', () => {
  it('needs the view or control token for reading, and says how to send it', async () => {
    h = await harness(1, { access: { exposed: true, ...TOKENS } });
    const r = await req(h.app, 'GET', '/api/headstages');
    expectProblem(r, 401, 'send the access token printed at start as "Authorization: Bearer <token>" or "?token=<token>"');
    expect(r.json()).toMatchObject({ code: 'TOKEN_REQUIRED' });
    expectProblem(await req(h.app, 'GET', '/api/headstages', undefined, bearer('guess')), 401, 'access token');
    expect((await req(h.app, 'GET', '/api/headstages', undefined, bearer(TOKENS.viewToken))).statusCode).toBe(200);
    expect((await req(h.app, 'GET', `/api/testpulse?token=${TOKENS.controlToken}`)).statusCode).toBe(200);
    expect((await req(h.app, 'GET', '/api/health')).statusCode).toBe(200);
  });

  it('needs the control token for control; validating a protocol is not control', async () => {
    h = await harness(1, { access: { exposed: true, ...TOKENS } });
    const viewOnly = await req(h.app, 'PATCH', '/api/headstages/0', { label: 'x' }, bearer(TOKENS.viewToken));
    expectProblem(viewOnly, 403, 'the token given is the view token: use the control token');
    expect((await req(h.app, 'PATCH', '/api/headstages/0', { label: 'x' }, bearer(TOKENS.controlToken))).statusCode).toBe(200);
    expect((await req(h.app, 'POST', '/api/protocols/test-pulse/validate', {}, bearer(TOKENS.viewToken))).statusCode).toBe(200);
  });

  it('decides on the route matched, so percent-encoded or odd spellings of a path get no way round', async () => {
    h = await harness(1, { access: { exposed: true, ...TOKENS } });
    // The router decodes %61 to "a": these reach the headstage routes and must meet the same rules.
    for (const url of ['/%61pi/headstages/0', '/api/%68eadstages/0']) {
      expectProblem(await req(h.app, 'PATCH', url, { label: 'x' }), 401, 'access token');
      expectProblem(await req(h.app, 'PATCH', url, { label: 'x' }, bearer(TOKENS.viewToken)), 403, 'view token');
      expectProblem(await req(h.app, 'GET', url), 401, 'access token');
    }
    // A validate-looking path on another route is still control.
    expectProblem(await req(h.app, 'POST', '/api/experiments/current/abort?x=/api/protocols/a/validate', {}, bearer(TOKENS.viewToken)), 403, 'view token');
  });

});

describe('the controller seat on REST', () => {
  it('while a seat is held, refuses control without its key with 409, and accepts it with the key', async () => {
    h = await harness(1);
    const c = await client(h);
    const { key } = (await c.request({ type: 'seat.take' }, 'seat')) as { key: string };
    const r = await req(h.app, 'PATCH', '/api/headstages/0', { label: 'x' });
    expectProblem(r, 409, 'the controller seat is held by another console');
    expect(r.json()).toMatchObject({ code: 'SEAT_HELD' });
    expectProblem(await req(h.app, 'PATCH', '/api/headstages/0', { label: 'x' }, { 'x-patchrig-seat': 'stale' }), 409, 'seat.take');
    expect((await req(h.app, 'PATCH', '/api/headstages/0', { label: 'x' }, { 'x-patchrig-seat': key })).statusCode).toBe(200);
    // Reading never needs the seat.
    expect((await req(h.app, 'GET', '/api/headstages/0')).statusCode).toBe(200);
  });

  it('with no seat held, lets loopback scripts control; a released seat or a closed socket frees it', async () => {
    h = await harness(1);
    expect((await req(h.app, 'PUT', '/api/testpulse', { average: 2 })).statusCode).toBe(200);
    const c = await client(h);
    await c.request({ type: 'seat.take' }, 'seat');
    expect((await req(h.app, 'PUT', '/api/testpulse', { average: 3 })).statusCode).toBe(409);
    await c.request({ type: 'seat.release' }, 'seat');
    expect((await req(h.app, 'PUT', '/api/testpulse', { average: 3 })).statusCode).toBe(200);
    await c.request({ type: 'seat.take' }, 'seat');
    c.close();
    const other = await client(h);
    await other.until((x) => x.json('clients').some((m) => m.controller === false && m.viewers === 1), 'the seat freed');
    expect((await req(h.app, 'PUT', '/api/testpulse', { average: 4 })).statusCode).toBe(200);
  });
});

describe('the console at / and the API docs at /docs', () => {
  it('says to run npm run build:ui when the console is not built', async () => {
    h = await harness(1);
    const missing = await req(h.app, 'GET', '/');
    expectProblem(missing, 503, 'run `npm run build:ui`');
    expect((await req(h.app, 'GET', '/api/health')).statusCode).toBe(200);
  });

  it('serves the built console at / while /api and /docs keep their routes', async () => {
    const ui = join(await tempDir('patchrig-ui-'), 'dist');
    await mkdir(ui, { recursive: true });
    await writeFile(join(ui, 'index.html'), '<!doctype html><title>patchrig console</title>');
    h = await harness(1, { uiDir: ui });
    const page = await req(h.app, 'GET', '/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('patchrig console');
    expect((await req(h.app, 'GET', '/api/health')).json()).toEqual({ status: 'ok' });
    expect((await req(h.app, 'GET', '/docs/json')).statusCode).toBe(200);
    expectProblem(await req(h.app, 'GET', '/api/nope'), 404, 'no route GET /api/nope');
    await rm(dirname(ui), { recursive: true, force: true });
  });

  it('publishes OpenAPI JSON listing every route, with the schemas of the console payloads', async () => {
    h = await harness(1);
    const r = await req(h.app, 'GET', '/docs/json');
    expect(r.statusCode).toBe(200);
    const doc = r.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown[] }>> };
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(routes).toEqual(expect.arrayContaining([
      'GET /api/health', 'GET /api/rig', 'GET /api/headstages', 'GET /api/headstages/{hs}', 'PATCH /api/headstages/{hs}', 'POST /api/headstages/{hs}/auto/{fn}',
      'GET /api/testpulse', 'PUT /api/testpulse', 'GET /api/protocols', 'GET /api/protocols/{id}', 'POST /api/protocols/{id}/validate',
      'POST /api/experiments', 'GET /api/experiments/current', 'POST /api/experiments/current/start', 'POST /api/experiments/current/pause',
      'POST /api/experiments/current/resume', 'POST /api/experiments/current/step', 'POST /api/experiments/current/skip', 'POST /api/experiments/current/abort',
      'GET /api/experiments/current/sweeps', 'GET /api/experiments/current/sweeps/{sweep}', 'GET /api/files', 'GET /api/files/{name}',
    ]));
    expect(doc.paths['/api/headstages/{hs}']?.patch?.requestBody).toBeDefined();
    expect((await req(h.app, 'GET', '/docs')).statusCode).toBe(200);
  });
});
