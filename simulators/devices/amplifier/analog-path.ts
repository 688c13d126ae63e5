import type { ClampMode } from '../../../src/core/clamp.ts';
import type { Preparation } from '../../physics/preparation.ts';
import type { Rng } from '../../physics/rng.ts';
import { BesselLowpass4 } from './bessel-filter.ts';
import {
  type CompensationSettings,
  CurrentClampCompensator,
  NO_COMPENSATION,
  VoltageClampCompensator,
  correctionActive,
} from './compensation.ts';

export type { CompensationSettings } from './compensation.ts';

/** The settings of one channel that shape its analog signals (SI). Plain data: it crosses to a worker thread. */
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
  /** Capacitance, whole-cell, Rs compensation and neutralisation (compensation.ts); absent: all off. */
  compensation?: CompensationSettings;
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
 * The amplifier's analog side for all channels: command input volts → the amplifier command
 * (sensitivity, holding, pipette offset) → the compensation circuits (compensation.ts) → the
 * preparation → the measured quantity with compensation currents removed, bridge balance, offset,
 * noise, output scaling, 4-pole Bessel filter and rail saturation.
 *
 * A block is computed in one call to the preparation unless a feedback circuit is on (Rs correction
 * in VC, neutralisation in IC): then the preparation advances sample by sample, since each sample's
 * pipette command depends on the previous samples' measurements. With all compensation off the
 * samples are those of the plain path.
 */
export class AmplifierAnalogPath {
  /** Per channel: the amplifier's command (V in VC, A in IC) and what reaches the pipette. */
  private readonly command: Float64Array[] = [];
  private readonly applied: Float64Array[] = [];
  private readonly measured: Float64Array[] = [];
  /** Per channel: capacitance and whole-cell compensation currents of each sample (VC). */
  private readonly capI: Float64Array[] = [];
  private readonly wcI: Float64Array[] = [];
  /** One-sample views for the sample-by-sample path. */
  private readonly applied1: Float64Array[];
  private readonly measured1: Float64Array[];
  private readonly modes: ClampMode[];
  private readonly filters: (BesselLowpass4 | undefined)[];
  private readonly vcComp: VoltageClampCompensator[];
  private readonly icComp: CurrentClampCompensator[];
  private readonly overloaded: boolean[];
  private capacity = 0;

  constructor(
    private readonly prep: Preparation,
    private readonly settings: (channel: number) => ChannelAnalogSettings,
    private readonly rng: Rng,
    private readonly noise: AnalogNoise = DEFAULT_NOISE,
    /** Told when a channel's output starts or stops saturating. */
    private readonly onOverload: (channel: number, on: boolean) => void = () => {},
  ) {
    const nch = prep.channelCount;
    this.modes = Array.from({ length: nch }, () => 'VC' as ClampMode);
    this.filters = Array.from({ length: nch }, () => undefined);
    this.overloaded = new Array<boolean>(nch).fill(false);
    this.vcComp = Array.from({ length: nch }, () => new VoltageClampCompensator());
    this.icComp = Array.from({ length: nch }, () => new CurrentClampCompensator());
    this.applied1 = Array.from({ length: nch }, () => new Float64Array(1));
    this.measured1 = Array.from({ length: nch }, () => new Float64Array(1));
  }

  get channelCount(): number {
    return this.prep.channelCount;
  }

  /** The settings a channel has now (what a worker-thread twin of this path is given per block). */
  channelSettings(channel: number): ChannelAnalogSettings {
    return this.settings(channel);
  }

  /** Records a channel's saturation, telling the owner when it changes (a worker-thread twin found it). */
  reportOverload(channel: number, on: boolean): void {
    if (on === this.overloaded[channel]) return;
    this.overloaded[channel] = on;
    this.onOverload(channel, on);
  }

  /**
   * Advances `n` samples of `dt`. `commandIn[ch]` holds the volts at channel ch's command input
   * (undefined: nothing connected, 0 V); `out[ch]` receives the primary output volts.
   */
  run(commandIn: readonly (Float64Array | undefined)[], out: Float64Array[], n: number, dt: number): void {
    this.ensureCapacity(n);
    const nch = this.prep.channelCount;
    const settings = Array.from({ length: nch }, (_, ch) => this.settings(ch));
    let feedback = false;
    for (let ch = 0; ch < nch; ch++) {
      const s = settings[ch] as ChannelAnalogSettings;
      if (s.mode !== this.modes[ch]) {
        (this.vcComp[ch] as VoltageClampCompensator).reset();
        (this.icComp[ch] as CurrentClampCompensator).reset();
      }
      this.modes[ch] = s.mode;
      this.fillCommand(ch, s, commandIn[ch], n);
      const c = s.compensation ?? NO_COMPENSATION;
      if ((s.mode === 'VC' && correctionActive(c)) || (s.mode === 'IC' && c.neutralisation > 0)) feedback = true;
    }
    if (feedback) this.sampleBySample(settings, n, dt);
    else this.wholeBlock(settings, n, dt);
    this.output(settings, out, n, dt);
  }

  private fillCommand(ch: number, s: ChannelAnalogSettings, input: Float64Array | undefined, n: number): void {
    const cmd = this.command[ch] as Float64Array;
    if (s.mode === 'I=0') {
      cmd.fill(0, 0, n);
      return;
    }
    // VC: adding the offset makes the potential across the tip equal the command once OFFSET nulls it.
    const base = (s.holdingEnabled ? s.holding : 0) + (s.mode === 'VC' ? s.pipetteOffset : 0);
    const sens = s.commandSensitivity;
    if (input) for (let i = 0; i < n; i++) cmd[i] = (input[i] as number) * sens + base;
    else cmd.fill(base, 0, n);
  }

  /** No feedback: commands for the whole block, one call to the preparation, then the compensation currents. */
  private wholeBlock(settings: readonly ChannelAnalogSettings[], n: number, dt: number): void {
    const nch = this.prep.channelCount;
    for (let ch = 0; ch < nch; ch++) {
      const s = settings[ch] as ChannelAnalogSettings;
      const cmd = this.command[ch] as Float64Array;
      const ap = this.applied[ch] as Float64Array;
      if (s.mode !== 'VC' || s.compensation === undefined) {
        ap.set(cmd.subarray(0, n));
        continue;
      }
      const vc = this.vcComp[ch] as VoltageClampCompensator;
      const cap = this.capI[ch] as Float64Array;
      const wc = this.wcI[ch] as Float64Array;
      for (let i = 0; i < n; i++) ap[i] = vc.command(cmd[i] as number, s.compensation, dt, cap, wc, i);
    }
    this.prep.advance(this.modes, this.applied, this.measured, n, dt);
    for (let ch = 0; ch < nch; ch++) {
      const s = settings[ch] as ChannelAnalogSettings;
      if (s.mode !== 'VC' || s.compensation === undefined) continue;
      const vc = this.vcComp[ch] as VoltageClampCompensator;
      const m = this.measured[ch] as Float64Array;
      const cap = this.capI[ch] as Float64Array;
      const wc = this.wcI[ch] as Float64Array;
      for (let i = 0; i < n; i++) m[i] = vc.measure(m[i] as number, s.compensation, dt, cap, wc, i);
    }
  }

  /** Feedback on: the preparation advances one sample at a time, each command using the measurements before it. */
  private sampleBySample(settings: readonly ChannelAnalogSettings[], n: number, dt: number): void {
    const nch = this.prep.channelCount;
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < nch; ch++) {
        const s = settings[ch] as ChannelAnalogSettings;
        const c = s.compensation ?? NO_COMPENSATION;
        const x = (this.command[ch] as Float64Array)[i] as number;
        let a = x;
        if (s.mode === 'VC') a = (this.vcComp[ch] as VoltageClampCompensator).command(x, c, dt, this.capI[ch] as Float64Array, this.wcI[ch] as Float64Array, i);
        else if (s.mode === 'IC') a = (this.icComp[ch] as CurrentClampCompensator).inject(x, c, dt);
        (this.applied[ch] as Float64Array)[i] = a;
        (this.applied1[ch] as Float64Array)[0] = a;
      }
      this.prep.advance(this.modes, this.applied1, this.measured1, 1, dt);
      for (let ch = 0; ch < nch; ch++) {
        const s = settings[ch] as ChannelAnalogSettings;
        const c = s.compensation ?? NO_COMPENSATION;
        let m = (this.measured1[ch] as Float64Array)[0] as number;
        if (s.mode === 'VC') m = (this.vcComp[ch] as VoltageClampCompensator).measure(m, c, dt, this.capI[ch] as Float64Array, this.wcI[ch] as Float64Array, i);
        else (this.icComp[ch] as CurrentClampCompensator).measure(m);
        (this.measured[ch] as Float64Array)[i] = m;
      }
    }
  }

  /** Bridge balance, offset, noise, output scale, Bessel filter, rail saturation. */
  private output(settings: readonly ChannelAnalogSettings[], out: Float64Array[], n: number, dt: number): void {
    const rate = 1 / dt;
    const nch = this.prep.channelCount;
    for (let ch = 0; ch < nch; ch++) {
      const s = settings[ch] as ChannelAnalogSettings;
      const m = this.measured[ch] as Float64Array;
      const cmd = this.command[ch] as Float64Array;
      const dst = out[ch];
      if (!dst) continue;
      const vc = s.mode === 'VC';
      const sigma = vc ? this.noise.currentRms : this.noise.voltageRms;
      // The bridge subtracts I·R_bridge of the commanded current (not of the neutralisation current).
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
      this.reportOverload(ch, saturated);
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
    for (const a of [this.command, this.applied, this.measured, this.capI, this.wcI]) {
      a.length = 0;
      for (let ch = 0; ch < nch; ch++) a.push(new Float64Array(this.capacity));
    }
  }
}
