import type { Amplifier, Telegraph } from '../../drivers/amplifier/amplifier.ts';
import type { Acquisition, Digitizer } from '../../drivers/digitizer/digitizer.ts';
import { isDeviceError } from '../../drivers/transport/errors.ts';
import type { PlannedHeadstage, PlannedSweep } from '../../protocols/plan.ts';
import type { ClampMode } from '../core/clamp.ts';
import type { ChannelSettings, Epoch, ParamValue, Sweep, SweepChannel } from '../core/sweep.ts';
import type { Rig } from '../rig/open-rig.ts';
import type { HeadstageConfig } from '../rig/schema.ts';
import { checkCommandLevel } from '../rig/safety.ts';
import { checkWaveform, composeCommand } from './command.ts';

/** Samples of one block as they arrive, per planned headstage (plan order), in SI. */
export interface SweepBlock {
  sweep: number;
  firstScan: number;
  scans: number;
  /** Hz. */
  sampleRate: number;
  headstages: number[];
  responses: Float32Array[];
  /** The commands over the same scans (V in VC, A in IC), aligned with `headstages`. */
  commands: Float32Array[];
}

export interface RunSweepOptions {
  /** Aborts the sweep: the digitizer stops, commands return to holding, the partial sweep is kept. */
  signal?: AbortSignal;
  /** Holding the runner keeps per headstage (V in VC, A in IC); the plan's value otherwise, else 0. */
  holding?: (headstage: number, mode: ClampMode) => number | undefined;
  /** Calibrated stimulus scale per headstage; the plan's otherwise. */
  stimScale?: (headstage: number) => number | undefined;
  /** Called with every block as it arrives (live display); must not block. */
  onBlock?: (block: SweepBlock) => void;
  /** Sweep number to record (defaults to the planned index). */
  index?: number;
}

/** A sweep that could not complete because a device failed; `partial` holds what was acquired. */
export class SweepFailedError extends Error {
  readonly code = 'SWEEP_FAILED';
  constructor(
    message: string,
    readonly partial: Sweep,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SweepFailedError';
  }
}

interface Channel {
  plan: PlannedHeadstage;
  config: HeadstageConfig;
  amp: Amplifier;
  telegraph: Telegraph;
  settings: ChannelSettings;
  /** Holding we add through the command output (V in VC, A in IC). */
  daqHolding: number;
  /** Holding in force at the cell: ours plus the amplifier's own when it is enabled. */
  holding: number;
  stimScale: number;
  command: Float32Array;
  response: Float32Array;
  outputScale: number;
  commandSensitivity: number;
}

/**
 * Runs one planned sweep on a rig (DESIGN §3): sets each headstage's clamp mode, reads the
 * telegraphs, composes and checks the commands, scales them to DAC volts with the command
 * sensitivity, uploads, arms, starts, collects every block and scales the responses to SI with
 * the telegraphed gain — and returns the Sweep with its epochs and every setting in force.
 */
export class AcquisitionEngine {
  constructor(private readonly rig: Rig) {}

  private digitizer(): Digitizer {
    const daq = [...this.rig.digitizers.values()][0];
    if (!daq) throw new Error('the rig has no digitizer');
    return daq;
  }

  /**
   * Applies a holding level to a headstage now, between sweeps: checked against the safety limits,
   * then set as the digitizer's idle output through the telegraphed command sensitivity.
   */
  async applyHolding(headstage: number, mode: ClampMode, value: number, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const config = this.rig.headstages[headstage];
    if (!config) throw new RangeError(`headstage ${headstage} does not exist on this rig (0..${this.rig.headstages.length - 1})`);
    checkCommandLevel(this.rig.safety, mode, value, `holding of headstage ${headstage}`);
    const amp = this.rig.amplifiers.get(config.amplifier);
    if (!amp) throw new Error(`headstage ${headstage}: amplifier ${config.amplifier} is not open`);
    const t = await amp.telegraph(config.channel, opts);
    if (t.mode !== mode) return; // applies when the headstage is next in that mode (at its next sweep)
    const sens = config.scaling?.commandSensitivity ?? t.commandSensitivity;
    await this.digitizer().setIdleOutput(config.ao, sens > 0 ? value / sens : 0, opts);
  }

  async runSweep(planned: PlannedSweep, opts: RunSweepOptions = {}): Promise<Sweep> {
    const signal = opts.signal;
    signal?.throwIfAborted();
    const daq = this.digitizer();
    const channels: Channel[] = [];
    for (const plan of planned.headstages) channels.push(await this.prepareChannel(plan, planned, opts, signal));
    const epochs: Epoch[] = [...planned.epochs];
    for (const c of channels) {
      const composed = composeCommand(c.plan, planned.scans, planned.sampleRate, c.daqHolding, c.stimScale, this.rig.safety);
      c.command = composed.command;
      epochs.push(...c.plan.epochs, ...composed.epochs);
      // The amplifier's own holding (if on) adds to ours at the cell: the sum must pass too.
      const own = c.settings.device.HOLDEN === true && typeof c.settings.device.HOLD === 'number' ? c.settings.device.HOLD : 0;
      if (own !== 0) checkWaveform(c.command.map((v) => v + own), c.plan.mode, this.rig.safety, `headstage ${c.plan.headstage} command with the amplifier's holding`);
      c.holding = c.daqHolding + own;
    }
    const toVolts = (c: Channel, v: number) => (c.commandSensitivity > 0 ? v / c.commandSensitivity : 0);
    // Between and after sweeps the outputs hold each cell at its holding level.
    for (const c of channels) await daq.setIdleOutput(c.config.ao, toVolts(c, c.daqHolding), { signal });
    await daq.configure(
      {
        rateHz: planned.sampleRate,
        scans: planned.scans,
        outputs: channels.map((c) => ({ channel: c.config.ao, volts: c.command.map((v) => toVolts(c, v)) })),
        inputs: channels.map((c) => c.config.ai),
      },
      { signal },
    );
    const startTime = new Date().toISOString();
    const telegraphChanges: string[] = [];
    const unsubscribe = [...new Set(channels.map((c) => c.amp))].map((amp) =>
      amp.on('telegraph', (t) => {
        const hit = channels.find((c) => c.amp === amp && c.config.channel === t.channel);
        if (hit) telegraphChanges.push(`headstage ${hit.plan.headstage}`);
      }),
    );
    let received = 0;
    let failure: unknown;
    let aborted = false;
    let acq: Acquisition | undefined;
    const onAbort = () => {
      aborted = true;
      void acq?.stop().catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      acq = await daq.start({ signal });
      if (signal?.aborted) onAbort();
      for await (const block of acq.blocks()) {
        for (let k = 0; k < channels.length; k++) {
          const c = channels[k] as Channel;
          const src = block.channels[k] as Float32Array;
          const scale = 1 / c.outputScale;
          for (let i = 0; i < block.scans; i++) c.response[block.firstScan + i] = (src[i] as number) * scale;
        }
        received = block.firstScan + block.scans;
        opts.onBlock?.({
          sweep: opts.index ?? planned.index,
          firstScan: block.firstScan,
          scans: block.scans,
          sampleRate: planned.sampleRate,
          headstages: channels.map((c) => c.plan.headstage),
          responses: channels.map((c) => c.response.subarray(block.firstScan, block.firstScan + block.scans)),
          commands: channels.map((c) => c.command.subarray(block.firstScan, block.firstScan + block.scans)),
        });
      }
    } catch (e) {
      if (!(aborted && isDeviceError(e, 'ABORTED'))) failure = e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      for (const off of unsubscribe) off();
    }
    const sweep = this.assemble(planned, opts, channels, epochs, startTime, received, aborted || failure !== undefined, telegraphChanges);
    if (failure !== undefined) {
      throw new SweepFailedError(`sweep ${sweep.index} failed after ${received} of ${planned.scans} scans: ${(failure as Error).message}`, sweep, {
        cause: failure,
      });
    }
    return sweep;
  }

  private async prepareChannel(plan: PlannedHeadstage, planned: PlannedSweep, opts: RunSweepOptions, signal?: AbortSignal): Promise<Channel> {
    const config = this.rig.headstages[plan.headstage];
    if (!config) throw new RangeError(`sweep ${planned.index}: headstage ${plan.headstage} does not exist on this rig (0..${this.rig.headstages.length - 1})`);
    const amp = this.rig.amplifiers.get(config.amplifier);
    if (!amp) throw new Error(`headstage ${plan.headstage}: amplifier ${config.amplifier} is not open`);
    let telegraph = await amp.telegraph(config.channel, { signal });
    if (telegraph.mode !== plan.mode) {
      await amp.setMode(config.channel, plan.mode, { signal });
      telegraph = await amp.telegraph(config.channel, { signal });
    }
    const device = (await amp.state(config.channel, { signal })) as Record<string, ParamValue>;
    const outputScale = config.scaling?.outputScale ?? telegraph.scale;
    const commandSensitivity = plan.mode === 'I=0' ? 0 : (config.scaling?.commandSensitivity ?? telegraph.commandSensitivity);
    return {
      plan,
      config,
      amp,
      telegraph,
      settings: { mode: telegraph.mode, outputScale, commandSensitivity, lpfHz: telegraph.lpfHz, device },
      daqHolding: plan.mode === 'I=0' ? 0 : (opts.holding?.(plan.headstage, plan.mode) ?? plan.holding ?? 0),
      holding: 0,
      stimScale: opts.stimScale?.(plan.headstage) ?? plan.stimScale,
      command: new Float32Array(0),
      response: new Float32Array(planned.scans),
      outputScale,
      commandSensitivity,
    };
  }

  private assemble(
    planned: PlannedSweep,
    opts: RunSweepOptions,
    channels: Channel[],
    epochs: Epoch[],
    startTime: string,
    received: number,
    aborted: boolean,
    telegraphChanges: string[],
  ): Sweep {
    const n = aborted ? received : planned.scans;
    const sweepChannels: SweepChannel[] = channels.map((c) => ({
      headstage: c.plan.headstage,
      mode: c.plan.mode,
      command: n === c.command.length ? c.command : c.command.slice(0, n),
      response: n === c.response.length ? c.response : c.response.slice(0, n),
      holding: c.holding,
      stimScale: c.stimScale,
      settings: c.settings,
    }));
    const parameters: Record<string, ParamValue> = { ...planned.parameters };
    if (telegraphChanges.length > 0) parameters.telegraphChangedDuringSweep = [...new Set(telegraphChanges)].join(', ');
    const end = n / planned.sampleRate;
    return {
      index: opts.index ?? planned.index,
      protocol: planned.protocol,
      stimulusName: planned.stimulusName,
      startTime,
      sampleRate: planned.sampleRate,
      channels: sweepChannels,
      // An aborted sweep keeps the epochs that began before it stopped.
      epochs: aborted ? epochs.filter((e) => e.start < end) : epochs,
      parameters,
      aborted,
    };
  }
}
