import type { Rig } from '../rig/open-rig.ts';

export interface DeviceRow {
  name: string;
  kind: string;
  port: string;
  vendor: string;
  model: string;
  serial: string;
  firmware: string;
  detail: string;
}

/** Identifies every device of an open rig: one row per device. */
export async function identifyDevices(rig: Rig): Promise<DeviceRow[]> {
  const rows: DeviceRow[] = [];
  for (const d of rig.devices) {
    const amp = rig.amplifiers.get(d.name);
    const daq = rig.digitizers.get(d.name);
    const dev = amp ?? daq;
    if (!dev) continue;
    const id = await dev.identify();
    let detail = '';
    if (amp) detail = `${await amp.channelCount()} channels`;
    if (daq) {
      const c = await daq.capabilities();
      detail = `${c.aiChannels} AI, ${c.aoChannels} AO, ≤ ${c.maxRateHz / 1000} kHz, ±${c.range[1]} V, ${c.bits} bit`;
    }
    rows.push({ name: d.name, kind: d.config.kind, port: d.path, ...id, detail });
  }
  return rows;
}

/** A plain-text table, columns padded to their widest cell. */
export function formatTable<T extends Record<K, string>, K extends string>(rows: readonly T[], columns: readonly K[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((s, i) => s.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line([...columns]), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n');
}
