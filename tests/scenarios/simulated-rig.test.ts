import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Telegraph } from '../../drivers/amplifier/amplifier.ts';
import type { AiBlock } from '../../drivers/digitizer/digitizer.ts';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { type Rig, openRig } from '../../src/rig/open-rig.ts';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const RATE = 50_000;
const SCANS = 2 * RATE;

/** 10 mV test pulses (VC) on every headstage: 20 ms at −70 mV holding, 20 ms step, repeated. */
function testPulseVolts(cmdSensVoltsPerVolt: number): Float32Array {
  const w = new Float32Array(SCANS);
  const period = Math.round(0.04 * RATE);
  for (let i = 0; i < SCANS; i++) w[i] = (i % period >= period / 2 ? 0.01 : 0) / cmdSensVoltsPerVolt;
  return w;
}

async function acquireAll(r: Rig): Promise<{ blocks: AiBlock[]; digest: string }> {
  const daq = r.digitizers.get('daq0');
  if (!daq) throw new Error('no digitizer');
  await daq.configure({
    rateHz: RATE,
    scans: SCANS,
    outputs: r.headstages.map((h) => ({ channel: h.ao, volts: testPulseVolts(0.02) })),
    inputs: r.headstages.map((h) => h.ai),
  });
  const acq = await daq.start();
  const blocks: AiBlock[] = [];
  const hash = createHash('sha256');
  for await (const b of acq.blocks()) {
    blocks.push(b);
    for (const ch of b.channels) hash.update(new Uint8Array(ch.buffer, ch.byteOffset, ch.byteLength));
  }
  return { blocks, digest: hash.digest('hex') };
}

describe('a whole simulated 8-headstage rig over in-process ports', () => {
  it('opens every device and sets, reads back and telegraphs every headstage', async () => {
    rig = await openRig(defaultSimulatedRig(8));
    const amp = rig.amplifiers.get('amp0');
    if (!amp) throw new Error('no amplifier');
    const telegraphs: Telegraph[] = [];
    amp.on('telegraph', (t) => telegraphs.push(t));
    for (const hs of rig.headstages) {
      await amp.setMode(hs.channel, 'IC');
      await amp.setGain(hs.channel, 10);
      await amp.setHolding(hs.channel, -20e-12);
      await amp.setHoldingEnabled(hs.channel, true);
    }
    for (const hs of rig.headstages) {
      expect(await amp.state(hs.channel)).toMatchObject({ MODE: 'IC', GAIN: 10, HOLD: -20e-12, HOLDEN: true });
    }
    await new Promise((r) => setTimeout(r, 10));
    // Mode and gain changes are telegraphed: two events per headstage, in order.
    expect(telegraphs.map((t) => [t.channel, t.mode, t.scale])).toEqual(
      rig.headstages.flatMap((h) => [
        [h.channel, 'IC', 10],
        [h.channel, 'IC', 100],
      ]),
    );
  });

  it('refuses a holding beyond the safety limits before sending it', async () => {
    rig = await openRig(defaultSimulatedRig(2));
    const amp = rig.amplifiers.get('amp0');
    if (!amp) throw new Error('no amplifier');
    await expect(amp.setHolding(1, -0.25)).rejects.toThrow(/holding of amp0 channel 1: -250.0 mV exceeds the rig's limit of ±200.0 mV/);
    await amp.setMode(1, 'IC');
    await expect(amp.setHolding(1, 3e-9)).rejects.toThrow(/3000.0 pA exceeds the rig's limit of ±2000.0 pA/);
    expect(await amp.getHolding(1)).toBe(0);
  });

  it('runs a 2 s hardware-timed acquisition at 50 kHz on 8 AO + 8 AI through amplifier and cells: every sample, in order, deterministic', async () => {
    rig = await openRig(defaultSimulatedRig(8, 7));
    const first = await acquireAll(rig);
    await rig.close();
    rig = await openRig(defaultSimulatedRig(8, 7));
    const second = await acquireAll(rig);
    let next = 0;
    for (const b of first.blocks) {
      expect(b.firstScan).toBe(next);
      expect(b.channels).toHaveLength(8);
      next += b.scans;
    }
    expect(next).toBe(SCANS);
    // Same seed, same slice, same noise: the same samples bit for bit.
    expect(second.digest).toBe(first.digest);
  });

  it('runs the slice by default, in a worker thread, its ground truth at hand', async () => {
    rig = await openRig(defaultSimulatedRig(8, 7));
    expect(rig.simulation?.computesInWorker).toBe(true);
    const truth = rig.simulation?.groundTruth();
    expect(truth?.amplifiers.map((a) => [a.path, a.preparation, a.slice?.patched.length])).toEqual([['sim:amp0', 'slice', 8]]);
  });

  // The slice's cells are active neurons at 0 mV holding, so ΔV/(Ra+Rm) is checked on passive cells.
  it('shows test pulses as test pulses: steady-state current ΔV/(Ra+Rm) through a passive cell', async () => {
    const config = defaultSimulatedRig(1);
    rig = await openRig({ ...config, simulation: { ...config.simulation, preparation: 'passive' } });
    const { blocks } = await acquireAll(rig);
    const out = new Float32Array(SCANS);
    for (const b of blocks) out.set(b.channels[0] as Float32Array, b.firstScan);
    const period = Math.round(0.04 * RATE);
    const mean = (from: number, to: number) => {
      let s = 0;
      let n = 0;
      for (let p = period; p + period <= SCANS; p += period) for (let i = from; i < to; i++, n++) s += out[p + i] as number;
      return s / n;
    };
    const scale = 5e8; // V/A at gain 1 (docs/protocols/patchrig-amplifier.md)
    const baseline = mean(period / 2 - 200, period / 2) / scale;
    const steady = mean(period - 200, period) / scale;
    // Ra 10 MΩ + Rm 200 MΩ: 10 mV → 47.6 pA.
    expect(steady - baseline).toBeGreaterThan(0.01 / 210e6 * 0.97);
    expect(steady - baseline).toBeLessThan(0.01 / 210e6 * 1.03);
  });
});
