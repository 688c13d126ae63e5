import type { DeviceIdentity, RequestOptions } from '../amplifier/amplifier.ts';

export interface DigitizerCapabilities {
  aiChannels: number;
  aoChannels: number;
  maxRateHz: number;
  /** Symmetric input/output range, volts (e.g. [-10, 10]). */
  range: [number, number];
  bits: number;
  /** Scans the AO buffer holds ahead of the output (0 = the device did not say). */
  aoFifoScans: number;
}

/** One hardware-timed acquisition: every AO waveform plays and every AI is sampled on one clock. */
export interface AcquisitionConfig {
  rateHz: number;
  /** Number of scans (samples per channel). */
  scans: number;
  /** 0-based AO channel → waveform in volts, `scans` long. */
  outputs: { channel: number; volts: Float32Array }[];
  /** 0-based AI channels to sample, in scan order. */
  inputs: number[];
  trigger?: 'SW' | 'EXT';
}

/** A block of AI samples, in volts, one array per configured input (in `inputs` order). */
export interface AiBlock {
  /** Index of the block's first scan, counted from START. */
  firstScan: number;
  scans: number;
  channels: Float32Array[];
}

export type DigitizerState = 'idle' | 'armed' | 'running' | 'done' | 'error';

export interface DigitizerStatus {
  state: DigitizerState;
  aiOverrun: boolean;
  aoUnderrun: boolean;
  overload: boolean;
  /** Scans done since START. */
  scan: number;
}

/**
 * A running acquisition. `blocks` yields every AI block in order and ends after the last scan;
 * it throws (a typed device error) on overrun, underrun, lost data or a lost device.
 */
export interface Acquisition {
  readonly config: AcquisitionConfig;
  blocks(): AsyncIterable<AiBlock>;
  stop(opts?: RequestOptions): Promise<void>;
}

export interface Digitizer {
  readonly name: string;
  identify(opts?: RequestOptions): Promise<DeviceIdentity>;
  capabilities(opts?: RequestOptions): Promise<DigitizerCapabilities>;
  /** Output level of an AO channel between acquisitions, volts. */
  setIdleOutput(channel: number, volts: number, opts?: RequestOptions): Promise<void>;
  getIdleOutput(channel: number, opts?: RequestOptions): Promise<number>;
  /** Uploads the waveforms and arms; `start` then runs it. */
  configure(config: AcquisitionConfig, opts?: RequestOptions): Promise<void>;
  start(opts?: RequestOptions): Promise<Acquisition>;
  status(opts?: RequestOptions): Promise<DigitizerStatus>;
  close(): Promise<void>;
}
