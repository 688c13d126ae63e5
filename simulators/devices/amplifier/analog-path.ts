import type { ClampMode } from '../../../src/core/clamp.ts';
import type { Preparation } from '../../physics/preparation.ts';
import type { Rng } from '../../physics/rng.ts';
import { BesselLowpass4 } from './bessel-filter.ts';

/** The settings of one channel that shape its analog signals (SI). */
export interface ChannelAnalogSettings {
  mode: ClampMode;
  holding: number;
  holdingEnabled: boolean;
  /** External command sensitivity in the current mode (V/V in VC, A/V in IC). */
  commandSensitivity: number;
  /** Primary output volts per unit of measured quantity, gain included (V/A in VC, V/V in IC). */
  outputScale: number;
  lpfHz: number;
  bridgeOhms: number;
  bridgeEnabled: boolean;
  pipetteOffset: number;
}

export interface AnalogNoise {
  /** Current noise in voltage clamp before the output filter, A rms per sample. */
  currentRms: number;
  /** Voltage noise in current clamp before the output filter, V rms per sample. */
  voltageRms: number;
}

export const DEFAULT_NOISE: AnalogNoise = { currentRms: 3e-12, voltageRms: 30e-6 };

/** The output stage saturates at ±10 V, like the amplifiers it stands for. */
export const OUTPUT_RAIL_VOLTS = 10;

/**
 * The amplifier's analog side for all channels: command input volts → the command the pipette
 * gets (sensitivity, holding, pipette offset) → the preparation → the measured quantity with
 * bridge balance, offset, noise, output scaling, 4-pole Bessel filter and rail saturation.
 */
export class AmplifierAnalogPath {
  private readonly command: Float64Array[] = [];
  private readonly measured: Float64Array[] = [];
  private readonly modes: ClampMode[];
  private readonly filters: (BesselLowpass4 | undefined)[];
  private capacity = 0;

  constructor(
    private readonly prep: Preparation,
    private readonly settings: (channel: number) => ChannelAnalogSettings,
    private readonly rng: Rng,
    private readonly noise: AnalogNoise = DEFAULT_NOISE,
    /** Told when a channel's output starts or stops saturating. */
    private readonly onOverload: (channel: number, on: boolean) => void = () => {},
  ) {
    this.modes = Array.from({ length: prep.channelCount }, () => 'VC' as ClampMode);
    this.filters = Array.from({ length: prep.channelCount }, () => undefined);
    this.overloaded = new Array<boolean>(prep.channelCount).fill(false);
  }

  private readonly overloaded: boolean[];

  get channelCount(): number {
    return this.prep.channelCount;
  }

  /**
   * Advances `n` samples of `dt`. `commandIn[ch]` holds the volts at channel ch's command input
   * (undefined: nothing connected, 0 V); `out[ch]` receives the primary output volts.
   */
  run(commandIn: readonly (Float64Array | undefined)[], out: Float64Array[], n: number, dt: number): void {
    this.ensureCapacity(n);
    const nch = this.prep.channelCount;
    for (let ch = 0; ch < nch; ch++) {
      const s = this.settings(ch);
      this.modes[ch] = s.mode;
      const cmd = this.command[ch] as Float64Array;
      const input = commandIn[ch];
      if (s.mode === 'I=0') {
        cmd.fill(0, 0, n);
        continue;
      }
      // VC: adding the offset makes the potential across the tip equal the command once OFFSET nulls it.
      const base = (s.holdingEnabled ? s.holding : 0) + (s.mode === 'VC' ? s.pipetteOffset : 0);
      const sens = s.commandSensitivity;
      if (input) for (let i = 0; i < n; i++) cmd[i] = (input[i] as number) * sens + base;
      else cmd.fill(base, 0, n);
    }
    this.prep.advance(this.modes, this.command, this.measured, n, dt);
    const rate = 1 / dt;
    for (let ch = 0; ch < nch; ch++) {
      const s = this.settings(ch);
      const m = this.measured[ch] as Float64Array;
      const cmd = this.command[ch] as Float64Array;
      const dst = out[ch];
      if (!dst) continue;
      const vc = s.mode === 'VC';
      const sigma = vc ? this.noise.currentRms : this.noise.voltageRms;
      const bridge = !vc && s.mode === 'IC' && s.bridgeEnabled ? s.bridgeOhms : 0;
      const offset = vc ? 0 : s.pipetteOffset;
      for (let i = 0; i < n; i++) {
        dst[i] = (m[i] as number) - bridge * (cmd[i] as number) - offset + sigma * this.rng.normal();
      }
      this.filterFor(ch, s.lpfHz, rate, dst[0] as number).process(dst, n);
      let saturated = false;
      const scale = s.outputScale;
      for (let i = 0; i < n; i++) {
        let v = (dst[i] as number) * scale;
        if (v > OUTPUT_RAIL_VOLTS) {
          v = OUTPUT_RAIL_VOLTS;
          saturated = true;
        } else if (v < -OUTPUT_RAIL_VOLTS) {
          v = -OUTPUT_RAIL_VOLTS;
          saturated = true;
        }
        dst[i] = v;
      }
      if (saturated !== this.overloaded[ch]) {
        this.overloaded[ch] = saturated;
        this.onOverload(ch, saturated);
      }
    }
  }

  private filterFor(ch: number, hz: number, rate: number, first: number): BesselLowpass4 {
    let f = this.filters[ch];
    if (!f || f.cutoffHz !== hz || f.sampleRate !== rate) {
      f = new BesselLowpass4(hz, rate);
      f.reset(first);
      this.filters[ch] = f;
    }
    return f;
  }

  private ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    this.capacity = Math.max(n, this.capacity * 2);
    const nch = this.prep.channelCount;
    this.command.length = 0;
    this.measured.length = 0;
    for (let ch = 0; ch < nch; ch++) {
      this.command.push(new Float64Array(this.capacity));
      this.measured.push(new Float64Array(this.capacity));
    }
  }
}
