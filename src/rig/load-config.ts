import { readFile } from 'node:fs/promises';
import Value from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { RigConfigError, describeSchemaErrors } from './config-errors.ts';
import { AmplifierDeviceSchema, DEFAULT_SAFETY, DigitizerDeviceSchema, RigConfigSchema, type RigConfig } from './schema.ts';

const DEVICE_KINDS = { amplifier: AmplifierDeviceSchema, digitizer: DigitizerDeviceSchema };

/**
 * Checks a parsed rig description and returns it with defaults filled in; throws RigConfigError
 * listing every problem (schema and cross-references) at once.
 */
export function validateRigConfig(raw: unknown, source = '(inline)'): RigConfig {
  const withDefaults = Value.Default(RigConfigSchema, structuredClone(raw));
  const problems = describeSchemaErrors(RigConfigSchema, withDefaults, { '/devices/': DEVICE_KINDS });
  if (problems.length > 0) throw new RigConfigError(source, problems);
  const config = withDefaults as RigConfig;
  const cross = crossCheck(config);
  if (cross.length > 0) throw new RigConfigError(source, cross);
  return { ...config, safety: config.safety ?? { ...DEFAULT_SAFETY } };
}

function crossCheck(config: RigConfig): string[] {
  const problems: string[] = [];
  const names = Object.keys(config.devices);
  const ofKind = (kind: string) => names.filter((n) => config.devices[n]?.kind === kind);
  const used = new Map<string, number>();
  const claim = (what: string, i: number) => {
    const prev = used.get(what);
    if (prev !== undefined) problems.push(`headstages[${i}]: ${what} is already used by headstages[${prev}]`);
    else used.set(what, i);
  };
  config.headstages.forEach((hs, i) => {
    const amp = config.devices[hs.amplifier];
    if (!amp) problems.push(`headstages[${i}].amplifier: no device named "${hs.amplifier}" (amplifiers: ${ofKind('amplifier').join(', ') || 'none'})`);
    else if (amp.kind !== 'amplifier') problems.push(`headstages[${i}].amplifier: "${hs.amplifier}" is a ${amp.kind}, not an amplifier`);
    const daq = config.devices[hs.digitizer];
    if (!daq) problems.push(`headstages[${i}].digitizer: no device named "${hs.digitizer}" (digitizers: ${ofKind('digitizer').join(', ') || 'none'})`);
    else if (daq.kind !== 'digitizer') problems.push(`headstages[${i}].digitizer: "${hs.digitizer}" is a ${daq.kind}, not a digitizer`);
    claim(`amplifier ${hs.amplifier} channel ${hs.channel}`, i);
    claim(`digitizer ${hs.digitizer} AO${hs.ao}`, i);
    claim(`digitizer ${hs.digitizer} AI${hs.ai}`, i);
  });
  // One sample clock: a sweep is hardware-timed on a single digitizer (multi-digitizer sync is not supported yet).
  const daqs = new Set(config.headstages.map((h) => h.digitizer));
  if (daqs.size > 1) problems.push(`headstages: all headstages must use one digitizer (one sample clock); found ${[...daqs].join(', ')}`);
  const ports = new Map<string, string>();
  for (const [name, dev] of Object.entries(config.devices)) {
    if (dev.port === 'sim') continue;
    const other = ports.get(dev.port);
    if (other) problems.push(`devices.${name}.port: "${dev.port}" is already the port of ${other}`);
    ports.set(dev.port, name);
  }
  return problems;
}

/** Reads a rig file (`.json`, `.yaml` or `.yml`). */
export async function loadRigConfig(file: string): Promise<RigConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new RigConfigError(file, [`cannot read the file: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new RigConfigError(file, [`not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message}`]);
  }
  return validateRigConfig(raw, file);
}
