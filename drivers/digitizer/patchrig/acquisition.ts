import { DeviceError, type DeviceErrorCode } from '../../transport/errors.ts';
import type { Acquisition, AcquisitionConfig, AiBlock, DigitizerStatus } from '../digitizer.ts';
import type { RequestOptions } from '../../amplifier/amplifier.ts';
import { type SamplesPayload, deinterleaveToVolts, interleaveToCounts, maxScansPerPayload } from './codec.ts';

export interface AcquisitionLink {
  device: string;
  port: string;
  rangeVolts: number;
  /** Scans the device's AO buffer holds. */
  aoFifoScans: number;
  /** Sends one AO_CHUNK. */
  sendAoChunk(firstScan: number, nChannels: number, nScans: number, samples: Int16Array): Promise<void>;
  sendStop(opts?: RequestOptions): Promise<void>;
  /** Called once when the acquisition is over, for whatever reason. */
  finished(acq: StreamingAcquisition): void;
  /** No AI block for this long while running is a stalled device. */
  stallTimeoutMs: number;
}

/** How long a STATUS reporting lost data waits for the `! ERROR` event that gives the reason. */
const REASON_WAIT_MS = 50;

/**
 * One running acquisition on a patchrig digitizer: AI blocks are checked (scan continuity,
 * channel count) and queued for the consumer; AO chunks beyond what fitted in the device's buffer
 * before START are sent as the inputs show the output advancing; any sign of lost data, a device
 * error, a stall or a lost port ends the stream with a typed error.
 */
export class StreamingAcquisition implements Acquisition {
  private readonly queue: AiBlock[] = [];
  private wake: (() => void) | undefined;
  private received = 0;
  private aoSent: number;
  private feeding = false;
  private failure: DeviceError | undefined;
  private stopped = false;
  private over = false;
  private watchdog: NodeJS.Timeout | undefined;
  private reasonTimer: NodeJS.Timeout | undefined;
  /** Flags of the STATUS that reported lost data, for the failure message. */
  private flags = '';
  private readonly aoChannels: Float32Array[];

  constructor(
    readonly config: AcquisitionConfig,
    private readonly link: AcquisitionLink,
    /** Scans already uploaded before START. */
    uploadedScans: number,
  ) {
    this.aoSent = uploadedScans;
    this.aoChannels = config.outputs.map((o) => o.volts);
    this.armWatchdog();
  }

  /** Scans received so far. */
  get scansReceived(): number {
    return this.received;
  }

  get isOver(): boolean {
    return this.over;
  }

  onBlock(p: SamplesPayload): void {
    if (this.over) return;
    if (p.firstScan !== this.received) {
      this.fail('DATA_LOST', `AI block starts at scan ${p.firstScan}, expected ${this.received}: data lost`);
      return;
    }
    if (p.nChannels !== this.config.inputs.length) {
      this.fail('PROTOCOL', `AI block has ${p.nChannels} channel(s), ${this.config.inputs.length} were configured`);
      return;
    }
    const scans = Math.min(p.nScans, this.config.scans - this.received);
    const samples = scans === p.nScans ? p.samples : p.samples.subarray(0, scans * p.nChannels);
    this.queue.push({ firstScan: p.firstScan, scans, channels: deinterleaveToVolts(samples, p.nChannels, this.link.rangeVolts) });
    this.received += scans;
    this.armWatchdog();
    this.signal();
    if (this.received >= this.config.scans) this.finish();
    else void this.feed();
  }

  /**
   * Data is lost on an error state, an AI overrun (dropped blocks) or an AO underrun; overload
   * alone is not. The device sends STATUS before the `! ERROR` event that says why, so a failure
   * waits a moment for the reason before it is reported with the flags alone.
   */
  onStatus(s: DigitizerStatus): void {
    if (this.over || (s.state !== 'error' && !s.aiOverrun && !s.aoUnderrun)) return;
    const why = [s.aiOverrun && 'AI overrun', s.aoUnderrun && 'AO underrun', s.overload && 'overload'].filter(Boolean).join(', ');
    this.flags = why || 'no flag';
    const summary = `device reports ${s.state === 'error' ? 'an error state' : 'lost data'} (${this.flags}) at scan ${s.scan}`;
    clearTimeout(this.reasonTimer);
    this.reasonTimer = setTimeout(() => this.fail('DATA_LOST', summary), REASON_WAIT_MS);
  }

  onDeviceError(code: number, message: string): void {
    clearTimeout(this.reasonTimer);
    this.fail('DATA_LOST', `device error ${code}: ${message}${this.flags ? ` (${this.flags})` : ''}`);
  }

  fail(code: DeviceErrorCode, summary: string, cause?: unknown): void {
    if (this.over) return;
    this.failure = new DeviceError(summary, { code, device: this.link.device, port: this.link.port, command: 'acquisition', cause });
    this.finish();
    // The protocol asks the host to STOP a failed sweep; with the port gone there is no one to tell.
    if (code !== 'DISCONNECTED') this.link.sendStop().catch(() => undefined);
  }

  async *blocks(): AsyncIterable<AiBlock> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.over) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async stop(opts?: RequestOptions): Promise<void> {
    if (this.over) return;
    this.stopped = true;
    this.finish();
    await this.link.sendStop(opts);
  }

  /** True when the consumer stopped it before the last scan. */
  get wasStopped(): boolean {
    return this.stopped;
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.watchdog);
    clearTimeout(this.reasonTimer);
    this.link.finished(this);
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(
      () => this.fail('TIMEOUT', `no data for ${this.link.stallTimeoutMs} ms at scan ${this.received} of ${this.config.scans}`),
      this.link.stallTimeoutMs,
    );
  }

  /** Keeps the device's AO buffer topped up without overfilling it. */
  private async feed(): Promise<void> {
    if (this.feeding || this.aoChannels.length === 0) return;
    this.feeding = true;
    try {
      const per = maxScansPerPayload(this.aoChannels.length);
      while (!this.over && this.aoSent < this.config.scans) {
        const room = this.received + this.link.aoFifoScans - this.aoSent;
        const n = Math.min(per, this.config.scans - this.aoSent, room);
        if (n <= 0) break;
        const counts = interleaveToCounts(this.aoChannels, this.aoSent, n, this.link.rangeVolts);
        await this.link.sendAoChunk(this.aoSent, this.aoChannels.length, n, counts);
        this.aoSent += n;
      }
    } catch (e) {
      this.fail('DISCONNECTED', 'could not send AO data', e);
    } finally {
      this.feeding = false;
    }
  }
}
