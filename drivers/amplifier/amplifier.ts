import type { ClampMode } from '../../src/core/clamp.ts';

/** Identity of a device as it reports it (`*IDN?`). */
export interface DeviceIdentity {
  vendor: string;
  model: string;
  serial: string;
  firmware: string;
}

/**
 * What the amplifier telegraphs about one channel: everything needed to turn the primary output
 * voltage back into SI units and the command voltage into the quantity the cell receives.
 */
export interface Telegraph {
  /** 1-based amplifier channel, as on the front panel. */
  channel: number;
  mode: ClampMode;
  /** Primary output volts per unit of the measured quantity (V/A in VC, V/V in IC and I=0). */
  scale: number;
  /** Unit of `scale`. */
  scaleUnit: 'V/A' | 'V/V';
  /** Primary output low-pass cutoff, Hz. */
  lpfHz: number;
  /** External command sensitivity: V per V in VC, A per V in IC (0 in I=0). */
  commandSensitivity: number;
}

/** Every setting of one channel, read back for the per-sweep metadata. Keys are the device's own. */
export type AmplifierChannelState = Record<string, string | number | boolean>;

export type AutoFunction = 'OFFSET' | 'CFAST' | 'CSLOW' | 'BRIDGE' | 'WC';

export interface AmplifierEvents {
  /** A telegraphed value changed, by our command or on the device itself (front panel, auto). */
  telegraph: (t: Telegraph) => void;
  overload: (channel: number, on: boolean) => void;
  /** The device reset (power-up or `*RST`): every setting is back to its default. */
  reset: () => void;
  /** The link to the device dropped. */
  disconnect: (err: Error) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * A multichannel patch-clamp amplifier. Channels are 1-based. Values are SI (V, A, Ω, F, Hz);
 * holding is V in VC and A in IC. Every call resolves once the device acknowledged it.
 */
export interface Amplifier {
  readonly name: string;
  identify(opts?: RequestOptions): Promise<DeviceIdentity>;
  channelCount(opts?: RequestOptions): Promise<number>;

  setMode(ch: number, mode: ClampMode, opts?: RequestOptions): Promise<void>;
  getMode(ch: number, opts?: RequestOptions): Promise<ClampMode>;
  setHolding(ch: number, value: number, opts?: RequestOptions): Promise<void>;
  getHolding(ch: number, opts?: RequestOptions): Promise<number>;
  setHoldingEnabled(ch: number, on: boolean, opts?: RequestOptions): Promise<void>;
  getHoldingEnabled(ch: number, opts?: RequestOptions): Promise<boolean>;
  setGain(ch: number, gain: number, opts?: RequestOptions): Promise<void>;
  getGain(ch: number, opts?: RequestOptions): Promise<number>;
  setLowPass(ch: number, hz: number, opts?: RequestOptions): Promise<void>;
  getLowPass(ch: number, opts?: RequestOptions): Promise<number>;
  setCommandSensitivity(ch: number, value: number, opts?: RequestOptions): Promise<void>;
  getCommandSensitivity(ch: number, opts?: RequestOptions): Promise<number>;

  setBridgeBalance(ch: number, ohms: number, opts?: RequestOptions): Promise<void>;
  setBridgeEnabled(ch: number, on: boolean, opts?: RequestOptions): Promise<void>;
  setNeutralization(ch: number, farads: number, opts?: RequestOptions): Promise<void>;
  setFastCapacitance(ch: number, farads: number, opts?: RequestOptions): Promise<void>;
  setSlowCapacitance(ch: number, farads: number, opts?: RequestOptions): Promise<void>;
  setSeriesCompensation(
    ch: number,
    comp: { enabled: boolean; percent: number; bandwidthHz: number; predictionPercent: number },
    opts?: RequestOptions,
  ): Promise<void>;
  setWholeCellCompensation(
    ch: number,
    comp: { enabled: boolean; farads: number; ohms: number },
    opts?: RequestOptions,
  ): Promise<void>;
  setPipetteOffset(ch: number, volts: number, opts?: RequestOptions): Promise<void>;
  /** Runs an auto function; resolves when the device finishes, with the value(s) it chose. */
  auto(ch: number, fn: AutoFunction, opts?: RequestOptions): Promise<number[]>;

  telegraph(ch: number, opts?: RequestOptions): Promise<Telegraph>;
  state(ch: number, opts?: RequestOptions): Promise<AmplifierChannelState>;

  on<E extends keyof AmplifierEvents>(event: E, listener: AmplifierEvents[E]): () => void;
  close(): Promise<void>;
}
