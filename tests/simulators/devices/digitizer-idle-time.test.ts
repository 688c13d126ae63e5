/**
 * Between acquisitions a simulated digitizer's cells live on: a START first lets the idle time
 * since the last acquisition pass through the wiring at the AO idle levels (up to
 * MAX_IDLE_CATCH_UP_S) — the rests a host passes on at max speed, the wall clock's idle time at
 * realtime — and only then acquires. Nothing of the idle time reaches the AI data.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Digitizer } from '../../../drivers/digitizer/digitizer.ts';
import { PatchrigDigitizer } from '../../../drivers/digitizer/patchrig/driver.ts';
import type { AnalogWiring } from '../../../simulators/devices/analog-wiring.ts';
import { DigitizerSimulator } from '../../../simulators/devices/digitizer/digitizer-sim.ts';
import { MAX_IDLE_CATCH_UP_S } from '../../../simulators/devices/digitizer/idle-time.ts';
import { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';
import type { SimSpeed } from '../../../simulators/devices/pacer.ts';

const PATH = 'sim:daq0';
const RATE = 1000;

/**
 * An RC circuit per channel (τ 0.1 s) charged by its AO, read on its AI: its state carries over
 * from one call to the next the way a cell's does. It counts the scans it was run for and the AO
 * level of each call.
 */
class RcWiring implements AnalogWiring {
  readonly calls: { n: number; ao0: number }[] = [];
  private v = 0;
  run(ao: readonly Float64Array[], ai: Float64Array[], n: number, dt: number): void {
    const a = 1 - Math.exp(-dt / 0.1);
    const src = ao[0] as Float64Array;
    const dst = ai[0] as Float64Array;
    for (let i = 0; i < n; i++) {
      this.v += ((src[i] as number) - this.v) * a;
      dst[i] = this.v;
    }
    for (const other of ai.slice(1)) other.fill(0, 0, n);
    this.calls.push({ n, ao0: src[0] as number });
  }
  scans(): number {
    return this.calls.reduce((s, c) => s + c.n, 0);
  }
}

let ports: SimulatedPorts | undefined;
let daq: Digitizer | undefined;
afterEach(async () => {
  await daq?.close();
  ports?.dispose();
  daq = undefined;
  ports = undefined;
});

async function open(speed: SimSpeed): Promise<{ sim: DigitizerSimulator; wiring: RcWiring; daq: Digitizer }> {
  ports = new SimulatedPorts();
  const wiring = new RcWiring();
  let sim: DigitizerSimulator | undefined;
  ports.attach(PATH, (link) => {
    sim = new DigitizerSimulator(link, { speed, wiring });
  });
  daq = await PatchrigDigitizer.open({ name: 'daq0', path: PATH, binding: ports.binding, timeoutMs: 5000 });
  return { sim: sim as DigitizerSimulator, wiring, daq };
}

/** Plays `volts` on AO 0 for `scans` scans and returns AI 0. */
async function acquire(d: Digitizer, volts: number, scans: number): Promise<Float32Array> {
  await d.configure({ rateHz: RATE, scans, outputs: [{ channel: 0, volts: new Float32Array(scans).fill(volts) }], inputs: [0] });
  const acq = await d.start();
  const out = new Float32Array(scans);
  for await (const b of acq.blocks()) out.set(b.channels[0] as Float32Array, b.firstScan);
  return out;
}

describe('a simulated digitizer between acquisitions', () => {
  it('at max speed, lets a rest the host passed on go by for the cells at the AO idle level before it acquires', async () => {
    const { sim, wiring, daq: d } = await open('max');
    await d.setIdleOutput(0, 0);
    const charged = await acquire(d, 1, 500);
    expect(charged[499]).toBeGreaterThan(0.99); // 5 τ at 1 V
    // Straight on, the circuit still holds its charge.
    const straight = await acquire(d, 0, 10);
    expect(straight[0]).toBeGreaterThan(0.98);
    expect(wiring.scans()).toBe(510);

    await acquire(d, 1, 500);
    wiring.calls.length = 0;
    sim.restPassed(1.5);
    const rested = await acquire(d, 0, 10);
    // 1.5 s = 15 τ at the idle level (0 V) passed first: discharged; the AI holds only the 10 scans asked for.
    expect(rested).toHaveLength(10);
    expect(Math.abs(rested[0] as number)).toBeLessThan(1e-3);
    expect(wiring.scans()).toBe(1500 + 10);
    expect(wiring.calls.slice(0, -1).every((c) => c.ao0 === 0)).toBe(true);
  });

  it('plays the idle level the host set (AOIDLE) while the rest passes, and counts a rest only once', async () => {
    const { sim, wiring, daq: d } = await open('max');
    await d.setIdleOutput(0, 0.25);
    sim.restPassed(1);
    const first = await acquire(d, 0.25, 5);
    expect(first[0]).toBeCloseTo(0.25, 3); // charged to the idle level during the rest
    expect(wiring.calls[0]?.ao0).toBe(0.25);
    wiring.calls.length = 0;
    await acquire(d, 0.25, 5);
    expect(wiring.scans()).toBe(5);
  });

  it(`lets at most ${MAX_IDLE_CATCH_UP_S} s pass, however long the rest`, async () => {
    const { sim, wiring, daq: d } = await open('max');
    sim.restPassed(3600);
    sim.restPassed(Number.NaN); // ignored
    await acquire(d, 0, 5);
    expect(wiring.scans()).toBe(MAX_IDLE_CATCH_UP_S * RATE + 5);
  });

  it('at realtime speed, lets the wall-clock time since the last acquisition pass', async () => {
    const { wiring, daq: d } = await open('realtime');
    await acquire(d, 0, 5);
    wiring.calls.length = 0;
    await sleep(200);
    await acquire(d, 0, 5);
    // At least the 200 ms slept (a loaded machine may add more, never less).
    expect(wiring.scans()).toBeGreaterThanOrEqual(0.2 * RATE + 5);
    expect(wiring.scans()).toBeLessThan(MAX_IDLE_CATCH_UP_S * RATE);
  });
});
