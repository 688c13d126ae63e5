import { afterEach, describe, expect, it } from 'vitest';
import { TestPulseRunner } from '../../src/acquisition/test-pulse-runner.ts';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { type Rig, openRig } from '../../src/rig/open-rig.ts';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('the continuous test pulse on the simulated rig', () => {
  it('reports Ra, Ri and Cm of the simulated passive cells within 5 % (Ra 10 MΩ, Ri 200 MΩ, Cm 100 pF)', async () => {
    const config = defaultSimulatedRig(2);
    rig = await openRig({ ...config, simulation: { ...config.simulation, speed: 'max', preparation: 'passive' } as typeof config.simulation });
    const amp = rig.amplifiers.get('amp0');
    await amp?.setMode(2, 'IC');
    const tp = new TestPulseRunner(rig, { settings: { average: 8 } });
    tp.start();
    while (tp.pulses < 10) await new Promise((r) => setTimeout(r, 20));
    tp.stop();
    const vc = tp.readings[0];
    expect(vc?.mode).toBe('VC');
    expect(Math.abs((vc?.accessResistance ?? 0) / 10e6 - 1)).toBeLessThan(0.05);
    expect(Math.abs((vc?.inputResistance ?? 0) / 200e6 - 1)).toBeLessThan(0.05);
    expect(Math.abs((vc?.capacitance ?? 0) / 100e-12 - 1)).toBeLessThan(0.05);
    const ic = tp.readings[1];
    expect(ic?.mode).toBe('IC');
    expect(Math.abs((ic?.inputResistance ?? 0) / 200e6 - 1)).toBeLessThan(0.05);
    // In IC the 80 ms recovery leaves ≈ 2 % of the previous pulse in the next baseline: Cm and τ to 8 %.
    expect(Math.abs((ic?.capacitance ?? 0) / 100e-12 - 1)).toBeLessThan(0.08);
    expect(Math.abs((ic?.timeConstant ?? 0) / 20e-3 - 1)).toBeLessThan(0.08);
    expect(tp.error).toBeUndefined();
  });
});
