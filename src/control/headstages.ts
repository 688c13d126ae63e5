import type { ClampMode } from '../core/clamp.ts';
import type { Rig } from '../rig/open-rig.ts';
import { SafetyLimitError, checkCommandLevel } from '../rig/safety.ts';
import type { Amplifier, AutoFunction } from '../../drivers/amplifier/amplifier.ts';
import { isDeviceError } from '../../drivers/transport/errors.ts';
import type { AutoFunctionName, AutoResult, HeadstagePatch, HeadstageState } from '../server/console-api.ts';
import { ControlError } from './errors.ts';
import { headstageStateOf } from './headstage-state.ts';

const AUTO: Record<AutoFunctionName, AutoFunction> = {
  'pipette-offset': 'OFFSET',
  'fast-cap': 'CFAST',
  'slow-cap': 'CSLOW',
  'bridge-balance': 'BRIDGE',
  'whole-cell': 'WC',
};

export interface HeadstageControlOptions {
  rig: Rig;
  /** True while an experiment acquires a sweep: settings are refused then (they would change it mid-sweep). */
  acquiring: () => boolean;
  /** A holding for an experiment that holds the rig: it applies it (and keeps it for its sweeps). */
  experimentHolding?: (headstage: number, mode: 'VC' | 'IC', value: number) => boolean;
  /** Applies a holding to the idle output now (when no experiment holds the rig). */
  applyHolding?: (headstage: number, mode: 'VC' | 'IC', value: number) => Promise<void>;
  /** Every change, with the new state. */
  onChange?: (s: HeadstageState) => void;
  /** A mode change is about to reach the device / has reached it (the test pulse restarts around it). */
  aroundModeChange?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/**
 * The amplifier panel of every headstage: reads each one's state, applies partial changes
 * (checked against the safety limits before anything is sent) and runs auto functions. Holding
 * levels and labels are the service's own (holding goes through the command output); the mode is
 * cached so the test pulse need not query the amplifier every cycle.
 */
export class HeadstageControl {
  private readonly holding: { vc: number; ic: number }[];
  private readonly labels: (string | undefined)[];
  private readonly modes: ClampMode[];
  /** Bridge balance in force per headstage, Ω (0 when off), for the IC test-pulse fit. */
  private readonly bridge: number[] = [];

  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly opts: HeadstageControlOptions) {
    const n = opts.rig.headstages.length;
    this.holding = Array.from({ length: n }, () => ({ vc: 0, ic: 0 }));
    this.labels = opts.rig.headstages.map((h) => h.label);
    this.modes = Array.from({ length: n }, () => 'VC');
    // Experiments and the front panel change modes too: the telegraph keeps the cache true.
    for (const [name, amp] of opts.rig.amplifiers) {
      this.unsubscribe.push(
        amp.on('telegraph', (t) => {
          opts.rig.headstages.forEach((h, k) => {
            if (h.amplifier === name && h.channel === t.channel) this.modes[k] = t.mode;
          });
        }),
      );
    }
  }

  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  get count(): number {
    return this.opts.rig.headstages.length;
  }

  /** Reads every amplifier's mode once (at start), so the cache matches the devices. */
  async init(): Promise<void> {
    for (let k = 0; k < this.count; k++) this.modes[k] = (await this.state(k)).mode;
  }

  /** Cached modes, for the test pulse. */
  modeList(): { headstage: number; mode: ClampMode }[] {
    return this.modes.map((mode, headstage) => ({ headstage, mode }));
  }

  holdingOf(headstage: number, mode: ClampMode): number | undefined {
    const h = this.holding[headstage];
    if (!h || mode === 'I=0') return undefined;
    return mode === 'VC' ? h.vc : h.ic;
  }

  /** Bridge balance in force (Ω), from the last read state. */
  bridgeOf(headstage: number): number {
    return this.bridge[headstage] ?? 0;
  }

  async list(): Promise<HeadstageState[]> {
    const out: HeadstageState[] = [];
    for (let k = 0; k < this.count; k++) out.push(await this.state(k));
    return out;
  }

  async state(headstage: number): Promise<HeadstageState> {
    const { amp, config } = this.need(headstage);
    const s = headstageStateOf(headstage, { amplifier: config.amplifier, channel: config.channel }, await amp.state(config.channel), {
      holding: this.holding[headstage] as { vc: number; ic: number },
      label: this.labels[headstage],
    });
    this.modes[headstage] = s.mode;
    this.bridge[headstage] = s.bridgeBalance.enabled ? s.bridgeBalance.resistance : 0;
    return s;
  }

  /** Applies a partial change; refuses it whole, before any device is touched, when a part is refused. */
  async patch(headstage: number, p: HeadstagePatch): Promise<HeadstageState> {
    const { amp, config } = this.need(headstage);
    const limits = this.opts.rig.safety;
    try {
      if (p.holding?.vc !== undefined) checkCommandLevel(limits, 'VC', p.holding.vc, `holding.vc of headstage ${headstage}`);
      if (p.holding?.ic !== undefined) checkCommandLevel(limits, 'IC', p.holding.ic, `holding.ic of headstage ${headstage}`);
    } catch (e) {
      if (e instanceof SafetyLimitError) throw new ControlError('SAFETY_LIMIT', `${e.message}; nothing was changed`);
      throw e;
    }
    const settings = Object.keys(p).filter((k) => k !== 'label' && k !== 'viaIZero');
    if (settings.length > 0 && this.opts.acquiring()) {
      throw new ControlError('ACQUIRING', `headstage ${headstage}: a sweep is being acquired; change settings between sweeps (pause the experiment, or retry when it rests)`);
    }
    const ch = config.channel;
    try {
      if (p.label !== undefined) this.labels[headstage] = p.label;
      if (p.holding) await this.setHolding(headstage, p.holding);
      if (p.mode !== undefined) await this.setMode(amp, headstage, ch, p.mode, p.viaIZero ?? true);
      if (p.primaryGain !== undefined) await amp.setGain(ch, p.primaryGain);
      if (p.lpf !== undefined) await amp.setLowPass(ch, p.lpf);
      if (p.bridgeBalance?.resistance !== undefined) await amp.setBridgeBalance(ch, p.bridgeBalance.resistance);
      if (p.bridgeBalance?.enabled !== undefined) await amp.setBridgeEnabled(ch, p.bridgeBalance.enabled);
      if (p.capNeutralization !== undefined) await amp.setNeutralization(ch, p.capNeutralization);
      if (p.fastCap !== undefined) await amp.setFastCapacitance(ch, p.fastCap);
      if (p.slowCap !== undefined) await amp.setSlowCapacitance(ch, p.slowCap);
      if (p.pipetteOffset !== undefined) await amp.setPipetteOffset(ch, p.pipetteOffset);
      if (p.rsCompensation || p.wholeCell) {
        // The device takes each compensation whole: fill the unspecified parts from its state.
        const now = await this.state(headstage);
        if (p.rsCompensation) {
          const r = { ...now.rsCompensation, ...p.rsCompensation };
          await amp.setSeriesCompensation(ch, { enabled: r.enabled, percent: r.correctionPercent, predictionPercent: r.predictionPercent, bandwidthHz: r.bandwidth });
        }
        if (p.wholeCell) {
          const w = { ...now.wholeCell, ...p.wholeCell };
          await amp.setWholeCellCompensation(ch, { enabled: w.enabled, farads: w.capacitance, ohms: w.resistance });
        }
      }
    } catch (e) {
      throw this.deviceRefusal(headstage, e);
    } finally {
      // Whatever was applied is published, also when a later part was refused.
      await this.publish(headstage);
    }
    return this.state(headstage);
  }

  async auto(headstage: number, fn: AutoFunctionName): Promise<AutoResult> {
    const { amp, config } = this.need(headstage);
    if (this.opts.acquiring()) throw new ControlError('ACQUIRING', `headstage ${headstage}: a sweep is being acquired; run ${fn} between sweeps`);
    let values: number[];
    try {
      values = await amp.auto(config.channel, AUTO[fn]);
    } catch (e) {
      throw this.deviceRefusal(headstage, e);
    }
    const state = await this.publish(headstage);
    return { function: fn, values, state };
  }

  private async setHolding(headstage: number, h: { vc?: number; ic?: number }): Promise<void> {
    const kept = this.holding[headstage] as { vc: number; ic: number };
    for (const mode of ['VC', 'IC'] as const) {
      const v = mode === 'VC' ? h.vc : h.ic;
      if (v === undefined) continue;
      if (mode === 'VC') kept.vc = v;
      else kept.ic = v;
      // An experiment that records this headstage keeps its own holding: give it the new one.
      if (this.opts.experimentHolding?.(headstage, mode, v)) continue;
      await this.opts.applyHolding?.(headstage, mode, v);
    }
  }

  private async setMode(amp: Amplifier, headstage: number, ch: number, mode: ClampMode, viaIZero: boolean): Promise<void> {
    const run = async () => {
      const from = this.modes[headstage];
      // VC↔IC through I=0 so the cell never sees the other mode's command for an instant.
      if (viaIZero && from !== mode && from !== 'I=0' && mode !== 'I=0') await amp.setMode(ch, 'I=0');
      await amp.setMode(ch, mode);
      this.modes[headstage] = mode;
      const h = this.holdingOf(headstage, mode);
      if (h !== undefined && (mode === 'VC' || mode === 'IC')) await this.opts.applyHolding?.(headstage, mode, h);
    };
    await (this.opts.aroundModeChange ? this.opts.aroundModeChange(run) : run());
  }

  private async publish(headstage: number): Promise<HeadstageState> {
    const s = await this.state(headstage);
    this.opts.onChange?.(s);
    return s;
  }

  private need(headstage: number): { amp: Amplifier; config: Rig['headstages'][number] } {
    const config = this.opts.rig.headstages[headstage];
    if (!config || !Number.isInteger(headstage)) {
      throw new ControlError('HEADSTAGE_NOT_FOUND', `headstage ${headstage} does not exist: the rig has ${this.count} (0–${this.count - 1})`);
    }
    const amp = this.opts.rig.amplifiers.get(config.amplifier);
    if (!amp) throw new Error(`headstage ${headstage}: amplifier ${config.amplifier} is not open`);
    return { amp, config };
  }

  private deviceRefusal(headstage: number, e: unknown): Error {
    if (e instanceof ControlError) return e;
    if (e instanceof SafetyLimitError) return new ControlError('SAFETY_LIMIT', e.message);
    if (isDeviceError(e)) return new ControlError('DEVICE_REFUSED', `headstage ${headstage}: the amplifier refused: ${e.message}`);
    return e as Error;
  }
}
