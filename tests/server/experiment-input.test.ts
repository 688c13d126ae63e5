import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ExperimentManager } from '../../src/experiments/manager.ts';
import type { Rig } from '../../src/rig/open-rig.ts';
import { buildApp } from '../../src/server/app.ts';
import { readNwb } from '../../src/storage/reader.ts';
import { expectProblem, passiveRig, post, tempDir, waitForPhase } from './helpers.ts';

let rig: Rig;
let app: FastifyInstance;
let dir: string;
let dataDir: string;
beforeAll(async () => {
  rig = await passiveRig(2);
  dir = await tempDir('patchrig-input-');
  dataDir = join(dir, 'data');
  app = buildApp({ rig, dataDir, speed: 'max' });
});
afterAll(async () => {
  await app.close();
  await rig.close();
  await rm(dir, { recursive: true, force: true });
});

describe('bad input to the experiment routes', () => {
  it('answers state queries and commands before any experiment with 404 / 409', async () => {
    expectProblem(await app.inject({ url: '/api/experiments/current' }), 404, 'there is no experiment yet; create one with POST /api/experiments');
    for (const c of ['start', 'pause', 'resume', 'step', 'skip', 'abort']) {
      expectProblem(await post(app, `/api/experiments/current/${c}`), 409, 'there is no experiment; create one with POST /api/experiments');
    }
    expectProblem(await post(app, '/api/experiments/current/holding', { headstage: 0, mode: 'VC', value: 0 }), 409, 'there is no experiment');
  });

  it.each([
    ['malformed JSON', '{"protocol": "test-pulse",', 'body: not valid JSON'],
    ['a JSON array', '[1, 2]', 'body: must be a JSON object, got [1,2]'],
    ['a JSON string', '"test-pulse"', 'body: must be a JSON object, got "test-pulse"'],
    ['a wrong type', { protocol: 3 }, 'protocol: must be string, got 3'],
    ['a missing protocol', {}, 'protocol: required key is missing'],
    ['an unknown key', { protocol: 'test-pulse', speed: 'max' }, 'speed: unknown key (allowed: protocol, definition, headstages, metadata, calibrate, start)'],
    ['an unknown protocol', { protocol: 'nope' }, 'protocol: unknown protocol "nope" (known: test-pulse, seal-test, synphys-probe, intrinsic-steps, chirp)'],
    ['a definition that is not an object', { protocol: 'test-pulse', definition: [1] }, 'definition: must be object, got [1]'],
    ['an out-of-range parameter', { protocol: 'test-pulse', definition: { sweeps: 0 } }, 'definition.sweeps: must be >= 1'],
    ['an unknown parameter', { protocol: 'test-pulse', definition: { widht: 0.01 } }, 'definition.widht: unknown key'],
    ['another protocol in the definition', { protocol: 'test-pulse', definition: { protocol: 'chirp' } }, 'definition.protocol: must be "test-pulse" (the request\'s protocol) or left out, not "chirp"'],
    ['an amplitude over the safety limits', { protocol: 'test-pulse', definition: { amplitudeVC: 0.5 } }, 'definition.amplitudeVC'],
    ['a headstage the rig lacks', { protocol: 'test-pulse', headstages: [0, 5] }, 'headstages[1]: headstage 5 does not exist (the rig has 2: 0–1)'],
    ['a headstage twice', { protocol: 'test-pulse', headstages: [1, 1] }, 'headstages: each headstage may appear once, got 1, 1'],
    ['a negative headstage', { protocol: 'test-pulse', headstages: [-1] }, 'headstages[0]: must be >= 0'],
    ['no headstages', { protocol: 'test-pulse', headstages: [] }, 'headstages: must not have fewer than 1 items'],
    ['a calibrate flag that is not a boolean', { protocol: 'test-pulse', calibrate: 'yes' }, 'calibrate: must be boolean, got "yes"'],
    ['a start time that is not a date', { protocol: 'test-pulse', metadata: { sessionStartTime: 'yesterday' } }, 'metadata.sessionStartTime: "yesterday" must be an ISO 8601 date-time with offset'],
    ['an unreal date', { protocol: 'test-pulse', metadata: { sessionStartTime: '2026-13-45T10:00:00Z' } }, 'metadata.sessionStartTime: "2026-13-45T10:00:00Z" is not a real date'],
    ['a subject age that is not a duration', { protocol: 'test-pulse', metadata: { subject: { subjectId: 'm1', species: 'Mus musculus', age: '90 days' } } }, 'metadata.subject.age: "90 days" must be an ISO 8601 duration, e.g. P90D'],
    ['an incomplete subject', { protocol: 'test-pulse', metadata: { subject: { subjectId: 'm1' } } }, 'metadata.subject.species: required key is missing'],
    ['an unknown metadata key', { protocol: 'test-pulse', metadata: { operator: 'me' } }, 'metadata.operator: unknown key'],
  ])('refuses %s with 400 naming the field, and creates nothing', async (_what, body, detail) => {
    const r = await app.inject({ method: 'POST', url: '/api/experiments', headers: { 'content-type': 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
    expectProblem(r, 400, detail);
    expect(await readdir(dataDir).catch(() => [])).toEqual([]);
    expect((await app.inject({ url: '/api/experiments/current' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/health' })).json()).toEqual({ status: 'ok' });
  });

  it('lists every problem of a body at once', async () => {
    const r = await post(app, '/api/experiments', { protocol: 'test-pulse', definition: { sweeps: 0, width: -1 } });
    expectProblem(r, 400, 'definition.width: must be > 0; definition.sweeps: must be >= 1');
    expect((r.json() as { problems: string[] }).problems).toEqual(['definition.width: must be > 0', 'definition.sweeps: must be >= 1']);
  });

  it('refuses other content types with 415, plain text and an empty JSON body with 400', async () => {
    expectProblem(await app.inject({ method: 'POST', url: '/api/experiments', headers: { 'content-type': 'application/xml' }, payload: '<protocol/>' }), 415, 'send application/json');
    expectProblem(await app.inject({ method: 'POST', url: '/api/experiments', headers: { 'content-type': 'text/plain' }, payload: 'test-pulse' }), 400, 'body: must be a JSON object, got "test-pulse"');
    expectProblem(await app.inject({ method: 'POST', url: '/api/experiments', headers: { 'content-type': 'application/json' }, payload: '' }), 400, 'body: empty');
  });

  it('refuses a holding body with wrong types or unknown keys by field', async () => {
    await post(app, '/api/experiments', { protocol: 'test-pulse', headstages: [0] });
    await waitForPhase(app, (p) => p === 'idle');
    expectProblem(await post(app, '/api/experiments/current/holding', { headstage: 'zero', mode: 'VC', value: 0 }), 400, 'headstage: must be integer, got "zero"');
    expectProblem(await post(app, '/api/experiments/current/holding', { headstage: 0, mode: 'VC', value: 0, unit: 'mV' }), 400, 'unit: unknown key');
    expectProblem(await post(app, '/api/experiments/current/holding', { headstage: 0, mode: 'VC' }), 400, 'value: required key is missing');
    await post(app, '/api/experiments/current/abort');
    await waitForPhase(app, (p) => p === 'aborted');
  });
});

describe('the file routes', () => {
  it('refuse names that could leave the data directory (400) and unknown files (404)', async () => {
    await writeFile(join(dataDir, 'notes.txt'), 'not NWB');
    expectProblem(await app.inject({ url: '/api/files/..%2F..%2Fetc%2Fpasswd' }), 400, 'is not a file name of the data directory');
    expectProblem(await app.inject({ url: '/api/files/%2E%2E%2Fx.nwb' }), 400, 'name: "../x.nwb" is not a file name');
    // A bare ".." segment is resolved by URL parsing before routing: it never names a file.
    expectProblem(await app.inject({ url: '/api/files/..' }), 404, 'no route GET');
    expectProblem(await app.inject({ url: '/api/files/a%5Cb.nwb' }), 400, 'is not a file name');
    expectProblem(await app.inject({ url: '/api/files/nope.nwb' }), 404, 'no NWB file named "nope.nwb" in the data directory');
    expectProblem(await app.inject({ url: '/api/files/notes.txt' }), 404, 'no NWB file named "notes.txt"');
    const names = ((await app.inject({ url: '/api/files' })).json() as { name: string }[]).map((f) => f.name);
    expect(names.every((n) => n.endsWith('.nwb'))).toBe(true);
  });
});

describe('a device failure during an experiment', () => {
  it('fails the experiment with the message; the file is closed and keeps every completed sweep', async () => {
    const failing = await passiveRig(1);
    const failDir = join(dir, 'fail');
    const experiments = new ExperimentManager({ rig: failing, dataDir: failDir, speed: 'max' });
    const a = buildApp({ rig: failing, experiments });
    try {
      await post(a, '/api/experiments', { protocol: 'test-pulse', definition: { sweeps: 3, interval: 1 } });
      await waitForPhase(a, (p) => p === 'idle');
      await post(a, '/api/experiments/current/step');
      await waitForPhase(a, (p) => p === 'paused');
      failing.simulation?.ports.unplug('sim:daq0');
      await post(a, '/api/experiments/current/step');
      await experiments.ended();
      const s = (await a.inject({ url: '/api/experiments/current' })).json() as Record<string, unknown>;
      expect(s.phase).toBe('failed');
      expect(String(s.error)).toMatch(/disconnected|port lost|daq0/);
      const nwb = await readNwb(join(failDir, String(s.file)));
      expect(nwb.sweeps.length).toBe(s.stored);
      expect(nwb.sweeps[0]?.aborted).toBe(false);
      expect(nwb.sweeps.length).toBeGreaterThanOrEqual(1);
      // The service goes on: it answers, and the failed experiment no longer holds the rig.
      expect((await a.inject({ url: '/api/health' })).statusCode).toBe(200);
      expect(experiments.busy).toBe(false);
    } finally {
      await a.close();
      await failing.close().catch(() => undefined);
    }
  });
});
