import { afterEach, describe, expect, it } from 'vitest';
import type { Telegraph } from '../../../drivers/amplifier/amplifier.ts';
import { PatchrigAmplifier } from '../../../drivers/amplifier/patchrig/driver.ts';
import { isDeviceError } from '../../../drivers/transport/errors.ts';
import { AmplifierSimulator } from '../../../simulators/devices/amplifier/amplifier-sim.ts';
import { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';
import { PassivePreparation } from '../../../simulators/physics/passive-cell.ts';

const PATH = 'sim:amp0';
let ports: SimulatedPorts;
let sim: AmplifierSimulator;
let amp: PatchrigAmplifier | undefined;

async function rig(channels = 8): Promise<PatchrigAmplifier> {
  ports = new SimulatedPorts();
  ports.attach(PATH, (link) => {
    sim = new AmplifierSimulator(link, { preparation: new PassivePreparation(channels), autoSeconds: 0.02 });
  });
  amp = await PatchrigAmplifier.open({ name: 'amp0', path: PATH, binding: ports.binding, timeoutMs: 500 });
  return amp;
}

afterEach(async () => {
  await amp?.close();
  amp = undefined;
  ports.dispose();
});

function nextTelegraph(a: PatchrigAmplifier): Promise<Telegraph> {
  return new Promise((resolve) => {
    const off = a.on('telegraph', (t) => {
      off();
      resolve(t);
    });
  });
}

describe('patchrig amplifier driver against the simulated 8-channel amplifier', () => {
  it('identifies the device and its channel count', async () => {
    const a = await rig();
    expect(await a.identify()).toEqual({ vendor: 'PATCHRIG', model: 'SIMAMP8', serial: '0001', firmware: '1.0' });
    expect(await a.channelCount()).toBe(8);
  });

  it('sets and reads back every setting on all 8 channels', async () => {
    const a = await rig();
    for (let ch = 1; ch <= 8; ch++) {
      const mode = ch % 2 ? 'VC' : 'IC';
      await a.setMode(ch, mode);
      const hold = mode === 'VC' ? -0.07 + ch * 1e-3 : -50e-12 * ch;
      await a.setHolding(ch, hold);
      await a.setHoldingEnabled(ch, true);
      await a.setGain(ch, [1, 2, 5, 10, 20, 50, 100, 200][ch - 1] as number);
      await a.setLowPass(ch, [2e3, 4e3, 1e4, 3e4][ch % 4] as number);
      await a.setCommandSensitivity(ch, mode === 'VC' ? 0.1 : 2e-9);
      await a.setBridgeBalance(ch, 12e6);
      await a.setBridgeEnabled(ch, ch % 3 === 0);
      await a.setNeutralization(ch, 3e-12);
      await a.setFastCapacitance(ch, 4.5e-12);
      await a.setSlowCapacitance(ch, 2e-12);
      await a.setSeriesCompensation(ch, { enabled: true, percent: 70, bandwidthHz: 5e3, predictionPercent: 60 });
      await a.setWholeCellCompensation(ch, { enabled: true, farads: 33e-12, ohms: 8e6 });
      await a.setPipetteOffset(ch, -0.0123);
    }
    for (let ch = 1; ch <= 8; ch++) {
      const mode = ch % 2 ? 'VC' : 'IC';
      const hold = mode === 'VC' ? -0.07 + ch * 1e-3 : -50e-12 * ch;
      expect(await a.getMode(ch)).toBe(mode);
      expect(await a.getHolding(ch)).toBeCloseTo(hold, 15);
      expect(await a.getHoldingEnabled(ch)).toBe(true);
      expect(await a.getGain(ch)).toBe([1, 2, 5, 10, 20, 50, 100, 200][ch - 1]);
      expect(await a.getLowPass(ch)).toBe([2e3, 4e3, 1e4, 3e4][ch % 4]);
      expect(await a.getCommandSensitivity(ch)).toBe(mode === 'VC' ? 0.1 : 2e-9);
      expect(await a.state(ch)).toEqual({
        MODE: mode,
        HOLD: expect.closeTo(hold, 15),
        HOLDEN: true,
        GAIN: [1, 2, 5, 10, 20, 50, 100, 200][ch - 1],
        LPF: [2e3, 4e3, 1e4, 3e4][ch % 4],
        CMDSENS: mode === 'VC' ? 0.1 : 2e-9,
        BRIDGE: 12e6,
        BRIDGEEN: ch % 3 === 0,
        NEUT: 3e-12,
        CFAST: 4.5e-12,
        CSLOW: 2e-12,
        RSCOMP: 70,
        RSCOMPEN: true,
        RSBW: 5e3,
        RSPRED: 60,
        WCCAP: 33e-12,
        WCRES: 8e6,
        WCCOMPEN: true,
        OFFSET: -0.0123,
      });
    }
  });

  it('telegraphs mode, scale, filter and command sensitivity, and sends a telegraph event when they change', async () => {
    const a = await rig();
    expect(await a.telegraph(3)).toEqual({ channel: 3, mode: 'VC', scale: 5e8, scaleUnit: 'V/A', lpfHz: 1e4, commandSensitivity: 0.02 });
    const ev = nextTelegraph(a);
    await a.setMode(3, 'IC');
    expect(await ev).toEqual({ channel: 3, mode: 'IC', scale: 10, scaleUnit: 'V/V', lpfHz: 1e4, commandSensitivity: 4e-10 });
    const ev2 = nextTelegraph(a);
    await a.setGain(3, 5);
    expect((await ev2).scale).toBe(50);
  });

  it('reports a change made on the device itself (front panel) as a telegraph event', async () => {
    const a = await rig();
    const ev = nextTelegraph(a);
    sim.frontPanel(5, { gain: 20, lpfHz: 2e3 });
    expect(await ev).toEqual({ channel: 5, mode: 'VC', scale: 1e10, scaleUnit: 'V/A', lpfHz: 2e3, commandSensitivity: 0.02 });
  });

  it('refuses out-of-range and malformed values with the device error code, and stays usable', async () => {
    const a = await rig();
    const err = await a.setGain(1, 3).catch((e: unknown) => e);
    expect(isDeviceError(err, 'DEVICE')).toBe(true);
    expect((err as { deviceCode: number }).deviceCode).toBe(3);
    expect((err as Error).message).toMatch(/amp0 on sim:amp0, command "\d+ GAIN 1 3": device answered ERR 3 .*gain 3 is not one of/);
    await expect(a.setHolding(9, 0)).rejects.toThrow(/ERR 3 .*channel 9 does not exist \(1\.\.8\)/);
    await expect(a.setHolding(1, 5)).rejects.toThrow(/HOLD 5 V is outside -1\.\.1/);
    expect(await a.getGain(1)).toBe(1);
  });

  it('runs auto functions against the preparation, reports their values, and is busy meanwhile', async () => {
    const a = await rig();
    const auto = a.auto(1, 'WC');
    // A second client request while AUTO runs would be refused with ERR 5; our driver keeps one in flight,
    // so the next request simply waits for the AUTO reply.
    const mode = a.getMode(1);
    expect(await auto).toEqual([100e-12, 10e6]);
    expect(await mode).toBe('VC');
    expect(await a.auto(1, 'CFAST')).toEqual([5e-12]);
    await expect(a.auto(1, 'BRIDGE')).rejects.toThrow(/ERR 4 .*AUTO BRIDGE needs IC$/);
    await a.setMode(1, 'IC');
    expect(await a.auto(1, 'BRIDGE')).toEqual([10e6]);
    expect((await a.state(1)).BRIDGEEN).toBe(true);
  });

  it('fails pending requests with a disconnect error when the device vanishes, and can be opened again', async () => {
    const a = await rig();
    const gone = new Promise<Error>((resolve) => a.on('disconnect', resolve));
    ports.silence(PATH);
    const pending = a.getMode(1).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    ports.unplug(PATH);
    const e = await pending;
    expect(isDeviceError(e, 'DISCONNECTED')).toBe(true);
    expect((await gone).message).toMatch(/unplugged/);
    await expect(a.getMode(1)).rejects.toThrow(/disconnected/);
    ports.silence(PATH, false);
    ports.replug(PATH);
    amp = await PatchrigAmplifier.open({ name: 'amp0', path: PATH, binding: ports.binding, timeoutMs: 500 });
    expect(await amp.channelCount()).toBe(8);
  });

  it('times out on a device that stops answering, then resyncs and works when it answers again', async () => {
    const a = await rig();
    ports.silence(PATH);
    const e = await a.getGain(2).catch((x: unknown) => x);
    expect(isDeviceError(e, 'TIMEOUT')).toBe(true);
    expect((e as Error).message).toMatch(/amp0 on sim:amp0, command "\d+ GAIN\? 2"/);
    ports.silence(PATH, false);
    expect(await a.getGain(2)).toBe(1);
  });
});
