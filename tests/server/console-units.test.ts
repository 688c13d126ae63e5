import { afterEach, describe, expect, it } from 'vitest';
import { HeadstageControl } from '../../src/control/headstages.ts';
import { ControlError } from '../../src/control/errors.ts';
import { timingOf } from '../../src/experiments/timing.ts';
import { isLoopbackHost } from '../../src/server/access.ts';
import { reachableUrls } from '../../src/server/urls.ts';
import type { Rig } from '../../src/rig/open-rig.ts';
import type { Plan } from '../../protocols/plan.ts';
import { passiveRig } from './helpers.ts';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function plan(sweeps: { seconds: number; iti: number }[]): Plan {
  return {
    protocol: 'x',
    definition: {},
    sweeps: sweeps.map((s, index) => ({ index, protocol: 'x', stimulusName: 'x', sampleRate: 1000, scans: s.seconds * 1000, headstages: [], epochs: [], parameters: {}, interSweepInterval: s.iti })),
  };
}

describe('experiment timing for the console', () => {
  const p = plan([{ seconds: 1, iti: 5 }, { seconds: 1, iti: 5 }, { seconds: 2, iti: 5 }]);

  it('during a rest, the next sweep starts its predecessor\'s interval after that one started, and the run ends after the rest of the plan', () => {
    const t = timingOf(p, { realtime: true, sweepStartedAt: 10_000, phase: 'resting' }, 'resting', 1, 11_500);
    expect(t).toEqual({ sweepDuration: 1, nextAt: 15_000, eta: 15_000 + 5_000 + 2_000 });
  });

  it('while a sweep is acquired, the end counts from that sweep\'s start; a sweep longer than its interval delays the next', () => {
    const long = plan([{ seconds: 8, iti: 5 }, { seconds: 1, iti: 5 }]);
    expect(timingOf(long, { realtime: true, sweepStartedAt: 0, phase: 'acquiring' }, 'acquiring', 0, 100)).toEqual({ sweepDuration: 8, eta: 8_000 + 1_000 });
  });

  it('gives only the sweep duration when paused or at max speed (no wall-clock promise to make)', () => {
    expect(timingOf(p, { realtime: true, sweepStartedAt: 0, phase: 'paused' }, 'paused', 1, 0)).toEqual({ sweepDuration: 1 });
    expect(timingOf(p, { realtime: false, sweepStartedAt: 0, phase: 'resting' }, 'resting', 1, 0)).toEqual({ sweepDuration: 1 });
  });
});

describe('headstage settings during a sweep', () => {
  it('are refused with ACQUIRING while a sweep is acquired, and a label alone is still taken', async () => {
    rig = await passiveRig(1);
    const hs = new HeadstageControl({ rig, acquiring: () => true });
    await expect(hs.patch(0, { lpf: 30_000 })).rejects.toThrow(new ControlError('ACQUIRING', 'headstage 0: a sweep is being acquired; change settings between sweeps (pause the experiment, or retry when it rests)'));
    await expect(hs.auto(0, 'fast-cap')).rejects.toMatchObject({ code: 'ACQUIRING' });
    expect((await hs.patch(0, { label: 'L5 pyramidal' })).label).toBe('L5 pyramidal');
    expect((await hs.state(0)).lpf).toBe(10_000);
  });
});

describe('serve: which binds need tokens and which URLs to print', () => {
  it('treats 127.x, ::1 and localhost as loopback and everything else as exposed', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.20', 'rig3.lab']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('prints the bound address itself, or every external address for a wildcard bind', () => {
    expect(reachableUrls('192.168.1.20', 8080)).toEqual(['http://192.168.1.20:8080']);
    expect(reachableUrls('fe80::1', 8080)).toEqual(['http://[fe80::1]:8080']);
    const all = reachableUrls('0.0.0.0', 8080);
    expect(all.length).toBeGreaterThan(0);
    for (const u of all) expect(u).toMatch(/^http:\/\/[^/]+:8080$/);
    expect(all.some((u) => u.includes('0.0.0.0'))).toBe(false);
  });
});
