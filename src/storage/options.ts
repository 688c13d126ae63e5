import { NwbError } from './errors.ts';
import { type DeviceInfo, type ExperimentMetadata, type HeadstageInfo, type NwbWriterSetup, validateWriterSetup } from './metadata.ts';

/** What a writer is created with (thread-independent part of NwbWriterOptions). */
export interface WriterSetupOptions {
  metadata: ExperimentMetadata;
  devices: DeviceInfo[];
  headstages: HeadstageInfo[];
  /** gzip the series data: true = level 1 (costly either way, nwb.md §7), or a level 1–9. */
  gzip?: boolean | number;
}

/** Checks metadata, devices, headstages and gzip level; throws NwbError NWB_BAD_OPTIONS. */
export function checkOptions(options: WriterSetupOptions): { setup: NwbWriterSetup; gzip?: number } {
  const setup = validateWriterSetup({ metadata: options.metadata, devices: options.devices, headstages: options.headstages });
  const gzip = gzipLevel(options.gzip);
  return gzip === undefined ? { setup } : { setup, gzip };
}

function gzipLevel(g: boolean | number | undefined): number | undefined {
  if (g === undefined || g === false) return undefined;
  if (g === true) return 1;
  if (!Number.isInteger(g) || g < 1 || g > 9) throw new NwbError('NWB_BAD_OPTIONS', `gzip level ${g} must be an integer 1–9 (or true/false)`);
  return g;
}
