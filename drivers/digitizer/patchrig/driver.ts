import { Buffer } from 'node:buffer';
import { DualModeReceiver } from '../../control/dual-mode-receiver.ts';
import { LineDevice, type OpenDeviceOptions, openLink } from '../../control/line-device.ts';
import { identityQuery, parseEmpty, parseNumberValue, pingCommand } from '../../control/line-codec.ts';
import { type BinaryFrame, FrameType, SeqTracker, encodeFrame, nextSeq } from '../../transport/binary-frame.ts';
import { DeviceError, isDeviceError } from '../../transport/errors.ts';
import type { ByteLink } from '../../transport/serial-link.ts';
import type { DeviceIdentity, RequestOptions } from '../../amplifier/amplifier.ts';
import type { Acquisition, AcquisitionConfig, Digitizer, DigitizerCapabilities, DigitizerStatus } from '../digitizer.ts';
import { StreamingAcquisition } from './acquisition.ts';
import {
  armCommand,
  capsQuery,
  decodeCtrlPayload,
  digitizerQuery,
  decodeSamplesPayload,
  decodeStatusPayload,
  encodeCtrlPayload,
  encodeSamplesPayload,
  framedCommand,
  idleOutputCommand,
  inputsCommand,
  interleaveToCounts,
  maxScansPerPayload,
  outputsCommand,
  parseCaps,
  parseDigitizerEvent,
  parseIdentity,
  parseStat,
  rateCommand,
  startCommand,
  statQuery,
  stopCommand,
} from './codec.ts';

/** How long a device gets to answer `FRAMED 1` as a line before we try it as already framed. */
const FRAMED_PROBE_MS = 250;
/** Default stall timeout: a running acquisition sends a block every ≈ 10 ms (docs/protocols/patchrig-digitizer.md). */
export const DEFAULT_STALL_MS = 2000;

export interface OpenDigitizerOptions extends OpenDeviceOptions {
  /** No AI block for this long while acquiring fails the acquisition with TIMEOUT, ms. */
  stallTimeoutMs?: number;
}

/**
 * Driver of digitizers speaking the patchrig digitizer protocol 1.x
 * (docs/protocols/patchrig-digitizer.md) in single-port framed mode: control lines in CTRL frames,
 * AO_CHUNK frames out, AI_BLOCK and STATUS frames in, all on one serial port.
 */
export class PatchrigDigitizer extends LineDevice implements Digitizer {
  private readonly receiver: DualModeReceiver;
  private txSeq = 0;
  private readonly rxSeq = new SeqTracker();
  private expectFramedReply = false;
  private caps: DigitizerCapabilities | undefined;
  private configured: { config: AcquisitionConfig; uploaded: number } | undefined;
  private current: StreamingAcquisition | undefined;
  /** Last STATUS frame received. */
  lastStatus: DigitizerStatus | undefined;
  /** Lines, events and frames that could not be used; counted, never acted on. */
  readonly problems: string[] = [];
  private readonly disconnectListeners = new Set<(err: Error) => void>();

  static async open(opts: OpenDigitizerOptions): Promise<PatchrigDigitizer> {
    const link = await openLink(opts);
    const daq = new PatchrigDigitizer(opts.name, link, opts.timeoutMs ?? 1000, opts.stallTimeoutMs ?? DEFAULT_STALL_MS);
    try {
      await daq.enterFramedMode();
      await daq.checkProtocol();
      daq.caps = await daq.capabilities();
    } catch (e) {
      await daq.close();
      throw e;
    }
    return daq;
  }

  private constructor(
    name: string,
    link: ByteLink,
    timeoutMs: number,
    private readonly stallTimeoutMs: number,
  ) {
    // The resync callback goes to the base class before `this` exists; it reaches the receiver through this box.
    const box: { receiver?: DualModeReceiver } = {};
    super(
      name,
      link,
      (line) => this.writeLine(line),
      async () => {
        box.receiver?.reset();
        this.rxSeq.reset();
        if (link.isOpen) await link.flushInput();
      },
      timeoutMs,
    );
    this.receiver = new DualModeReceiver(
      (line) => this.client.handleLine(line),
      (frame) => this.onFrame(frame),
      (line) => {
        const now = this.expectFramedReply && /^\d+ OK\b/.test(line);
        if (now) this.expectFramedReply = false;
        return now;
      },
    );
    box.receiver = this.receiver;
    link.onData((chunk) => {
      this.client.noteBytes(chunk);
      this.receiver.push(chunk);
    });
    this.client.onEvent((ev, args) => this.onDeviceEvent(ev, args));
    this.client.onProblem((p) => this.problems.push(p));
  }

  private async writeLine(line: string): Promise<void> {
    if (!this.receiver.isFramed) {
      await this.link.write(Buffer.from(line, 'latin1'));
      return;
    }
    await this.writeFrame(FrameType.CTRL, encodeCtrlPayload(line.replace(/\n$/, '')));
  }

  private async writeFrame(type: number, payload: Uint8Array): Promise<void> {
    const frame = encodeFrame(type, this.txSeq, payload);
    this.txSeq = nextSeq(this.txSeq);
    await this.link.write(frame);
  }

  /** Puts the device in framed mode, whatever mode an earlier session left it in. */
  private async enterFramedMode(): Promise<void> {
    await this.link.write(Buffer.from('\n'));
    this.expectFramedReply = true;
    try {
      await this.client.call(framedCommand(true), { timeoutMs: FRAMED_PROBE_MS });
      return;
    } catch (e) {
      this.expectFramedReply = false;
      if (!isDeviceError(e, 'TIMEOUT')) throw e;
    }
    // No line reply: the device may already be framed, where it ignores plain lines.
    this.receiver.setFramed(true);
    await this.client.call(pingCommand());
  }

  private onFrame(f: BinaryFrame): void {
    const gap = this.rxSeq.check(f.seq);
    if (gap) {
      const msg = `frame seq ${gap.received} after ${(gap.expected + 0xffff) & 0xffff}: ${gap.missing} frame(s) lost`;
      this.problems.push(msg);
      this.current?.fail('DATA_LOST', msg);
    }
    if (f.type === FrameType.CTRL) {
      const line = decodeCtrlPayload(f.payload);
      if (line.ok) this.client.handleLine(line.value);
      else this.problems.push(`bad CTRL frame: ${line.error}`);
    } else if (f.type === FrameType.AI_BLOCK) {
      const d = decodeSamplesPayload(f.payload);
      if (!d.ok) this.current?.fail('PROTOCOL', `bad AI block: ${d.error}`);
      else if (this.current) this.current.onBlock(d.value);
      else this.problems.push(`AI block at scan ${d.value.firstScan} with no acquisition running`);
    } else if (f.type === FrameType.STATUS) {
      const s = decodeStatusPayload(f.payload);
      if (!s.ok) {
        this.problems.push(`bad STATUS frame: ${s.error}`);
        return;
      }
      this.lastStatus = s.value;
      this.current?.onStatus(s.value);
    } else {
      this.problems.push(`unexpected frame type 0x${f.type.toString(16)}`);
    }
  }

  private onDeviceEvent(name: string, args: readonly string[]): void {
    const ev = parseDigitizerEvent(name, args);
    if (!ev.ok) {
      this.problems.push(`event "${name} ${args.join(' ')}": ${ev.error}`);
      return;
    }
    if (ev.value.kind === 'error') this.current?.onDeviceError(ev.value.code, ev.value.message);
    else if (ev.value.kind === 'reset') this.current?.fail('DEVICE', 'the device reset during the acquisition');
  }

  protected onDisconnect(err: Error): void {
    this.current?.fail('DISCONNECTED', `port lost: ${err.message}`, err);
    for (const l of this.disconnectListeners) l(err);
  }

  onDisconnected(listener: (err: Error) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  identify(opts?: RequestOptions): Promise<DeviceIdentity> {
    return this.ask(identityQuery(), parseIdentity, opts);
  }

  capabilities(opts?: RequestOptions): Promise<DigitizerCapabilities> {
    return this.ask(capsQuery(), parseCaps, opts);
  }

  setIdleOutput(channel: number, volts: number, opts?: RequestOptions): Promise<void> {
    return this.ask(idleOutputCommand(channel, volts), parseEmpty, opts);
  }

  getIdleOutput(channel: number, opts?: RequestOptions): Promise<number> {
    return this.ask(digitizerQuery('AOIDLE?', channel), parseNumberValue, opts);
  }

  status(opts?: RequestOptions): Promise<DigitizerStatus> {
    return this.ask(statQuery(), parseStat, opts);
  }

  async configure(config: AcquisitionConfig, opts?: RequestOptions): Promise<void> {
    if (this.current && !this.current.isOver) throw this.error('PROTOCOL', 'an acquisition is still running', 'configure');
    const caps = this.caps ?? (this.caps = await this.capabilities(opts));
    this.validate(config, caps);
    const range = caps.range[1];
    // Back to IDLE from whatever an earlier sweep left (DONE, ERROR): ARM is refused elsewhere.
    await this.send(stopCommand(), opts);
    await this.send(rateCommand(config.rateHz), opts);
    await this.send(inputsCommand(config.inputs), opts);
    await this.send(outputsCommand(config.outputs.map((o) => o.channel)), opts);
    const first = Math.min(config.scans, caps.aoFifoScans);
    const waves = config.outputs.map((o) => o.volts);
    if (waves.length > 0) {
      const per = maxScansPerPayload(waves.length);
      for (let at = 0; at < first; at += per) {
        opts?.signal?.throwIfAborted();
        const n = Math.min(per, first - at);
        await this.writeFrame(FrameType.AO_CHUNK, encodeSamplesPayload({ firstScan: at, nChannels: waves.length, nScans: n, samples: interleaveToCounts(waves, at, n, range) }));
      }
    }
    await this.send(armCommand(config.scans, config.trigger ?? 'SW'), opts);
    this.configured = { config, uploaded: waves.length > 0 ? first : config.scans };
  }

  async start(opts?: RequestOptions): Promise<Acquisition> {
    const armed = this.configured;
    if (!armed) throw this.error('PROTOCOL', 'configure() must come before start()', 'START');
    const caps = this.caps as DigitizerCapabilities;
    this.configured = undefined;
    const acq = new StreamingAcquisition(armed.config, {
      device: this.name,
      port: this.path,
      rangeVolts: caps.range[1],
      aoFifoScans: caps.aoFifoScans,
      sendAoChunk: (firstScan, nChannels, nScans, samples) =>
        this.writeFrame(FrameType.AO_CHUNK, encodeSamplesPayload({ firstScan, nChannels, nScans, samples })),
      sendStop: (o) => this.send(stopCommand(), o),
      finished: (a) => {
        if (this.current === a) this.current = undefined;
      },
      // At slow rates a block legitimately takes long: never less than 20 blocks' worth.
      stallTimeoutMs: Math.max(this.stallTimeoutMs, (20 * maxScansPerPayload(armed.config.inputs.length)) / armed.config.rateHz * 1000),
    }, armed.uploaded);
    // Installed before START goes out: the first block may follow the OK in the same chunk.
    this.current = acq;
    try {
      await this.send(startCommand(), opts);
    } catch (e) {
      acq.fail(isDeviceError(e) ? e.code : 'DEVICE', `START failed: ${(e as Error).message}`, e);
      throw e;
    }
    return acq;
  }

  private validate(c: AcquisitionConfig, caps: DigitizerCapabilities): void {
    const bad = (why: string) => this.error('PROTOCOL', `acquisition refused: ${why}`, 'configure');
    if (!Number.isInteger(c.rateHz) || c.rateHz < 1 || c.rateHz > caps.maxRateHz) throw bad(`rate ${c.rateHz} Hz must be a whole number in 1..${caps.maxRateHz}`);
    if (!Number.isSafeInteger(c.scans) || c.scans < 1) throw bad(`scans ${c.scans} must be a whole number ≥ 1`);
    if (c.inputs.length === 0) throw bad('at least one input is needed');
    for (const ch of c.inputs) if (!Number.isInteger(ch) || ch < 0 || ch >= caps.aiChannels) throw bad(`AI${ch} does not exist (0..${caps.aiChannels - 1})`);
    if (new Set(c.inputs).size !== c.inputs.length) throw bad('an input is listed twice');
    const range = caps.range[1];
    for (const o of c.outputs) {
      if (!Number.isInteger(o.channel) || o.channel < 0 || o.channel >= caps.aoChannels) throw bad(`AO${o.channel} does not exist (0..${caps.aoChannels - 1})`);
      if (o.volts.length !== c.scans) throw bad(`AO${o.channel} waveform has ${o.volts.length} samples, ${c.scans} scans configured`);
      for (let i = 0; i < o.volts.length; i++) {
        const v = o.volts[i] as number;
        if (!(Math.abs(v) <= range)) throw bad(`AO${o.channel} sample ${i} is ${v} V, outside ±${range} V`);
      }
    }
    if (new Set(c.outputs.map((o) => o.channel)).size !== c.outputs.length) throw bad('an output is listed twice');
  }

  private error(code: 'PROTOCOL' | 'DEVICE', summary: string, command: string): DeviceError {
    return new DeviceError(summary, { code, device: this.name, port: this.path, command });
  }
}
