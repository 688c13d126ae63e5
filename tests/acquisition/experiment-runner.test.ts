import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentRunner } from '../../src/acquisition/experiment-runner.ts';
import type { Sweep } from '../../src/core/sweep.ts';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { type Rig, openRig } from '../../src/rig/open-rig.ts';
import type { Plan } from '../../protocols/plan.ts';
import { stepSweep } from '../support/plans.ts';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function passiveRig(headstages: number, speed: 'max' | 'realtime') {
  const config = defaultSimulatedRig(headstages);
  return openRig({ ...config, simulation: { ...config.simulation, speed, preparation: 'passive' } as typeof config.simulation });
}

function plan(n: number, duration = 0.1, interval = 15): Plan {
  return {
    protocol: 'test-steps',
    definition: {},
    sweeps: Array.from({ length: n }, (_, i) => ({
      ...stepSweep({
        index: i,
        duration,
        headstages: [
          { headstage: 0, mode: 'VC', amplitude: 0.005 * (i + 1), start: 0.02, width: 0.02 },
          { headstage: 1, mode: 'IC', amplitude: -20e-12, start: 0.02, width: 0.02 },
        ],
      }),
      interSweepInterval: interval,
    })),
  };
}

describe('the experiment runner on a simulated rig', () => {
  it('settles the current-clamp bias before the first sweep of a new target potential (−70 → −55 mV)', async () => {
    rig = await passiveRig(2, 'max');
    const p = plan(4, 0.1, 1);
    p.sweeps.forEach((s, i) => {
      const ic = s.headstages.find((h) => h.mode === 'IC');
      if (ic) ic.targetPotential = i < 2 ? -0.07 : -0.055;
    });
    const stored: Sweep[] = [];
    const runner = new ExperimentRunner({ rig, plan: p, speed: 'max', store: (s) => void stored.push(s) });
    await runner.prepare();
    runner.start();
    await runner.finished();
    const start = (s: Sweep | undefined) => {
      const y = s?.channels.find((c) => c.mode === 'IC')?.response ?? new Float32Array(1);
      return y.subarray(0, Math.round(0.015 * 20_000)).reduce((a, b) => a + b, 0) / Math.round(0.015 * 20_000);
    };
    expect(start(stored[1])).toBeCloseTo(-0.07, 3);
    // One auto-bias step per sweep would leave sweep 2 several mV short of −55 mV.
    expect(Math.abs(start(stored[2]) + 0.055)).toBeLessThan(1e-3);
  });

  it('runs a plan at max speed: rests pass in simulated time (the rig is told, for its cells), every sweep stored once and in order', async () => {
    rig = await passiveRig(2, 'max');
    const stored: Sweep[] = [];
    const rests: number[] = [];
    const passOn = rig.restPassed.bind(rig);
    rig.restPassed = (s) => {
      rests.push(s);
      passOn(s);
    };
    const runner = new ExperimentRunner({ rig, plan: plan(3), speed: 'max', holding: { 0: -0.07 }, store: (s) => void stored.push(s) });
    runner.start();
    const summary = await runner.finished();
    expect(summary.phase).toBe('done');
    expect(stored.map((s) => s.index)).toEqual([0, 1, 2]);
    // Start to start: 2 rests of 15 s, plus the last 0.1 s sweep.
    expect(summary.duration).toBeCloseTo(30.1, 3);
    // The cells live through each rest (14.9 s after a 0.1 s sweep): the rig is told.
    expect(rests).toHaveLength(2);
    for (const r of rests) expect(r).toBeCloseTo(14.9, 6);
    expect(stored[2]?.channels[0]?.command[Math.round(0.03 * 20_000)]).toBeCloseTo(-0.07 + 0.015, 6);
  });

  it('abort during a real-time sweep keeps the partial sweep and leaves every output at its holding', async () => {
    rig = await passiveRig(2, 'realtime');
    const stored: Sweep[] = [];
    const runner = new ExperimentRunner({ rig, plan: plan(3, 2), speed: 'realtime', holding: { 0: -0.06, 1: 20e-12 }, store: (s) => void stored.push(s) });
    runner.start();
    await new Promise((r) => setTimeout(r, 300));
    runner.abort();
    const summary = await runner.finished();
    expect(summary.phase).toBe('aborted');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.aborted).toBe(true);
    const daq = rig.digitizers.get('daq0');
    expect(await daq?.getIdleOutput(0)).toBeCloseTo(-0.06 / 0.02, 6);
    expect(await daq?.getIdleOutput(1)).toBeCloseTo(20e-12 / 4e-10, 6);
    expect((await daq?.status())?.state).toBe('idle');
  });

  it('SET_HOLDING between sweeps moves the output at once and applies to the next sweep; beyond the limits it is refused', async () => {
    rig = await passiveRig(2, 'realtime');
    const stored: Sweep[] = [];
    const runner = new ExperimentRunner({ rig, plan: plan(3, 0.1, 0.5), speed: 'realtime', store: (s) => void stored.push(s) });
    runner.step();
    await runner.until((s) => s.phase === 'paused');
    runner.setHolding(0, 'VC', -0.055);
    expect(() => runner.setHolding(0, 'VC', -0.5)).toThrow("holding of headstage 0: -500.0 mV exceeds the rig's limit of ±200.0 mV");
    await new Promise((r) => setTimeout(r, 100));
    expect(await rig.digitizers.get('daq0')?.getIdleOutput(0)).toBeCloseTo(-0.055 / 0.02, 6);
    expect(runner.holdingErrors).toEqual([]);
    runner.step();
    await runner.until((s) => s.phase === 'paused' && s.acquired === 2);
    const summary = await (runner.abort(), runner.finished());
    expect(summary.acquired).toBe(2);
    expect(stored[0]?.channels[0]?.holding).toBe(0);
    expect(stored[1]?.channels[0]?.holding).toBeCloseTo(-0.055, 9);
    expect(stored[1]?.channels[0]?.command[0]).toBeCloseTo(-0.055, 6);
  });
});
