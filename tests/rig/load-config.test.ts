import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RigConfigError } from '../../src/rig/config-errors.ts';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { loadRigConfig, validateRigConfig } from '../../src/rig/load-config.ts';

const good = {
  name: 'bench rig',
  devices: {
    amp0: { kind: 'amplifier', protocol: 'patchrig-amp/1', port: '/dev/ttyACM0' },
    daq0: { kind: 'digitizer', protocol: 'patchrig-daq/1', port: '/dev/ttyACM1' },
  },
  headstages: [
    { amplifier: 'amp0', channel: 1, digitizer: 'daq0', ao: 0, ai: 0 },
    { amplifier: 'amp0', channel: 2, digitizer: 'daq0', ao: 1, ai: 1 },
  ],
};

function problemsOf(raw: unknown): string[] {
  try {
    validateRigConfig(raw);
  } catch (e) {
    if (e instanceof RigConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
}

describe('rig configuration', () => {
  it('accepts a valid rig and fills in the DESIGN default safety limits (2 nA, 200 mV)', () => {
    const rig = validateRigConfig(good);
    expect(rig.safety).toEqual({ maxCurrent: 2e-9, maxVoltage: 0.2 });
    expect(rig.headstages).toHaveLength(2);
  });

  it('the built-in rig is 8 simulated headstages on one amplifier and one digitizer', () => {
    const rig = defaultSimulatedRig();
    expect(rig.headstages.map((h) => [h.channel, h.ao, h.ai])).toEqual(Array.from({ length: 8 }, (_, k) => [k + 1, k, k]));
    expect(Object.values(rig.devices).map((d) => d.port)).toEqual(['sim', 'sim']);
  });

  it('names an unknown key and lists the allowed ones', () => {
    const p = problemsOf({ ...good, headstages: [{ ...good.headstages[0], gain: 5 }] });
    expect(p).toContain('headstages[0].gain: unknown key (allowed: amplifier, channel, digitizer, ao, ai, label, scaling)');
  });

  it('names a device kind typo and lists the kinds', () => {
    const p = problemsOf({ ...good, devices: { ...good.devices, amp0: { ...good.devices.amp0, kind: 'amplifer' } } });
    expect(p.some((s) => s.startsWith('devices.amp0.kind: "amplifer" is not allowed (allowed: amplifier, digitizer)'))).toBe(true);
  });

  it('checks a device against the schema of its own kind', () => {
    const p = problemsOf({ ...good, devices: { ...good.devices, daq0: { ...good.devices.daq0, protocol: 'ni-daqmx' } } });
    expect(p).toEqual(['devices.daq0.protocol: must be "patchrig-daq/1", not "ni-daqmx"']);
  });

  it('refuses out-of-range values with the limit', () => {
    const p = problemsOf({ ...good, headstages: [{ ...good.headstages[0], channel: 0 }], safety: { maxCurrent: -1, maxVoltage: 0.1 } });
    expect(p).toContain('headstages[0].channel: must be >= 1');
    expect(p).toContain('safety.maxCurrent: must be > 0');
  });

  it('takes a digitizer stall timeout in ms, refuses one out of range, and refuses it on an amplifier', () => {
    const withStall = (daq: object, amp: object = good.devices.amp0) => ({ ...good, devices: { amp0: amp, daq0: { ...good.devices.daq0, ...daq } } });
    expect(validateRigConfig(withStall({ stallTimeoutMs: 30_000 })).devices.daq0).toMatchObject({ stallTimeoutMs: 30_000 });
    expect(problemsOf(withStall({ stallTimeoutMs: 5 }))).toContain('devices.daq0.stallTimeoutMs: must be >= 100');
    expect(problemsOf(withStall({}, { ...good.devices.amp0, stallTimeoutMs: 3000 })).some((s) => s.startsWith('devices.amp0.stallTimeoutMs: unknown key'))).toBe(true);
  });

  it('reports missing keys, dangling device references and double-used channels together', () => {
    const p = problemsOf({
      name: 'x',
      devices: good.devices,
      headstages: [
        { amplifier: 'amp1', channel: 1, digitizer: 'amp0', ao: 0, ai: 0 },
        { amplifier: 'amp0', channel: 1, digitizer: 'daq0', ao: 0, ai: 3 },
        { amplifier: 'amp0', channel: 1, digitizer: 'daq0', ao: 2, ai: 3 },
      ],
    });
    expect(p).toContain('headstages[0].amplifier: no device named "amp1" (amplifiers: amp0)');
    expect(p).toContain('headstages[0].digitizer: "amp0" is a amplifier, not a digitizer');
    expect(p).toContain('headstages[2]: amplifier amp0 channel 1 is already used by headstages[1]');
    expect(p).toContain('headstages[2]: digitizer daq0 AI3 is already used by headstages[1]');
    expect(problemsOf({ devices: good.devices, headstages: good.headstages })).toEqual(['name: required key is missing']);
  });

  it('refuses two devices on one port', () => {
    const p = problemsOf({ ...good, devices: { ...good.devices, daq0: { ...good.devices.daq0, port: '/dev/ttyACM0' } } });
    expect(p).toEqual(['devices.daq0.port: "/dev/ttyACM0" is already the port of amp0']);
  });

  it('reads YAML and JSON files, and says which file is broken and why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rig-'));
    const yamlFile = join(dir, 'rig.yaml');
    await writeFile(
      yamlFile,
      [
        'name: yaml rig',
        'devices:',
        '  amp0: { kind: amplifier, protocol: patchrig-amp/1, port: sim }',
        '  daq0: { kind: digitizer, protocol: patchrig-daq/1, port: sim }',
        'headstages:',
        '  - { amplifier: amp0, channel: 1, digitizer: daq0, ao: 0, ai: 0 }',
        'safety: { maxCurrent: 1.0e-9, maxVoltage: 0.15 }',
      ].join('\n'),
    );
    expect((await loadRigConfig(yamlFile)).safety).toEqual({ maxCurrent: 1e-9, maxVoltage: 0.15 });
    const jsonFile = join(dir, 'rig.json');
    await writeFile(jsonFile, '{"name": "x", ');
    await expect(loadRigConfig(jsonFile)).rejects.toThrow(/rig\.json is not valid:\n {2}- not valid JSON/);
    await expect(loadRigConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read the file/);
  });
});
