import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_IDS } from '../../protocols/definitions/index.ts';
import { addProtocolsCommand } from '../../src/cli/protocols.ts';

async function run(args: string[]): Promise<{ out: string; err: string; error?: CommanderError }> {
  let out = '';
  let err = '';
  const cli = new Command().exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  addProtocolsCommand(cli, (s) => (out += s));
  try {
    await cli.parseAsync(['protocols', ...args], { from: 'user' });
    return { out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { out, err, error: e };
    throw e;
  }
}

describe('patchrig protocols', () => {
  it('lists every protocol with a table of its parameters: name, default, unit, description', async () => {
    const r = await run([]);
    for (const id of PROTOCOL_IDS) expect(r.out).toContain(`${id} — `);
    expect(r.out).toMatch(/^name\s+default\s+unit\s+description$/m);
    expect(r.out).toMatch(/^pulseWidth\s+0\.003\s+s\s+width of every pulse/m);
    expect(r.out).toMatch(/^interSweepInterval\s+15\s+s\s+/m);
  });

  it('shows one protocol with its nested parameters and the probe grid as frequency/delay pairs', async () => {
    const r = await run(['synphys-probe']);
    expect(r.out.startsWith('synphys-probe — Synaptic Physiology multipatch probe')).toBe(true);
    expect(r.out).not.toContain('intrinsic-steps — ');
    expect(r.out).toMatch(/^conditions\s+10\/0\.25, 20\/0\.25, 50\/0\.25, 100\/0\.25, 200\/0\.25, 50\/0\.125, 50\/0\.5, 50\/1, 50\/2, 50\/4\s/m);
    expect(r.out).toMatch(/^testPulse\.amplitudeIC\s+-5e-11\s+A\s+/m);
    expect(r.out).toMatch(/^sweepDuration\?\s+-\s+s\s+/m);
  });

  it('--json gives the parameters and the filled-in defaults', async () => {
    const all = JSON.parse((await run(['--json'])).out) as { id: string }[];
    expect(all.map((p) => p.id)).toEqual([...PROTOCOL_IDS]);
    const one = JSON.parse((await run(['chirp', '--json'])).out) as { id: string; defaults: Record<string, unknown>; parameters: { name: string; unit: string; default: unknown }[] };
    expect(one.id).toBe('chirp');
    expect(one.defaults).toMatchObject({ protocol: 'chirp', startFrequency: 1, endFrequency: 15, scale: 'log' });
    expect(one.parameters).toContainEqual(expect.objectContaining({ name: 'endFrequency', unit: 'Hz', default: 15 }));
  });

  it('refuses an unknown id as bad usage (exit code 2), listing the known ids', async () => {
    const r = await run(['synphys']);
    expect(r.error?.exitCode).toBe(2);
    expect(r.err).toContain('unknown protocol "synphys" (known: test-pulse, seal-test, synphys-probe, intrinsic-steps, chirp)');
    expect(r.out).toBe('');
  });
});
