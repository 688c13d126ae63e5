import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => {
    err += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args, (s) => (out += s));
    return { code, out, err };
  } finally {
    process.stderr.write = write;
  }
}

describe('the patchrig command', () => {
  it('devices: identifies every device of the built-in simulated rig as a table', async () => {
    const r = await cli(['devices']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^name\s+kind\s+port\s+vendor\s+model\s+serial\s+firmware\s+detail$/);
    expect(r.out).toMatch(/amp0\s+amplifier\s+sim:amp0\s+PATCHRIG\s+SIMAMP8\s+0001\s+1\.0\s+8 channels/);
    expect(r.out).toMatch(/daq0\s+digitizer\s+sim:daq0\s+PATCHRIG\s+SIMDAQ8/);
  });

  it('devices --json prints one object per device', async () => {
    const r = await cli(['devices', '--json']);
    expect(JSON.parse(r.out)).toEqual([
      expect.objectContaining({ name: 'amp0', kind: 'amplifier', model: 'SIMAMP8' }),
      expect.objectContaining({ name: 'daq0', kind: 'digitizer', model: 'SIMDAQ8' }),
    ]);
  });

  it('exits 1 with every problem of a bad rig file, naming the file and the keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    const file = join(dir, 'rig.yaml');
    await writeFile(file, 'name: x\ndevices: {}\nheadstages: []\nsafty: 1\n');
    const r = await cli(['devices', '--rig', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`rig configuration ${file} is not valid`);
    expect(r.err).toContain('safty: unknown key (allowed: name, devices, headstages, safety, simulation)');
    expect(r.err).toContain('headstages: must');
  });

  it('exits 1 with the port and the reason when a device cannot be opened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    const file = join(dir, 'rig.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'no hardware',
        devices: { amp0: { kind: 'amplifier', protocol: 'patchrig-amp/1', port: '/dev/patchrig-nope' }, daq0: { kind: 'digitizer', protocol: 'patchrig-daq/1', port: '/dev/patchrig-nope2' } },
        headstages: [{ amplifier: 'amp0', channel: 1, digitizer: 'daq0', ao: 0, ai: 0 }],
      }),
    );
    const r = await cli(['devices', '--rig', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^patchrig: amp0 on \/dev\/patchrig-nope: could not open the port: .*No such file or directory/);
  });

  it('exits 2 on bad usage: unknown command, bad option value, simulate-device without --pty', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    const bad = await cli(['simulate-device', '--kind', 'toaster', '--pty']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Allowed choices are amplifier, digitizer, rig/);
    const noPty = await cli(['simulate-device', '--kind', 'amplifier']);
    expect(noPty.code).toBe(1);
    expect(noPty.err).toMatch(/simulate-device needs --pty/);
    expect((await cli(['serve', '--port', 'eighty'])).code).toBe(2);
  });
});
