import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRecording } from '../../drivers/transport/recording.ts';
import { replayBinding } from '../../drivers/transport/replay-binding.ts';
import { isDeviceError } from '../../drivers/transport/errors.ts';
import { validateRigConfig } from '../../src/rig/load-config.ts';
import { openRig } from '../../src/rig/open-rig.ts';
import { runExampleSession } from '../support/rig-session.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/recordings/sim-rig-session.jsonl', import.meta.url));

/** The recorded rig, with its ports named as they were recorded (no simulator behind them now). */
const recordedRig = validateRigConfig({
  name: 'recorded rig',
  devices: {
    amp0: { kind: 'amplifier', protocol: 'patchrig-amp/1', port: 'sim:amp0' },
    daq0: { kind: 'digitizer', protocol: 'patchrig-daq/1', port: 'sim:daq0' },
  },
  headstages: [
    { amplifier: 'amp0', channel: 1, digitizer: 'daq0', ao: 0, ai: 0 },
    { amplifier: 'amp0', channel: 2, digitizer: 'daq0', ao: 1, ai: 1 },
  ],
});

describe('a recorded rig session replayed as a regression test', () => {
  it('replays byte for byte: the drivers send what they sent then and read back the same values', async () => {
    const replay = replayBinding(await loadRecording(FIXTURE));
    const rig = await openRig(recordedRig, { wrapBinding: () => replay });
    const result = await runExampleSession(rig);
    await rig.close();
    expect(replay.mismatch).toBeUndefined();
    expect(replay.finished, replay.describeRemaining()).toBe(true);
    // What the simulated devices answered when the session was recorded (scripts/record-rig-session.ts).
    expect(result).toMatchObject({
      amplifier: 'SIMAMP8 0001',
      digitizer: 'SIMDAQ8 0001',
      channels: 8,
      telegraph: { channel: 1, mode: 'VC', scale: 5e8, scaleUnit: 'V/A', lpfHz: 1e4, commandSensitivity: 0.02 },
      state: { MODE: 'IC', GAIN: 5, CMDSENS: 4e-10 },
      scans: 2000,
      // Every sample read back, as recorded (printed by scripts/record-rig-session.ts).
      countSum: -19482662,
      status: 'done',
    });
  });

  it('fails clearly when the driver sends something the recording does not have', async () => {
    const replay = replayBinding(await loadRecording(FIXTURE));
    const rig = await openRig(recordedRig, { wrapBinding: () => replay });
    const amp = rig.amplifiers.get('amp0');
    if (!amp) throw new Error('no amplifier');
    // The recorded session identifies the devices first; asking for the gain instead diverges.
    const e = await amp.getGain(3).catch((x: unknown) => x);
    await rig.close();
    expect(replay.mismatch).toBeDefined();
    expect(isDeviceError(replay.mismatch, 'REPLAY_MISMATCH')).toBe(true);
    expect(replay.mismatch?.message).toMatch(/sim:amp0/);
    expect(e).toBeInstanceOf(Error);
  });
});
