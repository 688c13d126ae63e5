import { afterEach, describe, expect, it } from 'vitest';
import { AcquisitionEngine, type SweepBlock, SweepFailedError } from '../../src/acquisition/engine.ts';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { type Rig, openRig } from '../../src/rig/open-rig.ts';
import { SafetyLimitError } from '../../src/rig/safety.ts';
import { meanOver, stepSweep } from '../support/plans.ts';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** The built-in rig with passive cells (Ra 10 MΩ, Rm 200 MΩ, Cm 100 pF, rest −70 mV): responses with a closed form. */
function passiveRig(headstages: number, speed: 'max' | 'realtime' = 'max') {
  const config = defaultSimulatedRig(headstages);
  return openRig({ ...config, simulation: { ...config.simulation, speed, preparation: 'passive' } as typeof config.simulation });
}

describe('the acquisition engine', () => {
  it('plays holding + stimulus × scale on each headstage and returns responses in SI with every setting in force', async () => {
    rig = await passiveRig(2);
    const engine = new AcquisitionEngine(rig);
    const plan = stepSweep({
      headstages: [
        { headstage: 0, mode: 'VC', amplitude: 0.01, start: 0.04, width: 0.05, holding: -0.07 },
        { headstage: 1, mode: 'IC', amplitude: -50e-12, start: 0.04, width: 0.05 },
      ],
    });
    const blocks: SweepBlock[] = [];
    const sweep = await engine.runSweep(plan, { onBlock: (b) => blocks.push(b) });
    const [vc, ic] = sweep.channels;
    if (!vc || !ic) throw new Error('two channels expected');
    expect(sweep.aborted).toBe(false);
    expect(vc.command[0]).toBeCloseTo(-0.07, 6);
    expect(vc.command[Math.round(0.05 * 20_000)]).toBeCloseTo(-0.06, 6);
    expect(vc.settings).toMatchObject({ mode: 'VC', outputScale: 5e8, commandSensitivity: 0.02, lpfHz: 1e4 });
    expect(ic.settings).toMatchObject({ mode: 'IC', outputScale: 10, commandSensitivity: 4e-10 });
    // VC, held at the cell's rest: 10 mV → ΔI = 10 mV / (Ra + Rm) = 47.6 pA at steady state.
    const dI = meanOver(vc.response, 20_000, 0.08, 0.09) - meanOver(vc.response, 20_000, 0.02, 0.035);
    expect(dI).toBeGreaterThan(47.6e-12 * 0.95);
    expect(dI).toBeLessThan(47.6e-12 * 1.05);
    // IC from rest: −50 pA through Ra + Rm (bridge off) → ΔV ≈ −10.5 mV after 50 ms ≈ 2.5 τ (τ = 20 ms): 92 %.
    const dV = meanOver(ic.response, 20_000, 0.085, 0.09) - meanOver(ic.response, 20_000, 0.02, 0.035);
    expect(dV).toBeLessThan(-0.009);
    expect(dV).toBeGreaterThan(-0.0105);
    expect(sweep.epochs.filter((e) => e.kind === 'step').map((e) => e.headstage)).toEqual([0, 1]);
    expect(blocks.reduce((n, b) => n + b.scans, 0)).toBe(plan.scans);
    expect(await rig.digitizers.get('daq0')?.getIdleOutput(0)).toBeCloseTo(-0.07 / 0.02, 6);
  });

  it('inserts the test pulse and records it as an epoch', async () => {
    rig = await passiveRig(1);
    const sweep = await new AcquisitionEngine(rig).runSweep(
      stepSweep({ headstages: [{ headstage: 0, mode: 'VC', amplitude: 0, start: 0.05, width: 0.01, holding: -0.07, testPulse: true }] }),
    );
    const ch = sweep.channels[0];
    expect(ch?.command[Math.round(0.01 * 20_000)]).toBeCloseTo(-0.08, 6);
    expect(sweep.epochs).toContainEqual({ start: 0.005, stop: 0.015, kind: 'test-pulse', headstage: 0, params: { amplitude: -0.01 } });
  });

  it('refuses a command beyond the safety limits before anything is sent, naming headstage and sample', async () => {
    rig = await passiveRig(1);
    const plan = stepSweep({ headstages: [{ headstage: 0, mode: 'VC', amplitude: 0.3, start: 0.04, width: 0.01, holding: -0.07 }] });
    const e = await new AcquisitionEngine(rig).runSweep(plan).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SafetyLimitError);
    expect((e as Error).message).toBe("headstage 0 command: sample 800 is 230.0 mV, beyond the rig's limit of ±200.0 mV; nothing was sent");
    expect((await rig.digitizers.get('daq0')?.status())?.state).toBe('idle');
  });

  it('aborts mid-sweep: the digitizer stops, the outputs hold, the partial sweep is kept and marked', async () => {
    rig = await passiveRig(1, 'realtime');
    const ctl = new AbortController();
    const plan = stepSweep({ duration: 2, headstages: [{ headstage: 0, mode: 'VC', amplitude: 0.005, start: 0.1, width: 1.5, holding: -0.065 }] });
    const sweep = await new AcquisitionEngine(rig).runSweep(plan, {
      signal: ctl.signal,
      onBlock: (b) => {
        if (b.firstScan + b.scans >= 4000) ctl.abort();
      },
    });
    expect(sweep.aborted).toBe(true);
    expect(sweep.channels[0]?.response.length).toBeGreaterThanOrEqual(4000);
    expect(sweep.channels[0]?.response.length).toBeLessThan(plan.scans);
    expect(sweep.channels[0]?.command.length).toBe(sweep.channels[0]?.response.length);
    const daq = rig.digitizers.get('daq0');
    expect((await daq?.status())?.state).toBe('idle');
    expect(await daq?.getIdleOutput(0)).toBeCloseTo(-0.065 / 0.02, 6);
  });

  it('fails the sweep cleanly when the digitizer vanishes, keeping what was acquired', async () => {
    rig = await passiveRig(1, 'realtime');
    const sim = rig.simulation;
    const plan = stepSweep({ duration: 2, headstages: [{ headstage: 0, mode: 'IC', amplitude: 0, start: 0.1, width: 0.1 }] });
    const e = await new AcquisitionEngine(rig)
      .runSweep(plan, {
        onBlock: (b) => {
          if (b.firstScan === 0) sim?.ports.unplug('sim:daq0');
        },
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SweepFailedError);
    const partial = (e as SweepFailedError).partial;
    expect(partial.aborted).toBe(true);
    expect(partial.channels[0]?.response.length).toBeGreaterThan(0);
    expect((e as Error).message).toMatch(/sweep 0 failed after \d+ of 40000 scans: .*disconnected|port lost/);
  });
});
