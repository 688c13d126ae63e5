import { formatInteger, formatNumber, parseBoolean, parseCount, parseNumber } from '../../../drivers/control/line-codec.ts';
import {
  decodeSamplesPayload,
  encodeSamplesPayload,
  encodeStatusPayload,
  formatCaps,
  formatChannelList,
  formatErrorEventArgs,
  formatStat,
  parseChannelList,
} from '../../../drivers/digitizer/patchrig/codec.ts';
import type { DigitizerState, DigitizerStatus } from '../../../drivers/digitizer/digitizer.ts';
import { FRAME_OVERHEAD, FrameType, type BinaryFrame } from '../../../drivers/transport/binary-frame.ts';
import { type AnalogWiring, LoopbackWiring } from '../analog-wiring.ts';
import { ControlServer, ERR, err, ok, type Reply, type VerbHandler } from '../control-server.ts';
import { DevicePort } from '../device-port.ts';
import type { DeviceSideLink } from '../link.ts';
import { Pacer, type SimClock, type SimSpeed } from '../pacer.ts';
import { quantizeInputs } from './quantize.ts';
import { aiBlockScans, transmitCapacity } from './ai-blocks.ts';
import { AoFifo } from './ao-fifo.ts';
import { passIdleTime } from './idle-time.ts';

export interface DigitizerSimOptions {
  serial?: string;
  aiChannels?: number;
  aoChannels?: number;
  maxRateHz?: number;
  /** Symmetric range, volts. */
  rangeVolts?: number;
  aoFifoScans?: number;
  speed?: SimSpeed;
  /** Paces the sample clock; overrides `speed`. */
  clock?: SimClock;
  /**
   * Scans per AI_BLOCK, the device's choice (§5.3; hosts accept any size), given the rate and the
   * armed scan count; capped by the payload limit. Default SIMDAQ8's: ⌈rate / 100⌉.
   */
  aiBlockScans?: (rateHz: number, nscans: number) => number;
  /** What the inputs see; default: AO k looped back to AI k. */
  wiring?: AnalogWiring;
}

/**
 * At `--speed max` simulated time is elastic: the clock waits this long (wall time) for AO data
 * that has not arrived before it calls it an underrun (patchrig-digitizer.md §5.2, SIMDAQ8 note).
 */
const MAX_SPEED_AO_PATIENCE_S = 2;
const STATE_WORDS: Record<DigitizerState, string> = { idle: 'IDLE', armed: 'ARMED', running: 'RUNNING', done: 'DONE', error: 'ERROR' };

/**
 * The patchrig simulated digitizer SIMDAQ8 (docs/protocols/patchrig-digitizer.md): 8 AI / 8 AO,
 * 16 bit, ±10 V, one sample clock up to 200 kHz, an AO buffer fed by AO_CHUNK frames, AI_BLOCK
 * frames out, a STATUS frame on every change of state or flag. Its sample clock is the simulated
 * rig's clock: AO volts go through the wiring (an amplifier and the preparation, or a loopback)
 * and come back as AI volts.
 */
export class DigitizerSimulator {
  readonly aiChannels: number;
  readonly aoChannels: number;
  readonly maxRateHz: number;
  readonly rangeVolts: number;
  readonly aoFifoScans: number;
  readonly serial: string;
  private readonly port: DevicePort;
  private readonly server: ControlServer;
  private readonly wiring: AnalogWiring;
  private readonly clock: SimClock;
  private readonly aiBlockScans: ((rateHz: number, nscans: number) => number) | undefined;
  private rate = 10_000;
  private ai: number[] = [0];
  private ao: number[] = [];
  /** AOIDLE levels as set; a running acquisition keeps the levels it started with. */
  private readonly idle: Float64Array;
  private fifo: AoFifo;
  private st: DigitizerStatus = { state: 'idle', aiOverrun: false, aoUnderrun: false, overload: false, scan: 0 };
  /** `n` of the last ARM. */
  private nscans = 0;
  /** Bumped whenever an acquisition ends, so its run loop stops at its next step. */
  private runToken = 0;
  /** Wakes a clock waiting (at max speed) for AO data. */
  private aoArrived: (() => void) | undefined;

  constructor(link: DeviceSideLink, opts: DigitizerSimOptions = {}) {
    this.serial = opts.serial ?? '0001';
    this.aiChannels = opts.aiChannels ?? 8;
    this.aoChannels = opts.aoChannels ?? 8;
    this.maxRateHz = opts.maxRateHz ?? 200_000;
    this.rangeVolts = opts.rangeVolts ?? 10;
    this.aoFifoScans = opts.aoFifoScans ?? 262_144;
    this.wiring = opts.wiring ?? new LoopbackWiring();
    this.clock = opts.clock ?? new Pacer(opts.speed ?? 'max');
    this.aiBlockScans = opts.aiBlockScans;
    this.idle = new Float64Array(this.aoChannels);
    this.fifo = new AoFifo(0, this.aoFifoScans);
    this.port = new DevicePort(link, {
      line: (l) => this.server.handleLine(l),
      ctrl: (l) => this.server.handleCtrlPayload(l),
      overlong: (id, bytes) => this.server.lineTooLong(id, bytes),
      frame: (f) => this.onFrame(f),
      hostClosed: () => this.hostClosed(),
    });
    this.server = new ControlServer((l) => this.port.sendLine(l), this.verbs());
    // Power-up (Part 1 §7); a host that opens the port later does not see it.
    this.server.event('RESET');
  }

  /**
   * The host rested `seconds` without waiting them out (max speed): the next acquisition lets that
   * time pass for the cells first. At realtime speed the wall clock's idle time counts instead.
   */
  restPassed(seconds: number): void {
    if (Number.isFinite(seconds)) this.clock.pass(seconds);
  }

  /** Observable for tests: the device's own state word and link mode. */
  get status(): DigitizerStatus & { framed: boolean } {
    return { ...this.st, framed: this.port.isFramed };
  }

  /** Bytes the frame receiver dropped (outside valid frames, or partial frames that timed out). */
  get discardedBytes(): number {
    return this.port.rxStats.discardedBytes;
  }

  private verbs(): Record<string, VerbHandler> {
    const query = (verb: string, f: () => Reply): VerbHandler => (a) => (a.length === 0 ? f() : err(ERR.BAD_ARG, `${verb} takes no arguments`));
    return {
      '*IDN?': query('*IDN?', () => ok(`PATCHRIG,SIMDAQ${this.aiChannels},${this.serial},1.0`)),
      '*RST': query('*RST', () => this.reset()),
      PING: query('PING', () => ok()),
      'PROTO?': query('PROTO?', () => ok('1.0')),
      'CAPS?': query('CAPS?', () =>
        ok(
          ...formatCaps({
            aiChannels: this.aiChannels,
            aoChannels: this.aoChannels,
            maxRateHz: this.maxRateHz,
            range: [-this.rangeVolts, this.rangeVolts],
            bits: 16,
            aoFifoScans: this.aoFifoScans,
          }),
        ),
      ),
      RATE: (a) => this.setRate(a),
      'RATE?': query('RATE?', () => ok(formatInteger(this.rate))),
      AI: (a) => this.setList(a, 'AI'),
      'AI?': query('AI?', () => ok(formatChannelList(this.ai))),
      AO: (a) => this.setList(a, 'AO'),
      'AO?': query('AO?', () => ok(formatChannelList(this.ao))),
      'RANGE?': (a) => this.withChannel('RANGE?', a, Math.max(this.aiChannels, this.aoChannels), () => ok(formatNumber(-this.rangeVolts), formatNumber(this.rangeVolts))),
      AOIDLE: (a) => this.setIdle(a),
      'AOIDLE?': (a) => this.withChannel('AOIDLE?', a, this.aoChannels, (ch) => ok(formatNumber(this.idle[ch] as number))),
      ARM: (a) => this.arm(a),
      START: query('START', () => this.start()),
      STOP: query('STOP', () => this.stop()),
      'STAT?': query('STAT?', () => ok(...formatStat(this.st))),
      FRAMED: (a) => this.setFramed(a),
      'FRAMED?': query('FRAMED?', () => ok(this.port.isFramed ? '1' : '0')),
    };
  }

  private get acquiring(): boolean {
    return this.st.state === 'armed' || this.st.state === 'running';
  }

  private notWhileAcquiring(verb: string): Reply | undefined {
    return this.acquiring ? err(ERR.STATE, `${verb} not allowed while ${STATE_WORDS[this.st.state]}`) : undefined;
  }

  private setRate(a: readonly string[]): Reply {
    if (a.length !== 1) return err(ERR.BAD_ARG, 'RATE needs 1 argument');
    const token = a[0] as string;
    const hz = parseNumber(token);
    if (hz === undefined) return err(ERR.BAD_ARG, `${token} is not a number`);
    if (!Number.isInteger(hz)) return err(ERR.BAD_ARG, 'rate must be an integer');
    const busy = this.notWhileAcquiring('RATE');
    if (busy) return busy;
    if (hz < 1 || hz > this.maxRateHz) {
      return err(ERR.RANGE, `rate ${Number.isSafeInteger(hz) ? formatInteger(hz) : token} Hz is outside 1..${formatInteger(this.maxRateHz)}`);
    }
    this.rate = hz;
    return ok();
  }

  private setList(a: readonly string[], which: 'AI' | 'AO'): Reply {
    if (a.length !== 1) return err(ERR.BAD_ARG, `${which} needs 1 argument`);
    // Syntax and duplicates first (2), then channels that do not exist (3): Part 1 §5.1.
    const list = parseChannelList(a[0] as string);
    if (!list.ok) return err(ERR.BAD_ARG, list.error);
    const max = which === 'AI' ? this.aiChannels : this.aoChannels;
    const missing = list.value.find((c) => c >= max);
    if (missing !== undefined) return err(ERR.RANGE, `channel ${missing} does not exist (0..${max - 1})`);
    const busy = this.notWhileAcquiring(which);
    if (busy) return busy;
    if (which === 'AI') {
      if (list.value.length === 0) return err(ERR.RANGE, 'at least one AI channel is needed');
      this.ai = list.value;
    } else {
      this.ao = list.value;
      this.fifo = new AoFifo(this.ao.length, this.aoFifoScans);
    }
    return ok();
  }

  /** Checks `ch` (and the argument count) of a verb whose first argument is a channel, then runs `f`. */
  private withChannel(verb: string, a: readonly string[], max: number, f: (ch: number) => Reply, argc = 1): Reply {
    if (a.length !== argc) return err(ERR.BAD_ARG, `${verb} needs ${argc} argument${argc === 1 ? '' : 's'}`);
    const ch = parseCount(a[0] as string);
    if (ch === undefined) return err(ERR.BAD_ARG, `${a[0]} is not a channel number`);
    const v = argc > 1 ? parseNumber(a[1] as string) : 0;
    if (v === undefined) return err(ERR.BAD_ARG, `${a[1]} is not a number`);
    if (ch >= max) return err(ERR.RANGE, `channel ${ch} does not exist (0..${max - 1})`);
    return f(ch);
  }

  private setIdle(a: readonly string[]): Reply {
    return this.withChannel(
      'AOIDLE',
      a,
      this.aoChannels,
      (ch) => {
        const v = parseNumber(a[1] as string) as number;
        const r = this.rangeVolts;
        if (Math.abs(v) > r) return err(ERR.RANGE, `AOIDLE ${formatNumber(v)} V is outside ${formatNumber(-r)}..${formatNumber(r)}`);
        this.idle[ch] = v;
        return ok();
      },
      2,
    );
  }

  private arm(a: readonly string[]): Reply {
    if (a.length !== 2) return err(ERR.BAD_ARG, 'ARM needs 2 arguments');
    const [nToken, trig] = a as [string, string];
    const n = parseNumber(nToken);
    if (n === undefined || !Number.isInteger(n)) return err(ERR.BAD_ARG, `scans ${nToken} is not an integer`);
    if (trig !== 'SW' && trig !== 'EXT') return err(ERR.BAD_ARG, `unknown trigger ${trig}`);
    if (this.st.state !== 'idle' && this.st.state !== 'done') {
      return err(ERR.STATE, this.st.state === 'error' ? 'not allowed in ERROR: STOP first' : `not allowed while ${STATE_WORDS[this.st.state]}`);
    }
    // One port carries control and data only in framed mode; a line-mode port has no data path.
    if (!this.port.isFramed) return err(ERR.STATE, 'framed mode required');
    const aoNeeded = this.ao.length > 0;
    const needed = Math.min(n, this.aoFifoScans);
    if (aoNeeded && this.fifo.written < needed) return err(ERR.STATE, `AO buffer holds ${this.fifo.written} of ${needed} scans`);
    if (n < 1 || !Number.isSafeInteger(n)) return err(ERR.RANGE, `scans ${nToken} is outside 1..${formatInteger(Number.MAX_SAFE_INTEGER)}`);
    if (aoNeeded && this.fifo.written > n) return err(ERR.RANGE, `AO buffer holds ${this.fifo.written} scans, more than ${n}`);
    this.nscans = n;
    // Flags and scan are cleared by ARM and *RST only (§5.1).
    this.st = { state: 'armed', aiOverrun: false, aoUnderrun: false, overload: false, scan: 0 };
    this.sendStatus();
    return ok();
  }

  private start(): Reply {
    if (this.st.state !== 'armed') return err(ERR.STATE, 'not armed');
    this.st.state = 'running';
    this.sendStatus();
    const token = ++this.runToken;
    // The clock starts once the OK is out, so every AI block follows it.
    return { ok: [], after: () => this.runSafely(token) };
  }

  private stop(): Reply {
    const was = this.st.state;
    this.runToken++;
    this.fifo.clear();
    if (was === 'idle') return ok();
    this.st.state = 'idle';
    this.sendStatus();
    if (was === 'armed' || was === 'running') this.server.event('STOPPED', [formatInteger(this.st.scan)]);
    return ok();
  }

  private reset(): Reply {
    this.runToken++;
    this.rate = 10_000;
    this.ai = [0];
    this.ao = [];
    this.idle.fill(0);
    this.fifo = new AoFifo(0, this.aoFifoScans);
    this.st = { state: 'idle', aiOverrun: false, aoUnderrun: false, overload: false, scan: 0 };
    // The link mode is a property of the link, not a setting: *RST keeps it (§2).
    this.sendStatus();
    this.server.event('RESET');
    return ok();
  }

  private setFramed(a: readonly string[]): Reply {
    if (a.length !== 1) return err(ERR.BAD_ARG, 'FRAMED needs 1 argument');
    const on = parseBoolean(a[0] as string);
    if (on === undefined) return err(ERR.BAD_ARG, 'FRAMED takes 0 or 1');
    if (on === this.port.isFramed) return ok();
    const busy = this.notWhileAcquiring('FRAMED 0');
    if (busy) return busy;
    // The reply travels in the old framing; both directions switch right after it (§2).
    return { ok: [], after: () => this.port.setFramed(on) };
  }

  /** The host left: the link is back in line mode, where an acquisition cannot go on. Settings stay (Part 1 §1). */
  private hostClosed(): void {
    if (!this.acquiring) return;
    this.runToken++;
    this.fifo.clear();
    this.st.state = 'idle';
  }

  private onFrame(f: BinaryFrame): void {
    // A device ignores frame types it does not know or should not receive (§3.2), and AO data in ERROR (§5.2).
    if (f.type !== FrameType.AO_CHUNK || this.st.state === 'error') return;
    const d = decodeSamplesPayload(f.payload);
    if (!d.ok) {
      this.fail(ERR.BAD_ARG, `bad AO chunk payload of ${f.payload.length} bytes`);
      return;
    }
    const problem = this.fifo.push(d.value, this.acquiring ? this.nscans : undefined);
    if (problem) {
      this.fail(problem.code, problem.message);
      return;
    }
    this.aoArrived?.();
  }

  /** Enters ERROR (§5.4): STATUS (ERROR, flags, scan), then `! ERROR <code> <message>`. */
  private fail(code: number, message: string, flag?: 'aoUnderrun'): void {
    this.runToken++;
    this.st.state = 'error';
    if (flag) this.st[flag] = true;
    this.sendStatus();
    this.server.event('ERROR', formatErrorEventArgs(code, message));
  }

  private sendStatus(): void {
    if (this.port.isFramed) this.port.sendFrame(FrameType.STATUS, encodeStatusPayload(this.st));
  }

  private runSafely(token: number): void {
    this.run(token).catch((e: unknown) => {
      // A simulator bug ends the acquisition the way a hardware fault would, instead of crashing the process.
      if (this.runToken !== token) return;
      const why = String((e as Error).message ?? e).replace(/[^\x21-\x7e]+/g, ' ').trim() || 'unknown';
      this.fail(ERR.FAULT, `internal fault: ${why}`);
    });
  }

  private async run(token: number): Promise<void> {
    try {
      await passIdleTime(this.wiring, this.idle, this.aiChannels, this.rate, this.clock.takeIdle(), () => this.runToken === token);
      if (this.runToken === token) await this.acquireAll(token);
    } finally {
      this.clock.stop();
    }
  }

  private async acquireAll(token: number): Promise<void> {
    const dt = 1 / this.rate;
    const nAi = this.ai.length;
    const blockScans = aiBlockScans(this.rate, nAi, this.aoFifoScans, this.aiBlockScans?.(this.rate, this.nscans));
    const elastic = this.clock.speed === 'max';
    const txCapacity = transmitCapacity(this.rate, nAi, blockScans);
    // AOIDLE set while running applies after the acquisition (§6).
    const levels = Float64Array.from(this.idle);
    const aoAll = Array.from({ length: this.aoChannels }, () => new Float64Array(blockScans));
    const aiAll = Array.from({ length: this.aiChannels }, () => new Float64Array(blockScans));
    const aoEnabled = this.ao.map((ch) => aoAll[ch] as Float64Array);
    const counts = new Int16Array(blockScans * nAi);
    const vpc = this.rangeVolts / 32768;
    this.clock.start();
    while (this.runToken === token && this.st.scan < this.nscans) {
      const n = Math.min(blockScans, this.nscans - this.st.scan);
      if (!elastic) {
        // A block is complete when the clock has ticked its last scan.
        await this.clock.until((this.st.scan + n) * dt);
        if (this.runToken !== token) return;
      }
      for (let ch = 0; ch < this.aoChannels; ch++) (aoAll[ch] as Float64Array).fill(levels[ch] as number, 0, n);
      let got = n;
      if (aoEnabled.length > 0) {
        got = this.fifo.take(n, aoEnabled, vpc);
        if (got < n && elastic) got = await this.waitForAo(token, n, got, aoEnabled, vpc);
        if (this.runToken !== token) return;
      }
      if (got > 0) {
        // The wiring may compute in a worker thread: the event loop stays free meanwhile.
        const computing = this.wiring.run(aoAll, aiAll, got, dt);
        if (computing) await computing;
        if (this.runToken !== token) return;
        this.acquire(got, aiAll, counts, txCapacity);
      }
      if (got < n) {
        // The scans before the missing one were acquired and sent; the clock stops at it (§5.2).
        this.fail(ERR.BUFFER, `AO underrun at scan ${formatInteger(this.st.scan)}`, 'aoUnderrun');
        return;
      }
      if (this.st.scan >= this.nscans) break;
      if (elastic) {
        // Simulated time runs as fast as the host reads: nothing piles up, so no AI overrun.
        await this.port.drained();
        await this.clock.until(0);
        if (this.runToken !== token) return;
      }
    }
    if (this.runToken !== token) return;
    this.runToken++;
    this.st.state = 'done';
    this.fifo.clear();
    this.sendStatus();
    this.server.event('DONE', [formatInteger(this.nscans)]);
  }

  /** At max speed: waits (wall time, bounded) for the host's AO instead of underrunning; returns the scans now taken. */
  private async waitForAo(token: number, n: number, got: number, aoEnabled: Float64Array[], vpc: number): Promise<number> {
    const deadline = performance.now() + MAX_SPEED_AO_PATIENCE_S * 1000;
    while (got < n && this.runToken === token && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.aoArrived = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.aoArrived = undefined;
      got += this.fifo.take(n - got, aoEnabled, vpc, got);
    }
    return got;
  }

  /** Digitizes `n` scans the wiring has put on the inputs and sends them as one AI_BLOCK (or drops it on a full transmit buffer); updates scan and flags. */
  private acquire(n: number, aiAll: Float64Array[], counts: Int16Array, txCapacity: number): void {
    const nAi = this.ai.length;
    const overload = quantizeInputs(aiAll, this.ai, n, this.rangeVolts, counts);
    const payload = encodeSamplesPayload({ firstScan: this.st.scan, nChannels: nAi, nScans: n, samples: counts.subarray(0, n * nAi) });
    let flagsChanged = false;
    if (this.port.transmitBacklog + FRAME_OVERHEAD + payload.length > txCapacity) {
      // AI overrun (§5.3): the block is dropped; the next one sent shows the gap in first_scan.
      flagsChanged = !this.st.aiOverrun;
      this.st.aiOverrun = true;
    } else {
      this.port.sendFrame(FrameType.AI_BLOCK, payload);
    }
    this.st.scan += n;
    if (overload && !this.st.overload) {
      this.st.overload = true;
      flagsChanged = true;
    }
    if (flagsChanged) this.sendStatus();
  }
}
