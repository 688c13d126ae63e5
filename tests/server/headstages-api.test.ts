import { afterEach, describe, expect, it } from 'vitest';
import type { ClampMode } from '../../src/core/clamp.ts';
import type { HeadstageState } from '../../src/server/console-api.ts';
import { type Harness, harness, req } from './console-helpers.ts';
import { expectProblem } from './helpers.ts';
import { type TestClient, connect } from './ws-helpers.ts';

let h: Harness | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await h?.close();
  h = undefined;
});

/** Records the modes sent to the amplifier, in order. */
function recordModes(x: Harness): ClampMode[] {
  const amp = x.rig.amplifiers.get('amp0');
  if (!amp) throw new Error('no amp0');
  const sent: ClampMode[] = [];
  const setMode = amp.setMode.bind(amp);
  x.rig.amplifiers.set('amp0', new Proxy(amp, {
    get: (t, p, r) => (p === 'setMode' ? (ch: number, m: ClampMode) => (sent.push(m), setMode(ch, m)) : Reflect.get(t, p, r)),
  }));
  return sent;
}

describe('GET /api/headstages', () => {
  it('lists every headstage with its mode, holding, compensations, gain and filter in SI', async () => {
    h = await harness(2);
    const r = await req(h.app, 'GET', '/api/headstages');
    expect(r.statusCode).toBe(200);
    const list = r.json() as HeadstageState[];
    expect(list.map((s) => s.headstage)).toEqual([0, 1]);
    expect(list[0]).toEqual({
      headstage: 0, amplifier: 'amp0', channel: 1, mode: 'VC', holding: { vc: 0, ic: 0 },
      bridgeBalance: { enabled: false, resistance: 0 }, capNeutralization: 0, pipetteOffset: 0, fastCap: 0, slowCap: 0,
      wholeCell: { enabled: false, capacitance: 0, resistance: 0 },
      rsCompensation: { enabled: false, correctionPercent: 0, predictionPercent: 0, bandwidth: 1000 },
      primaryGain: 1, lpf: 10_000, label: 'HS0',
    });
  });

  it('answers a headstage that does not exist with 404 naming the valid range', async () => {
    h = await harness(2);
    const r = await req(h.app, 'GET', '/api/headstages/7');
    expectProblem(r, 404, 'headstage 7 does not exist: the rig has 2 (0–1)');
    expect(r.json()).toMatchObject({ code: 'HEADSTAGE_NOT_FOUND' });
  });
});

describe('PATCH /api/headstages/:hs', () => {
  it('switches VC to IC through I=0 by default, directly with viaIZero false, and publishes the new state on /ws', async () => {
    h = await harness(2);
    const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const c = await connect(`${url.replace(/^http/, 'ws')}/ws`);
    clients.push(c);
    const sent = recordModes(h);
    const r = await req(h.app, 'PATCH', '/api/headstages/1', { mode: 'IC' });
    expect(r.statusCode).toBe(200);
    expect((r.json() as HeadstageState).mode).toBe('IC');
    expect(sent).toEqual(['I=0', 'IC']);
    await c.until((x) => x.json('amplifier').length > 0, 'an amplifier event');
    expect(c.json('amplifier')[0]).toMatchObject({ state: { headstage: 1, mode: 'IC' } });

    sent.length = 0;
    expect((await req(h.app, 'PATCH', '/api/headstages/1', { mode: 'VC', viaIZero: false })).statusCode).toBe(200);
    expect(sent).toEqual(['VC']);
  });

  it('sets holding, compensations, gain, filter and label together and reads them back from the device', async () => {
    h = await harness(2);
    const r = await req(h.app, 'PATCH', '/api/headstages/0', {
      holding: { vc: -0.07, ic: -2e-11 }, fastCap: 3e-12, slowCap: 1e-12, pipetteOffset: 0.002, capNeutralization: 2e-12,
      bridgeBalance: { enabled: true, resistance: 10e6 }, wholeCell: { enabled: true, capacitance: 30e-12 }, rsCompensation: { enabled: true, correctionPercent: 70 },
      primaryGain: 5, lpf: 30_000, label: 'pyramidal',
    });
    expect(r.statusCode).toBe(200);
    const s = r.json() as HeadstageState;
    expect(s).toMatchObject({
      holding: { vc: -0.07, ic: -2e-11 }, fastCap: 3e-12, slowCap: 1e-12, pipetteOffset: 0.002, capNeutralization: 2e-12,
      bridgeBalance: { enabled: true, resistance: 10e6 }, wholeCell: { enabled: true, capacitance: 30e-12, resistance: 0 },
      rsCompensation: { enabled: true, correctionPercent: 70, predictionPercent: 0, bandwidth: 1000 }, primaryGain: 5, lpf: 30_000, label: 'pyramidal',
    });
    expect((await req(h.app, 'GET', '/api/headstages/0')).json()).toEqual(s);
  });

  it('refuses a holding over the safety limits with 422 before anything reaches the device', async () => {
    h = await harness(2);
    const sent = recordModes(h);
    const r = await req(h.app, 'PATCH', '/api/headstages/0', { mode: 'IC', holding: { ic: 5e-9 } });
    expectProblem(r, 422, "holding.ic of headstage 0: 5000.0 pA exceeds the rig's limit of ±2000.0 pA; nothing was changed");
    expect(sent).toEqual([]);
    expect((await req(h.app, 'GET', '/api/headstages/0')).json()).toMatchObject({ mode: 'VC', holding: { vc: 0, ic: 0 } });
  });

  it('names unknown fields, wrong types and bad modes with 400', async () => {
    h = await harness(2);
    const r = await req(h.app, 'PATCH', '/api/headstages/0', { gian: 2, lpf: 'fast', mode: 'CC' });
    expectProblem(r, 400, 'body.gian: not a known field');
    const detail = (r.json() as { detail: string }).detail;
    expect(detail).toContain('body.lpf: must be number');
    expect(detail).toContain('body.mode: must be one of "VC", "IC", "I=0"');
  });

  it('answers a headstage that does not exist with 404, and a value the device refuses with 422 saying so', async () => {
    h = await harness(2);
    expectProblem(await req(h.app, 'PATCH', '/api/headstages/2', { lpf: 1000 }), 404, 'the rig has 2 (0–1)');
    const r = await req(h.app, 'PATCH', '/api/headstages/0', { primaryGain: 3 });
    expectProblem(r, 422, 'headstage 0: the amplifier refused');
    expect(r.json()).toMatchObject({ code: 'DEVICE_REFUSED' });
  });
});

describe('POST /api/headstages/:hs/auto/:fn', () => {
  it('runs an auto function and answers the values the device chose with the new state', async () => {
    h = await harness(2);
    const r = await req(h.app, 'POST', '/api/headstages/0/auto/fast-cap');
    expect(r.statusCode).toBe(200);
    const body = r.json() as { function: string; values: number[]; state: HeadstageState };
    expect(body.function).toBe('fast-cap');
    expect(body.values).toHaveLength(1);
    expect(body.state.fastCap).toBe(body.values[0]);
  });

  it('lists the auto functions when the name is unknown', async () => {
    h = await harness(2);
    expectProblem(await req(h.app, 'POST', '/api/headstages/0/auto/zap'), 400, 'params.fn: must be one of "pipette-offset", "fast-cap", "slow-cap", "bridge-balance", "whole-cell"');
  });
});
