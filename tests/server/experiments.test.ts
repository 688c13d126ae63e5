import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ExperimentManager } from '../../src/experiments/manager.ts';
import type { Rig } from '../../src/rig/open-rig.ts';
import { buildApp } from '../../src/server/app.ts';
import { readNwb } from '../../src/storage/reader.ts';
import { expectProblem, passiveRig, post, tempDir, waitForPhase } from './helpers.ts';

let rig: Rig | undefined;
let app: FastifyInstance | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  await rig?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  app = rig = dir = undefined;
});

async function setUp(speed: 'max' | 'realtime' = 'max'): Promise<{ app: FastifyInstance; rig: Rig; dir: string; experiments: ExperimentManager }> {
  rig = await passiveRig(2);
  dir = await tempDir('patchrig-exp-');
  const experiments = new ExperimentManager({ rig, dataDir: join(dir, 'data'), speed });
  app = buildApp({ rig, experiments });
  return { app, rig, dir, experiments };
}

const ONE_CONDITION_PROBE = { protocol: 'synphys-probe', definition: { conditions: [{ frequency: 50, recoveryDelay: 0.25 }], repetitions: 2 }, headstages: [0, 1] };

describe('an experiment over REST', () => {
  it('runs a one-condition probe (two repetitions) on two headstages to completion into a new NWB file that lists, reads back and downloads', async () => {
    const { app, experiments } = await setUp();
    const created = await post(app, '/api/experiments', { ...ONE_CONDITION_PROBE, metadata: { experimenter: ['A. Tester'] }, start: true });
    expect(created.statusCode).toBe(201);
    const c = created.json() as { file: string; protocol: string; total: number; headstages: number[] };
    expect(c).toMatchObject({ protocol: 'synphys-probe', total: 2, headstages: [0, 1] });
    expect(c.file).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}_synphys-probe\.nwb$/);

    await experiments.ended();
    const s = (await app.inject({ url: '/api/experiments/current' })).json() as Record<string, unknown>;
    expect(s).toMatchObject({ phase: 'done', next: 2, total: 2, acquired: 2, stored: 2, file: c.file });
    expect(s.error).toBeUndefined();

    const files = (await app.inject({ url: '/api/files' })).json() as { name: string; size: number; mtime: string; writing: boolean }[];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ name: c.file, writing: false });
    expect(files[0]?.size).toBeGreaterThan(10_000);
    expect(Number.isNaN(Date.parse(files[0]?.mtime ?? ''))).toBe(false);

    const path = join(experiments.dataDir, c.file);
    const nwb = await readNwb(path);
    expect(nwb.sweeps).toHaveLength(2);
    expect(nwb.sweeps.every((sw) => sw.channels.length === 2 && !sw.aborted)).toBe(true);
    expect(nwb.metadata.experimenter).toEqual(['A. Tester']);
    expect(nwb.metadata.sessionDescription).toBe('patchrig serve: synphys-probe');

    const dl = await app.inject({ url: `/api/files/${encodeURIComponent(c.file)}` });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/x-hdf5');
    expect(dl.headers['content-disposition']).toBe(`attachment; filename="${c.file}"`);
    expect(Buffer.compare(dl.rawPayload, await readFile(path))).toBe(0);
  });

  it('steps, skips and resumes through the API; commands the phase forbids get 409 saying what to do', async () => {
    const { app, experiments } = await setUp();
    const created = await post(app, '/api/experiments', { protocol: 'test-pulse', definition: { sweeps: 4, interval: 1 }, headstages: [0] });
    expect(created.statusCode).toBe(201);
    await waitForPhase(app, (p) => p === 'idle');

    expectProblem(await post(app, '/api/experiments/current/pause'), 409, 'cannot pause the experiment while it is idle: start or step it first');
    expectProblem(await post(app, '/api/experiments/current/resume'), 409, 'cannot resume the experiment while it is idle');

    expect((await post(app, '/api/experiments/current/step')).statusCode).toBe(200);
    let s = await waitForPhase(app, (p) => p === 'paused');
    expect(s).toMatchObject({ acquired: 1, next: 1, stored: 1 });

    expectProblem(await post(app, '/api/experiments/current/start'), 409, 'cannot start the experiment while it is paused: resume, step, skip or abort it');
    const skipped = (await post(app, '/api/experiments/current/skip')).json() as Record<string, unknown>;
    expect(skipped).toMatchObject({ phase: 'paused', next: 2, acquired: 1 });

    expect((await post(app, '/api/experiments/current/resume')).statusCode).toBe(200);
    await experiments.ended();
    s = (await app.inject({ url: '/api/experiments/current' })).json() as Record<string, unknown>;
    expect(s).toMatchObject({ phase: 'done', acquired: 3, stored: 3 });
    expect((await readNwb(join(experiments.dataDir, String(s.file)))).sweeps.map((sw) => sw.index)).toEqual([0, 1, 2]);

    expectProblem(await post(app, '/api/experiments/current/abort'), 409, 'cannot abort the experiment while it is done: it has ended; create a new one with POST /api/experiments');
    expectProblem(await post(app, '/api/experiments/current/holding', { headstage: 0, mode: 'VC', value: -0.07 }), 409, 'cannot set a holding while the experiment is done');
  });

  it('pauses during the rest, steps one sweep, and aborts: the file is closed with every completed sweep', async () => {
    const { app, experiments } = await setUp('realtime');
    await post(app, '/api/experiments', { protocol: 'test-pulse', definition: { sweeps: 5, interval: 30 }, headstages: [0, 1], start: true });
    await waitForPhase(app, (p) => p === 'resting');
    const paused = (await post(app, '/api/experiments/current/pause')).json() as Record<string, unknown>;
    expect(paused).toMatchObject({ phase: 'paused', acquired: 1 });
    // While it runs, the file is listed as being written and is not served.
    const listed = (await app.inject({ url: '/api/files' })).json() as { name: string; writing: boolean }[];
    expect(listed).toEqual([expect.objectContaining({ name: paused.file, writing: true })]);
    expectProblem(await app.inject({ url: `/api/files/${String(paused.file)}` }), 409, 'is being written by the running experiment');

    await post(app, '/api/experiments/current/step');
    await waitForPhase(app, (p) => p === 'paused');
    const aborted = (await post(app, '/api/experiments/current/abort')).json() as Record<string, unknown>;
    expect(['closing', 'aborted']).toContain(aborted.phase);
    await experiments.ended();
    const s = (await app.inject({ url: '/api/experiments/current' })).json() as Record<string, unknown>;
    expect(s).toMatchObject({ phase: 'aborted', acquired: 2, stored: 2 });
    expect((await readNwb(join(experiments.dataDir, String(s.file)))).sweeps).toHaveLength(2);
  });

  it('refuses a second experiment with 409 while one holds the rig, and takes a new one (in a new file) once it has ended', async () => {
    const { app, experiments } = await setUp();
    const first = (await post(app, '/api/experiments', { protocol: 'test-pulse', headstages: [0] })).json() as { file: string };
    expectProblem(await post(app, '/api/experiments', { protocol: 'test-pulse' }), 409, `an experiment is already on the rig (${first.file}); abort it or wait until it ends`);
    await waitForPhase(app, (p) => p === 'idle');
    await post(app, '/api/experiments/current/abort');
    await experiments.ended();
    const second = await post(app, '/api/experiments', { protocol: 'test-pulse', headstages: [0], start: true });
    expect(second.statusCode).toBe(201);
    const name = (second.json() as { file: string }).file;
    // Same second, same protocol: never overwritten.
    expect(name === first.file ? 'same' : name).not.toBe('same');
    await experiments.ended();
    expect((await readdir(experiments.dataDir)).filter((f) => f.endsWith('.nwb')).sort()).toEqual([first.file, name].sort());
  });

  it("sets a holding within the limits; beyond them 422 with the safety message; another headstage's 400", async () => {
    const { app, experiments } = await setUp();
    await post(app, '/api/experiments', { protocol: 'test-pulse', headstages: [0, 1] });
    await waitForPhase(app, (p) => p === 'idle');
    const ok = await post(app, '/api/experiments/current/holding', { headstage: 0, mode: 'VC', value: -0.06 });
    expect(ok.statusCode).toBe(200);
    expectProblem(await post(app, '/api/experiments/current/holding', { headstage: 0, mode: 'VC', value: -0.5 }), 422, "holding of headstage 0: -500.0 mV exceeds the rig's limit of ±200.0 mV");
    expectProblem(await post(app, '/api/experiments/current/holding', { headstage: 1, mode: 'IC', value: 5e-9 }), 422, 'holding of headstage 1');
    expectProblem(await post(app, '/api/experiments/current/holding', { headstage: 3, mode: 'VC', value: 0 }), 400, "headstage: 3 is not one of this experiment's headstages (0, 1)");
    expectProblem(await post(app, '/api/experiments/current/holding', { headstage: 0, mode: 'XX', value: '1' }), 400, /mode: .*; value: must be number, got "1"/);
    await post(app, '/api/experiments/current/abort');
    await experiments.ended();
    expect(experiments.status()?.phase).toBe('aborted');
  });
});
