import { afterEach, describe, expect, it } from 'vitest';
import type { AcquisitionConfig, AiBlock } from '../../../drivers/digitizer/digitizer.ts';
import { PatchrigDigitizer } from '../../../drivers/digitizer/patchrig/driver.ts';
import { isDeviceError } from '../../../drivers/transport/errors.ts';
import { DigitizerSimulator, type DigitizerSimOptions } from '../../../simulators/devices/digitizer/digitizer-sim.ts';
import { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';

const PATH = 'sim:daq0';
let ports: SimulatedPorts;
let sim: DigitizerSimulator;
let daq: PatchrigDigitizer | undefined;

async function open(opts: DigitizerSimOptions = {}, stallTimeoutMs?: number): Promise<PatchrigDigitizer> {
  ports = new SimulatedPorts();
  ports.attach(PATH, (link) => {
    sim = new DigitizerSimulator(link, opts);
  });
  daq = await PatchrigDigitizer.open({ name: 'daq0', path: PATH, binding: ports.binding, timeoutMs: 1000, stallTimeoutMs });
  return daq;
}

afterEach(async () => {
  await daq?.close();
  daq = undefined;
  ports.dispose();
});

/** A distinct, exactly representable ramp per channel (multiples of one count, 10/32768 V). */
function ramp(ch: number, scans: number): Float32Array {
  const w = new Float32Array(scans);
  const lsb = 10 / 32768;
  for (let i = 0; i < scans; i++) w[i] = (((i * (ch + 1) * 7) % 60000) - 30000) * lsb;
  return w;
}

async function collect(blocks: AsyncIterable<AiBlock>): Promise<AiBlock[]> {
  const out: AiBlock[] = [];
  for await (const b of blocks) out.push(b);
  return out;
}

describe('patchrig digitizer driver against the simulated digitizer', () => {
  it('identifies the device and reads its capabilities', async () => {
    const d = await open();
    expect(await d.identify()).toEqual({ vendor: 'PATCHRIG', model: 'SIMDAQ8', serial: '0001', firmware: '1.0' });
    expect(await d.capabilities()).toEqual({ aiChannels: 8, aoChannels: 8, maxRateHz: 200000, range: [-10, 10], bits: 16, aoFifoScans: 262144 });
    expect(sim.status.framed).toBe(true);
  });

  it('delivers every sample of a 2 s, 50 kHz, 8 AO + 8 AI acquisition in order (AO looped back to AI)', async () => {
    const d = await open();
    const scans = 100_000;
    const config: AcquisitionConfig = {
      rateHz: 50_000,
      scans,
      outputs: Array.from({ length: 8 }, (_, ch) => ({ channel: ch, volts: ramp(ch, scans) })),
      inputs: [0, 1, 2, 3, 4, 5, 6, 7],
    };
    await d.configure(config);
    const acq = await d.start();
    const blocks = await collect(acq.blocks());
    let next = 0;
    for (const b of blocks) {
      expect(b.firstScan).toBe(next);
      next += b.scans;
    }
    expect(next).toBe(scans);
    for (let ch = 0; ch < 8; ch++) {
      const want = config.outputs[ch]?.volts as Float32Array;
      let mismatches = 0;
      let sum = 0;
      for (const b of blocks) {
        const got = b.channels[ch] as Float32Array;
        for (let i = 0; i < b.scans; i++) {
          sum += got[i] as number;
          if (got[i] !== want[b.firstScan + i]) mismatches++;
        }
      }
      expect(mismatches).toBe(0);
      expect(sum).toBeCloseTo(want.reduce((a, v) => a + v, 0), 6);
    }
    expect((await d.status()).state).toBe('done');
  });

  it('streams AO beyond the device buffer while the acquisition runs', async () => {
    const d = await open({ aoFifoScans: 4096 });
    const scans = 50_000;
    const volts = ramp(3, scans);
    await d.configure({ rateHz: 20_000, scans, outputs: [{ channel: 0, volts }], inputs: [0] });
    const blocks = await collect((await d.start()).blocks());
    const got = new Float32Array(scans);
    for (const b of blocks) got.set(b.channels[0] as Float32Array, b.firstScan);
    expect(got).toEqual(volts);
  });

  it('stops mid-acquisition on request and keeps the scans received so far', async () => {
    const d = await open({ speed: 'realtime' });
    await d.configure({ rateHz: 10_000, scans: 100_000, outputs: [], inputs: [0, 1] });
    const acq = await d.start();
    const got: AiBlock[] = [];
    for await (const b of acq.blocks()) {
      got.push(b);
      if (got.length === 3) await acq.stop();
    }
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect((await d.status()).state).toBe('idle');
  });

  it('refuses waveforms outside the output range, missing channels and length mismatches before sending anything', async () => {
    const d = await open();
    await expect(d.configure({ rateHz: 1000, scans: 2, outputs: [{ channel: 0, volts: Float32Array.from([0, 11]) }], inputs: [0] })).rejects.toThrow(
      /AO0 sample 1 is 11 V, outside ±10 V/,
    );
    await expect(d.configure({ rateHz: 1000, scans: 3, outputs: [{ channel: 0, volts: new Float32Array(2) }], inputs: [0] })).rejects.toThrow(
      /AO0 waveform has 2 samples, 3 scans configured/,
    );
    await expect(d.configure({ rateHz: 1000, scans: 3, outputs: [], inputs: [9] })).rejects.toThrow(/AI9 does not exist/);
    await expect(d.configure({ rateHz: 500_000, scans: 3, outputs: [], inputs: [0] })).rejects.toThrow(/rate 500000 Hz/);
    expect(sim.status.state).toBe('idle');
  });

  it('fails the acquisition cleanly when the device vanishes mid-stream', async () => {
    const d = await open({ speed: 'realtime' });
    await d.configure({ rateHz: 10_000, scans: 100_000, outputs: [], inputs: [0] });
    const acq = await d.start();
    let n = 0;
    const err = await (async () => {
      try {
        for await (const _ of acq.blocks()) if (++n === 2) ports.unplug(PATH);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isDeviceError(err, 'DISCONNECTED')).toBe(true);
    expect(n).toBeGreaterThanOrEqual(2);
  });

  it('fails a stream that goes silent after the stall timeout the rig file sets, not the 2 s default', async () => {
    // 8 inputs at 100 kHz: 20 full payloads last 0.82 s, below both timeouts, so the setting decides.
    const d = await open({ speed: 'realtime' }, 2500);
    await d.configure({ rateHz: 100_000, scans: 1_000_000, outputs: [], inputs: [0, 1, 2, 3, 4, 5, 6, 7] });
    const acq = await d.start();
    let n = 0;
    let silencedAt = 0;
    const err = await (async () => {
      try {
        for await (const _ of acq.blocks()) {
          if (++n === 2) {
            ports.silence(PATH);
            silencedAt = performance.now();
          }
        }
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isDeviceError(err, 'TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/no data for 2500 ms/);
    expect(performance.now() - silencedAt).toBeGreaterThanOrEqual(2400);
  });

  it('times out a START the device never answers', async () => {
    const d = await open({ speed: 'realtime' });
    await d.configure({ rateHz: 10_000, scans: 20_000, outputs: [{ channel: 0, volts: new Float32Array(20_000) }], inputs: [0] });
    ports.silence(PATH);
    const e = await d.start().catch((x: unknown) => x);
    expect(isDeviceError(e, 'TIMEOUT')).toBe(true);
    expect((e as Error).message).toMatch(/daq0 on sim:daq0, command "\d+ START": no reply/);
  });
});
