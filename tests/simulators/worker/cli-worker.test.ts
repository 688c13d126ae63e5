/**
 * The analog worker under `node bin/patchrig.js` (tsx registered by the entry point, not by
 * vitest): `simulate-device --kind rig` computes its slice in a worker thread and serves it on a
 * pseudo-terminal; the samples read through the real serial binding equal those of the same rig
 * computed in this thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SOCAT_REQUIRED, hasSocat } from '../../../simulators/devices/pty-pair.ts';
import { type SimulatedRig, createSimulatedRig } from '../../../simulators/rigs/simulated-rig.ts';
import { type CliChild, startCli } from '../../support/child-cli.ts';
import { acquireTestPulses } from '../rigs/acquire.ts';

const skip = !hasSocat() && !process.env.CI;
if (skip) console.warn(`skipping the pseudo-terminal worker test: ${SOCAT_REQUIRED}`);

let sim: CliChild | undefined;
let local: SimulatedRig | undefined;
afterEach(async () => {
  await sim?.stop();
  local?.dispose();
  sim = undefined;
  local = undefined;
});

describe.skipIf(skip)('the analog worker in a `patchrig simulate-device --kind rig` process', () => {
  it('delivers the slice’s samples, identical to the in-thread rig of the same seed', async () => {
    sim = startCli(['simulate-device', '--kind', 'rig', '--pty', '--speed', 'max', '--channels', '2', '--seed', '5']);
    // The child compiles the CLI through tsx before it prints: on the shared 2-core machine under
    // load that alone took 16 s, hence a wait bound above the default 15 s.
    const lines = await sim.lines(2, 60_000);
    const paths = Object.fromEntries(lines.map((l) => l.split(' ') as [string, string]));
    const remote = await acquireTestPulses({ path: paths.digitizer as string, headstages: 2, scans: 5000 });
    local = createSimulatedRig({
      amplifiers: [{ path: 'sim:amp0', channels: 2 }],
      digitizer: { path: 'sim:daq0' },
      cables: [0, 1].map((k) => ({ ao: k, ai: k, amplifierPath: 'sim:amp0', channel: k + 1 })),
      seed: 5,
      worker: false,
    });
    const here = await acquireTestPulses({ path: 'sim:daq0', binding: local.ports.binding, headstages: 2, scans: 5000 });
    expect(remote.digest).toBe(here.digest);
    expect(Math.max(...(remote.channels[0] as Float32Array))).toBeGreaterThan(0);
  }, 120_000);
});
