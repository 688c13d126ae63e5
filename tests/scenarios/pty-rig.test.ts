import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AiBlock } from '../../drivers/digitizer/digitizer.ts';
import { PatchrigDigitizer } from '../../drivers/digitizer/patchrig/driver.ts';
import { SOCAT_REQUIRED, hasSocat } from '../../simulators/devices/pty-pair.ts';
import { type CliChild, runCli, startCli } from '../support/child-cli.ts';

// socat makes the pseudo-terminals. In CI it must be installed (these tests then fail with the
// message below); on a developer machine without it they are skipped, saying why.
const skip = !hasSocat() && !process.env.CI;
if (skip) console.warn(`skipping the pseudo-terminal rig tests: ${SOCAT_REQUIRED}`);

let sim: CliChild | undefined;
let daq: PatchrigDigitizer | undefined;
afterEach(async () => {
  await daq?.close();
  await sim?.stop();
  daq = undefined;
  sim = undefined;
});

describe.skipIf(skip)('a simulated device in another process, through a real pseudo-terminal', () => {
  it('delivers every sample of a 2 s, 50 kHz, 8 AO + 8 AI acquisition through the real serial binding', async () => {
    if (!hasSocat()) throw new Error(SOCAT_REQUIRED);
    sim = startCli(['simulate-device', '--kind', 'digitizer', '--pty', '--speed', 'max']);
    const [line] = await sim.lines(1);
    const path = /^digitizer (\S+)$/.exec(line ?? '')?.[1];
    expect(path).toBeDefined();
    daq = await PatchrigDigitizer.open({ name: 'daq0', path: path as string, timeoutMs: 2000 });
    const scans = 100_000;
    const lsb = 10 / 32768;
    const outputs = Array.from({ length: 8 }, (_, ch) => {
      const v = new Float32Array(scans);
      for (let i = 0; i < scans; i++) v[i] = (((i * (ch + 3)) % 50000) - 25000) * lsb;
      return { channel: ch, volts: v };
    });
    await daq.configure({ rateHz: 50_000, scans, outputs, inputs: [0, 1, 2, 3, 4, 5, 6, 7] });
    const acq = await daq.start();
    const blocks: AiBlock[] = [];
    for await (const b of acq.blocks()) blocks.push(b);
    let next = 0;
    for (const b of blocks) {
      expect(b.firstScan).toBe(next);
      next += b.scans;
    }
    expect(next).toBe(scans);
    for (let ch = 0; ch < 8; ch++) {
      let sumGot = 0;
      let sumWant = 0;
      let mismatches = 0;
      const want = outputs[ch]?.volts as Float32Array;
      for (const b of blocks) {
        const got = b.channels[ch] as Float32Array;
        for (let i = 0; i < b.scans; i++) {
          sumGot += got[i] as number;
          if (got[i] !== want[b.firstScan + i]) mismatches++;
        }
      }
      for (const v of want) sumWant += v;
      expect(mismatches).toBe(0);
      expect(sumGot).toBeCloseTo(sumWant, 6);
    }
  });

  it('`patchrig devices` identifies an amplifier and a digitizer served by `simulate-device --kind rig`', async () => {
    if (!hasSocat()) throw new Error(SOCAT_REQUIRED);
    sim = startCli(['simulate-device', '--kind', 'rig', '--pty', '--channels', '2']);
    const lines = await sim.lines(2);
    const paths = Object.fromEntries(lines.map((l) => l.split(' ') as [string, string]));
    const dir = await mkdtemp(join(tmpdir(), 'rig-'));
    const rigFile = join(dir, 'rig.yaml');
    await writeFile(
      rigFile,
      [
        'name: pty rig',
        'devices:',
        `  amp0: { kind: amplifier, protocol: patchrig-amp/1, port: ${paths.amplifier} }`,
        `  daq0: { kind: digitizer, protocol: patchrig-daq/1, port: ${paths.digitizer} }`,
        'headstages:',
        '  - { amplifier: amp0, channel: 1, digitizer: daq0, ao: 0, ai: 0 }',
        '  - { amplifier: amp0, channel: 2, digitizer: daq0, ao: 1, ai: 1 }',
      ].join('\n'),
    );
    const r = await runCli(['devices', '--rig', rigFile, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; model: string; port: string }[];
    expect(rows.map((x) => [x.name, x.model, x.port])).toEqual([
      ['amp0', 'SIMAMP2', paths.amplifier],
      ['daq0', 'SIMDAQ8', paths.digitizer],
    ]);
  });
});
