import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_PULSE, MAX_TEST_PULSE_ACQUISITION, pulseCycle, testPulseSweep } from '../../src/acquisition/test-pulse-runner.ts';
import { TEST_PULSE_SWEEP, type TestPulseStatus } from '../../src/server/console-api.ts';
import { decodeTraceFrame } from '../../src/server/ws/frame.ts';
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

async function viewer(x: Harness): Promise<TestClient> {
  const url = await x.app.listen({ host: '127.0.0.1', port: 0 });
  const c = await connect(`${url.replace(/^http/, 'ws')}/ws`);
  clients.push(c);
  return c;
}

describe('test-pulse geometry', () => {
  it('plays ten 33 ms VC cycles per acquisition, so one set-up serves 333 ms of pulses (≥ 20 cycles/s with set-ups under 160 ms)', () => {
    const eight = Array.from({ length: 8 }, (_, headstage) => ({ headstage, mode: 'VC' as const }));
    const cycle = pulseCycle(eight.map((x) => x.mode), DEFAULT_TEST_PULSE);
    expect(cycle.scans / DEFAULT_TEST_PULSE.sampleRate).toBeCloseTo(0.0333, 3);
    const pulses = Math.floor((MAX_TEST_PULSE_ACQUISITION * DEFAULT_TEST_PULSE.sampleRate) / cycle.scans);
    expect(pulses).toBe(10);
    const sweep = testPulseSweep(eight, DEFAULT_TEST_PULSE, 0, pulses);
    expect(sweep.scans).toBe(10 * cycle.scans);
    // Each cycle holds one pulse of the VC amplitude, at the same place.
    const stim = sweep.headstages[0]?.stimulus ?? new Float32Array();
    const onset = Math.round(cycle.onset * DEFAULT_TEST_PULSE.sampleRate);
    for (let p = 0; p < pulses; p++) {
      expect(stim[p * cycle.scans + onset - 1]).toBe(0);
      expect(stim[p * cycle.scans + onset]).toBeCloseTo(-0.01, 6);
    }
  });
});

describe('/api/testpulse', () => {
  it('is off at start with the default settings', async () => {
    h = await harness(2);
    const s = (await req(h.app, 'GET', '/api/testpulse')).json() as TestPulseStatus;
    expect(s).toEqual({ running: false, active: false, settings: { vc: { amplitude: -0.01, width: 0.01 }, ic: { amplitude: -50e-12, width: 0.08 }, average: 4 } });
  });

  it('runs on every headstage in its mode, publishing readings once per cycle and its traces as sweep 0xFFFFFFFF frames', async () => {
    h = await harness(2);
    await req(h.app, 'PATCH', '/api/headstages/1', { mode: 'IC' });
    const c = await viewer(h);
    await c.request({ type: 'subscribe', headstages: [0, 1], width: 200 }, 'subscribed');
    const on = await req(h.app, 'PUT', '/api/testpulse', { running: true, vc: { amplitude: -0.005 } });
    expect(on.json()).toMatchObject({ running: true, active: true, settings: { vc: { amplitude: -0.005, width: 0.01 } } });
    await c.until((x) => x.json('testpulse').length >= 8 && x.frames().length >= 4, 'test-pulse events and frames', 20_000);
    const ev = c.json('testpulse')[7] as { at: number; rate: number; readings: Record<string, unknown>[] };
    expect(ev.at).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(ev.rate).toBeGreaterThan(0);
    const [vc, ic] = ev.readings;
    expect(vc).toMatchObject({ headstage: 0, mode: 'VC' });
    expect(Object.keys(vc ?? {}).sort()).toEqual(['Cm', 'Ra', 'Ri', 'Rpeak', 'Rss', 'baseline', 'headstage', 'holdingCurrent', 'mode', 'tau'].sort());
    // The passive cell: Ra 10 MΩ, Ri 200 MΩ (the fit to within 10 % after a few cycles).
    expect(Math.abs(Number(vc?.Ra) / 10e6 - 1)).toBeLessThan(0.1);
    expect(Math.abs(Number(vc?.Ri) / 200e6 - 1)).toBeLessThan(0.1);
    expect(ic).toMatchObject({ headstage: 1, mode: 'IC' });
    expect(ic).toHaveProperty('vm');
    const frames = c.frames().map((f) => decodeTraceFrame(f));
    expect(frames.every((f) => f.sweep === TEST_PULSE_SWEEP && f.firstSample === 0)).toBe(true);
    expect(new Set(frames.map((f) => f.headstage))).toEqual(new Set([0, 1]));
    await req(h.app, 'PUT', '/api/testpulse', { running: false });
    expect((await req(h.app, 'GET', '/api/testpulse')).json()).toMatchObject({ running: false, active: false });
  });

  it('applies a new amplitude from the next acquisition: the commands in the frames change', async () => {
    h = await harness(1);
    const c = await viewer(h);
    await c.request({ type: 'subscribe', headstages: [0], width: 16384 }, 'subscribed');
    await req(h.app, 'PUT', '/api/testpulse', { running: true, vc: { amplitude: -0.01 } });
    const commandMin = () => c.frames().map((f) => decodeTraceFrame(f)).filter((f) => f.signal === 0).map((f) => Math.min(...f.values));
    await c.until(() => commandMin().some((m) => Math.abs(m + 0.01) < 1e-6), 'a −10 mV pulse', 20_000);
    await req(h.app, 'PUT', '/api/testpulse', { vc: { amplitude: -0.002 } });
    await c.until(() => commandMin().some((m) => Math.abs(m + 0.002) < 1e-6), 'a −2 mV pulse', 20_000);
    await req(h.app, 'PUT', '/api/testpulse', { running: false });
  });

  it('refuses an amplitude over the safety limits with 422 and bad fields with 400, changing nothing', async () => {
    h = await harness(1);
    expectProblem(await req(h.app, 'PUT', '/api/testpulse', { running: true, vc: { amplitude: -0.5 } }), 422, "vc.amplitude: -500.0 mV exceeds the rig's limit of ±200.0 mV");
    expectProblem(await req(h.app, 'PUT', '/api/testpulse', { average: 0, speed: 2 }), 400, 'body.speed: not a known field');
    expect((await req(h.app, 'GET', '/api/testpulse')).json()).toMatchObject({ running: false, settings: { vc: { amplitude: -0.01 }, average: 4 } });
  });

  it('gives the rig to an experiment and comes back when it has ended, in the modes the experiment left', async () => {
    h = await harness(2);
    const c = await viewer(h);
    await req(h.app, 'PUT', '/api/testpulse', { running: true });
    const created = await req(h.app, 'POST', '/api/experiments', { protocol: 'synphys-probe', definition: { conditions: [{ frequency: 50, recoveryDelay: 0.25 }], repetitions: 1 }, start: true });
    expect(created.statusCode).toBe(201);
    expect((await req(h.app, 'GET', '/api/testpulse')).json()).toMatchObject({ running: true, active: false });
    await waitForPhase(h.app, (p) => p === 'done');
    await h.experiments?.ended();
    expect((await req(h.app, 'GET', '/api/testpulse')).json()).toMatchObject({ running: true, active: true });
    const before = c.json('testpulse').length;
    await c.until((x) => x.json('testpulse').length > before + 2, 'test pulses after the experiment', 20_000);
    const modes = ((await req(h.app, 'GET', '/api/headstages')).json() as { mode: string }[]).map((s) => s.mode);
    // The probe leaves its presynaptic cells in current clamp; the test pulse does not switch them back.
    expect(modes).toContain('IC');
    const after = c.json('testpulse').at(-1) as { readings: { mode: string }[] };
    expect(after.readings.map((r) => r.mode)).toEqual(modes.filter((m) => m !== 'I=0'));
    await req(h.app, 'PUT', '/api/testpulse', { running: false });
  });
});
