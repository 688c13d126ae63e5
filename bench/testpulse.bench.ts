/**
 * Test-pulse benchmark (console criterion 5): with the service on the default simulated rig (the
 * 8-cell slice, paced to real time) and all 8 headstages in VC,
 * - `tp_rate_per_hs`: test-pulse readings per second per headstage as a `/ws` client receives
 *   them, against the rate the pulse geometry allows (one cycle = baseline + pulse + recovery);
 * - `tp_on_ms`: from `PUT /api/testpulse {running: true}` to the first `testpulse` event;
 * - `tp_change_ms`: from a `PUT` of a new VC amplitude to the first command frame playing it.
 * The criterion asks ≥ 20 TP/s per headstage, ≤ 300 ms to start and ≤ 300 ms to apply a change.
 * The slice computes in its worker; on a loaded machine it falls behind real time and the rate
 * with it, so the load average is printed with the figures.
 */
import { loadavg, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { defaultSimulatedRig } from '../src/rig/default-rig.ts';
import { openRig } from '../src/rig/open-rig.ts';
import { buildService } from '../src/server/app.ts';
import { TEST_PULSE_SWEEP } from '../src/server/console-api.ts';
import { report } from './format.ts';

const MEASURE_S = 6;
const NEW_AMPLITUDE = -0.005;

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'patchrig-tp-bench-'));
  const rig = await openRig(defaultSimulatedRig(8), { speed: 'realtime' });
  const svc = buildService({ rig, dataDir: join(dir, 'data'), speed: 'realtime', analysis: false, uiDir: join(dir, 'no-ui') });
  try {
    const url = await svc.app.listen({ host: '127.0.0.1', port: 0 });
    const events: { at: number; hs: number }[] = [];
    const commandMins: { at: number; min: number }[] = [];
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe', headstages: [0], width: 400 }));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const at = performance.now();
      if (isBinary) {
        // Header (docs/protocols/websocket.md): u8 signal at 7, u32 sweep at 8, f32 values from 32.
        if (data.readUInt8(7) !== 0 || data.readUInt32LE(8) !== TEST_PULSE_SWEEP) return;
        let min = Infinity;
        for (let o = 32; o + 4 <= data.length; o += 4) min = Math.min(min, data.readFloatLE(o));
        commandMins.push({ at, min });
        return;
      }
      const m = JSON.parse(data.toString('utf8')) as { type: string; readings?: { headstage: number }[] };
      if (m.type === 'testpulse') for (const r of m.readings ?? []) events.push({ at, hs: r.headstage });
    });
    for (let hs = 0; hs < 8; hs++) await svc.headstages.patch(hs, { mode: 'VC' });
    const settings = svc.testPulse.status().settings.vc;

    const onAt = performance.now();
    await svc.testPulse.update({ running: true });
    await until(() => events.length > 0, 15_000, 'the first test-pulse reading');
    const tpOn = (events[0]?.at ?? Number.NaN) - onAt;

    // Warm-up, then count readings per headstage over a fixed window.
    await sleep(1500);
    const from = performance.now();
    const before = events.length;
    await sleep(MEASURE_S * 1000);
    const window = (performance.now() - from) / 1000;
    const perHs = (events.length - before) / 8 / window;

    const changeAt = performance.now();
    await svc.testPulse.update({ vc: { amplitude: NEW_AMPLITUDE } });
    await until(() => commandMins.some((c) => c.at > changeAt && Math.abs(c.min - NEW_AMPLITUDE) < 1e-4), 15_000, 'a command frame with the new amplitude');
    const changed = commandMins.find((c) => c.at > changeAt && Math.abs(c.min - NEW_AMPLITUDE) < 1e-4) as { at: number };
    ws.close();

    // The cycle the geometry allows: the runner's VC pulse sits in 35 % baseline on each side
    // (DEFAULT_TEST_PULSE), so one cycle lasts width / 0.3.
    const allowed = 0.3 / settings.width;
    const load = Math.round((loadavg()[0] ?? 0) * 10) / 10;
    const context = { headstages: 8, mode: 'VC', vc_width_s: settings.width, load_average_1min: load, target: '>= 20 per s; <= 300 ms' };
    report({ bench: 'testpulse', metric: 'tp_rate_per_hs', value: perHs, baseline: { name: 'cycles per s the VC pulse geometry allows', value: allowed }, context });
    report({ bench: 'testpulse', metric: 'tp_on_ms', value: tpOn, baseline: { name: 'criterion 5 bound', value: 300 }, context });
    report({ bench: 'testpulse', metric: 'tp_change_ms', value: changed.at - changeAt, baseline: { name: 'criterion 5 bound', value: 300 }, context });
  } finally {
    await svc.app.close();
    await rig.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > end) throw new Error(`testpulse bench: no ${what} within ${timeoutMs} ms`);
    await sleep(5);
  }
}
