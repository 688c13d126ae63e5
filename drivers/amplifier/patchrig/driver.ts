import { Buffer } from 'node:buffer';
import type { ClampMode } from '../../../src/core/clamp.ts';
import { LineDecoder } from '../../transport/line-decoder.ts';
import type { ByteLink } from '../../transport/serial-link.ts';
import { LineDevice, type OpenDeviceOptions, openLink } from '../../control/line-device.ts';
import { identityQuery, parseCountValue } from '../../control/line-codec.ts';
import type {
  Amplifier,
  AmplifierChannelState,
  AmplifierEvents,
  AutoFunction,
  DeviceIdentity,
  RequestOptions,
  Telegraph,
} from '../amplifier.ts';
import {
  autoCommand,
  channelCountQuery,
  channelQuery,
  parseAmplifierEvent,
  parseAutoResult,
  parseBooleanValue,
  parseEmpty,
  parseIdentity,
  parseMode,
  parseNumberValue,
  parseState,
  parseTelegraph,
  setBooleanCommand,
  setModeCommand,
  setNumberCommand,
  setWholeCellCommand,
} from './codec.ts';

/** An AUTO function may take seconds on a real amplifier (the protocol says so). */
const AUTO_TIMEOUT_MS = 15_000;

type Listeners = { [E in keyof AmplifierEvents]: Set<AmplifierEvents[E]> };

/**
 * Driver of amplifiers speaking the patchrig amplifier protocol 1.x
 * (docs/protocols/patchrig-amplifier.md) over a serial port.
 */
export class PatchrigAmplifier extends LineDevice implements Amplifier {
  private readonly listeners: Listeners = { telegraph: new Set(), overload: new Set(), reset: new Set(), disconnect: new Set() };
  /** Event lines that did not parse; counted, reported through `problems`, never acted on. */
  readonly problems: string[] = [];

  /** Opens the port, resyncs the line and checks the protocol version. */
  static async open(opts: OpenDeviceOptions): Promise<PatchrigAmplifier> {
    const link = await openLink(opts);
    const amp = new PatchrigAmplifier(opts.name, link, opts.timeoutMs ?? 1000);
    try {
      // A blank line ends whatever partial line an earlier session left in the device.
      await link.write(Buffer.from('\n'));
      await amp.checkProtocol();
    } catch (e) {
      await amp.close();
      throw e;
    }
    return amp;
  }

  private constructor(name: string, link: ByteLink, timeoutMs: number) {
    const decoder = new LineDecoder({ maxLength: 256 });
    super(
      name,
      link,
      (line) => link.write(Buffer.from(line, 'latin1')),
      async () => {
        decoder.reset();
        if (link.isOpen) await link.flushInput();
      },
      timeoutMs,
    );
    link.onData((chunk) => {
      this.client.noteBytes(chunk);
      for (const line of decoder.push(chunk)) this.client.handleLine(line);
    });
    this.client.onEvent((name, args) => this.onDeviceEvent(name, args));
    this.client.onProblem((p) => this.problems.push(p));
  }

  private onDeviceEvent(name: string, args: readonly string[]): void {
    const ev = parseAmplifierEvent(name, args);
    if (!ev.ok) {
      this.problems.push(`event "${name} ${args.join(' ')}": ${ev.error}`);
      return;
    }
    const e = ev.value;
    if (e.kind === 'telegraph') for (const l of this.listeners.telegraph) l(e.telegraph);
    else if (e.kind === 'overload') for (const l of this.listeners.overload) l(e.channel, e.on);
    else for (const l of this.listeners.reset) l();
  }

  protected onDisconnect(err: Error): void {
    for (const l of this.listeners.disconnect) l(err);
  }

  on<E extends keyof AmplifierEvents>(event: E, listener: AmplifierEvents[E]): () => void {
    const set = this.listeners[event] as Set<AmplifierEvents[E]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  identify(opts?: RequestOptions): Promise<DeviceIdentity> {
    return this.ask(identityQuery(), parseIdentity, opts);
  }

  channelCount(opts?: RequestOptions): Promise<number> {
    return this.ask(channelCountQuery(), parseCountValue, opts);
  }

  setMode(ch: number, mode: ClampMode, opts?: RequestOptions): Promise<void> {
    return this.ask(setModeCommand(ch, mode), parseEmpty, opts);
  }

  getMode(ch: number, opts?: RequestOptions): Promise<ClampMode> {
    return this.ask(channelQuery('MODE?', ch), parseMode, opts);
  }

  setHolding(ch: number, value: number, opts?: RequestOptions): Promise<void> {
    return this.ask(setNumberCommand('HOLD', ch, value), parseEmpty, opts);
  }

  getHolding(ch: number, opts?: RequestOptions): Promise<number> {
    return this.ask(channelQuery('HOLD?', ch), parseNumberValue, opts);
  }

  setHoldingEnabled(ch: number, on: boolean, opts?: RequestOptions): Promise<void> {
    return this.ask(setBooleanCommand('HOLDEN', ch, on), parseEmpty, opts);
  }

  getHoldingEnabled(ch: number, opts?: RequestOptions): Promise<boolean> {
    return this.ask(channelQuery('HOLDEN?', ch), parseBooleanValue, opts);
  }

  setGain(ch: number, gain: number, opts?: RequestOptions): Promise<void> {
    return this.ask(setNumberCommand('GAIN', ch, gain), parseEmpty, opts);
  }

  getGain(ch: number, opts?: RequestOptions): Promise<number> {
    return this.ask(channelQuery('GAIN?', ch), parseNumberValue, opts);
  }

  setLowPass(ch: number, hz: number, opts?: RequestOptions): Promise<void> {
    return this.ask(setNumberCommand('LPF', ch, hz), parseEmpty, opts);
  }

  getLowPass(ch: number, opts?: RequestOptions): Promise<number> {
    return this.ask(channelQuery('LPF?', ch), parseNumberValue, opts);
  }

  setCommandSensitivity(ch: number, value: number, opts?: RequestOptions): Promise<void> {
    return this.ask(setNumberCommand('CMDSENS', ch, value), parseEmpty, opts);
  }

  getCommandSensitivity(ch: number, opts?: RequestOptions): Promise<number> {
    return this.ask(channelQuery('CMDSENS?', ch), parseNumberValue, opts);
  }

  async setBridgeBalance(ch: number, ohms: number, opts?: RequestOptions): Promise<void> {
    await this.ask(setNumberCommand('BRIDGE', ch, ohms), parseEmpty, opts);
  }

  async setBridgeEnabled(ch: number, on: boolean, opts?: RequestOptions): Promise<void> {
    await this.ask(setBooleanCommand('BRIDGEEN', ch, on), parseEmpty, opts);
  }

  async setNeutralization(ch: number, farads: number, opts?: RequestOptions): Promise<void> {
    await this.ask(setNumberCommand('NEUT', ch, farads), parseEmpty, opts);
  }

  async setFastCapacitance(ch: number, farads: number, opts?: RequestOptions): Promise<void> {
    await this.ask(setNumberCommand('CFAST', ch, farads), parseEmpty, opts);
  }

  async setSlowCapacitance(ch: number, farads: number, opts?: RequestOptions): Promise<void> {
    await this.ask(setNumberCommand('CSLOW', ch, farads), parseEmpty, opts);
  }

  async setSeriesCompensation(
    ch: number,
    comp: { enabled: boolean; percent: number; bandwidthHz: number; predictionPercent: number },
    opts?: RequestOptions,
  ): Promise<void> {
    // Settings first, enable last: the circuit never runs with half-updated values.
    await this.ask(setNumberCommand('RSCOMP', ch, comp.percent), parseEmpty, opts);
    await this.ask(setNumberCommand('RSBW', ch, comp.bandwidthHz), parseEmpty, opts);
    await this.ask(setNumberCommand('RSPRED', ch, comp.predictionPercent), parseEmpty, opts);
    await this.ask(setBooleanCommand('RSCOMPEN', ch, comp.enabled), parseEmpty, opts);
  }

  async setWholeCellCompensation(ch: number, comp: { enabled: boolean; farads: number; ohms: number }, opts?: RequestOptions): Promise<void> {
    await this.ask(setWholeCellCommand(ch, comp.farads, comp.ohms), parseEmpty, opts);
    await this.ask(setBooleanCommand('WCCOMPEN', ch, comp.enabled), parseEmpty, opts);
  }

  async setPipetteOffset(ch: number, volts: number, opts?: RequestOptions): Promise<void> {
    await this.ask(setNumberCommand('OFFSET', ch, volts), parseEmpty, opts);
  }

  auto(ch: number, fn: AutoFunction, opts?: RequestOptions): Promise<number[]> {
    return this.ask(autoCommand(ch, fn), (v) => parseAutoResult(fn, v), { timeoutMs: AUTO_TIMEOUT_MS, ...opts });
  }

  telegraph(ch: number, opts?: RequestOptions): Promise<Telegraph> {
    return this.ask(channelQuery('TEL?', ch), (v) => parseTelegraph(ch, v), opts);
  }

  state(ch: number, opts?: RequestOptions): Promise<AmplifierChannelState> {
    return this.ask(channelQuery('STATE?', ch), parseState, opts);
  }
}
