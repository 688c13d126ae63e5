import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLE_RATE } from '../../protocols/definitions/index.ts';
import type { SweepData, SweepSummary } from '../../src/server/console-api.ts';
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

/** Runs a three-sweep probe on two headstages with a viewer connected; resolves when its file is closed. */
async function runProbe(): Promise<{ h: Harness; c: TestClient }> {
  h = await harness(2);
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const c = await connect(`${url.replace(/^http/, 'ws')}/ws`);
  clients.push(c);
  expect((await req(h.app, 'POST', '/api/experiments', PROBE)).statusCode).toBe(201);
  await waitForPhase(h.app, (p) => p === 'done');
  return { h, c };
}

describe('the sweep browser', () => {
  it('lists every sweep with its protocol, timing, modes and recording QC', async () => {
    const { h } = await runProbe();
    const list = (await req(h.app, 'GET', '/api/experiments/current/sweeps')).json() as SweepSummary[];
    expect(list.map((s) => s.sweep)).toEqual([0, 1, 2]);
    for (const s of list) {
      expect(s).toMatchObject({ protocol: 'synphys-probe', sampleRate: DEFAULT_SAMPLE_RATE, aborted: false, headstages: [{ headstage: 0 }, { headstage: 1 }] });
      expect(s.scans).toBeGreaterThan(10_000);
      expect(Number.isNaN(Date.parse(s.startTime))).toBe(false);
      expect(s.qc.map((q) => q.headstage)).toEqual([0, 1]);
      for (const q of s.qc) expect(q.pass).toBe(q.reasons.length === 0);
    }
  });

  it('serves one sweep as min/max columns no wider than asked, on the chosen headstages', async () => {
    const { h } = await runProbe();
    const r = await req(h.app, 'GET', '/api/experiments/current/sweeps/2?width=300&headstages=1');
    expect(r.statusCode).toBe(200);
    const d = r.json() as SweepData;
    expect(d).toMatchObject({ sweep: 2, sampleRate: DEFAULT_SAMPLE_RATE, from: 0, resolution: 'full' });
    expect(d.factor).toBe(Math.ceil(d.scans / 300));
    expect(d.to).toBeCloseTo(d.scans / DEFAULT_SAMPLE_RATE, 9);
    expect(d.headstages.map((x) => x.headstage)).toEqual([1]);
    const resp = d.headstages[0]?.response ?? { min: [], max: [] };
    expect(resp.min.length).toBe(Math.ceil(d.scans / d.factor));
    expect(resp.min.length).toBeLessThanOrEqual(300);
    expect(resp.min.every((m, i) => m <= (resp.max[i] as number))).toBe(true);
  });

  it('gives raw samples (factor 1, min = max) for a range narrower than the width', async () => {
    const { h } = await runProbe();
    const d = (await req(h.app, 'GET', '/api/experiments/current/sweeps/0?width=1000&from=0.1&to=0.11')).json() as SweepData;
    expect(d.factor).toBe(1);
    expect(d.from).toBeCloseTo(0.1, 9);
    expect(d.to).toBeCloseTo(0.11, 9);
    const cmd = d.headstages[0]?.command ?? { min: [], max: [] };
    expect(cmd.min).toHaveLength(0.01 * DEFAULT_SAMPLE_RATE);
    expect(cmd.min).toEqual(cmd.max);
  });

  it('serves older sweeps from the overview kept for every sweep', async () => {
    h = await harness(2);
    const store = h.experiments?.sweeps;
    expect(store).toBeDefined();
    expect((await req(h.app, 'POST', '/api/experiments', { ...PROBE, definition: { ...PROBE.definition, repetitions: 6 } })).statusCode).toBe(201);
    await waitForPhase(h.app, (p) => p === 'done');
    const old = (await req(h.app, 'GET', '/api/experiments/current/sweeps/0?width=500')).json() as SweepData;
    const recent = (await req(h.app, 'GET', '/api/experiments/current/sweeps/5?width=500')).json() as SweepData;
    expect(old.resolution).toBe('overview');
    expect(recent.resolution).toBe('full');
    expect(old.headstages[0]?.response.min.length).toBeLessThanOrEqual(500);
  });

  it('answers a sweep that is not there with 404 and a bad query with 400, naming what to fix', async () => {
    const { h } = await runProbe();
    expectProblem(await req(h.app, 'GET', '/api/experiments/current/sweeps/9?width=100'), 404, 'sweep 9 is not in the current experiment');
    expectProblem(await req(h.app, 'GET', '/api/experiments/current/sweeps/0'), 400, "querystring: must have required property 'width'");
    expectProblem(await req(h.app, 'GET', '/api/experiments/current/sweeps/0?width=100&headstages=0,5'), 400, 'headstages: 5 not recorded in sweep 0');
    expectProblem(await req(h.app, 'GET', '/api/experiments/current/sweeps/0?width=100&from=0.5&to=0.2'), 400, 'from/to: need from < to');
  });

  it('answers 404 before any experiment', async () => {
    h = await harness(1);
    expectProblem(await req(h.app, 'GET', '/api/experiments/current/sweeps'), 404, 'there is no experiment yet');
  });
});

describe('experiment progress for the console', () => {
  it('publishes qc after every stored sweep, and says through which sweep the file is safe', async () => {
    const { h, c } = await runProbe();
    await c.until((x) => x.json('qc').length >= 3, 'three qc events');
    const qc = c.json('qc');
    expect(qc.map((q) => q.sweep)).toEqual([0, 1, 2]);
    expect(qc[0]).toMatchObject({ experiment: expect.stringMatching(/_synphys-probe$/), headstages: [{ headstage: 0 }, { headstage: 1 }] });
    const s = (await req(h.app, 'GET', '/api/experiments/current')).json() as Record<string, unknown>;
    expect(s).toMatchObject({ storedThrough: 2, stored: 3 });
    expect(Number(s.sweepDuration)).toBeGreaterThan(0.2);
    const states = c.json('acquisition.state');
    expect(states.some((x) => x.storedThrough === 1)).toBe(true);
  });
});
