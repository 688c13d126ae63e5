import { Buffer } from 'node:buffer';
import { MAX_LINE_BYTES } from '../../drivers/control/line-codec.ts';
import { FRAME_OVERHEAD, FrameType, HEADER_LENGTH, MAX_PAYLOAD, SYNC_0, SYNC_1, encodeFrame, nextSeq, type BinaryFrame } from '../../drivers/transport/binary-frame.ts';
import { crc16 } from '../../drivers/transport/crc16.ts';
import { readableId } from './control-server.ts';
import type { DeviceSideLink } from './link.ts';

export interface DevicePortHandlers {
  /** A control line arrived as a plain line (without its LF; a CR before the LF is kept). */
  line: (line: string) => void;
  /** A CTRL frame arrived: its payload, a line without LF or CR. */
  ctrl: (payload: string) => void;
  /** A plain line longer than 256 bytes ended; `id` is its id if the start of the line shows one, else 0. */
  overlong: (id: number, bytes: number) => void;
  /** A frame other than CTRL arrived (framed mode only). */
  frame?: (frame: BinaryFrame) => void;
  /** The host closed the port; the port is already back in line mode. */
  hostClosed?: () => void;
}

export interface DevicePortOptions {
  /** A partially received frame is discarded after this much silence (Part 3 §3.3: 100 ms). */
  partialFrameTimeoutMs?: number;
}

const PARTIAL_FRAME_TIMEOUT_MS = 100;
/**
 * In framed mode the port hands at most this many bytes to the link before it has seen the host
 * read (`link.drained()`); the rest waits in the device's own transmit queue, which is what the
 * digitizer measures to detect an AI overrun (Part 3 §5.3).
 */
const TRANSMIT_BURST_BYTES = 64 * 1024;
const NO_BYTES = Buffer.alloc(0);

/**
 * The device end of a patchrig port (docs/protocols/patchrig-control-lines.md §2,
 * patchrig-digitizer.md §2–3): plain LF-terminated control lines, and — once the device switches
 * to framed mode — binary frames both ways with control lines inside CTRL frames.
 *
 * The receiver works byte-exactly: after a line or a frame that switches the framing, the very next
 * byte of the same chunk is read in the new mode. In framed mode bytes that are not valid frames
 * are dropped silently (counted in `rxStats`), a partial frame is dropped after 100 ms of silence,
 * and the host's `seq` is not checked (Part 3 §3.1). A line over 256 bytes is read to its LF
 * without being stored and then reported, with the id its first bytes show.
 *
 * The transmitter keeps the order of everything sent, lines and frames. In framed mode it queues
 * what the host has not made room for, so that a device producing data faster than the host reads
 * can see its own transmit backlog (`transmitBacklog`).
 */
export class DevicePort {
  private framed = false;
  // Line receiver: the current line's first bytes (a line that fits has at most 255 before its LF).
  private readonly lineBuf = Buffer.alloc(MAX_LINE_BYTES - 1);
  private lineLength = 0;
  private lineBytes = 0;
  // Frame receiver: bytes of a frame that has not arrived completely.
  private pending: Buffer = NO_BYTES;
  private partialTimer: NodeJS.Timeout | undefined;
  private readonly partialTimeoutMs: number;
  /** What the frame receiver has dropped: bytes outside valid frames and partial frames that timed out. */
  readonly rxStats = { frames: 0, discardedBytes: 0 };
  // Transmitter.
  private txSeq = 0;
  private readonly txQueue: Buffer[] = [];
  private txQueuedBytes = 0;
  private txCredit = TRANSMIT_BURST_BYTES;
  /** Bumped when the host goes away, so a `drained()` that resolves for an earlier host is ignored. */
  private txGeneration = 0;
  private refreshing = false;
  private flushWaiters: (() => void)[] = [];

  constructor(
    readonly link: DeviceSideLink,
    private readonly handlers: DevicePortHandlers,
    opts: DevicePortOptions = {},
  ) {
    this.partialTimeoutMs = opts.partialFrameTimeoutMs ?? PARTIAL_FRAME_TIMEOUT_MS;
    link.onReceive((chunk) => this.receive(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    link.onHostClose(() => this.hostGone());
  }

  get isFramed(): boolean {
    return this.framed;
  }

  /** Bytes waiting in the device's transmit queue (not yet handed to the link). */
  get transmitBacklog(): number {
    return this.txQueuedBytes;
  }

  /**
   * Switches framing. Call it right after sending the reply that announces it: the transmitter
   * changes from the next byte, and so does the receiver (the rest of the chunk being read).
   * Entering framed mode from line mode restarts the device's frame numbering at 0 (Part 3 §3.1).
   */
  setFramed(on: boolean): void {
    if (on === this.framed) return;
    this.framed = on;
    this.lineLength = 0;
    this.lineBytes = 0;
    this.dropPending();
    if (on) this.txSeq = 0;
  }

  /** Sends a control line (with or without its LF) in the current framing. */
  sendLine(line: string): void {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (this.framed) this.sendFrame(FrameType.CTRL, Buffer.from(text, 'latin1'));
    else this.transmit(Buffer.from(`${text}\n`, 'latin1'));
  }

  /** Sends one frame with the next seq; returns its size in bytes. */
  sendFrame(type: number, payload: Uint8Array): number {
    const frame = encodeFrame(type, this.txSeq, payload);
    this.txSeq = nextSeq(this.txSeq);
    this.transmit(frame);
    return frame.length;
  }

  /** Resolves once everything sent so far has left the transmit queue and the host has (nearly) read it. */
  async drained(): Promise<void> {
    while (this.txQueue.length > 0) await new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    await this.link.drained();
  }

  private transmit(bytes: Buffer): void {
    // Line mode has no data stream to pace: lines go straight out unless frames are still queued.
    if (!this.framed && this.txQueue.length === 0) {
      this.link.send(bytes);
      return;
    }
    this.txQueue.push(bytes);
    this.txQueuedBytes += bytes.length;
    this.pump();
  }

  private pump(): void {
    while (this.txQueue.length > 0) {
      const next = this.txQueue[0] as Buffer;
      if (next.length > this.txCredit) break;
      this.txQueue.shift();
      this.txQueuedBytes -= next.length;
      this.txCredit -= next.length;
      this.link.send(next);
    }
    if (this.txQueue.length === 0) {
      const waiters = this.flushWaiters;
      this.flushWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (this.txCredit < TRANSMIT_BURST_BYTES && !this.refreshing) {
      this.refreshing = true;
      const generation = this.txGeneration;
      void this.link.drained().then(() => {
        if (generation !== this.txGeneration) return;
        this.refreshing = false;
        this.txCredit = TRANSMIT_BURST_BYTES;
        this.pump();
      });
    }
  }

  /** The receive buffer and the framing belong to one connection (Part 1 §1); what was queued for it is dropped. */
  private hostGone(): void {
    this.txGeneration++;
    this.refreshing = false;
    this.txCredit = TRANSMIT_BURST_BYTES;
    this.txQueue.length = 0;
    this.txQueuedBytes = 0;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
    this.setFramed(false);
    this.lineLength = 0;
    this.lineBytes = 0;
    this.handlers.hostClosed?.();
  }

  private receive(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0) rest = this.framed ? this.receiveFrames(rest) : this.receiveLines(rest);
  }

  /** Reads lines until the chunk ends or a line switches to framed mode; returns what is left. */
  private receiveLines(chunk: Buffer): Buffer {
    let pos = 0;
    while (pos < chunk.length) {
      const lf = chunk.indexOf(0x0a, pos);
      const end = lf < 0 ? chunk.length : lf;
      const room = this.lineBuf.length - this.lineLength;
      chunk.copy(this.lineBuf, this.lineLength, pos, pos + Math.min(room, end - pos));
      this.lineLength += Math.min(room, end - pos);
      this.lineBytes += end - pos;
      if (lf < 0) return NO_BYTES;
      pos = lf + 1;
      const bytes = this.lineBytes + 1;
      const text = this.lineBuf.toString('latin1', 0, this.lineLength);
      this.lineLength = 0;
      this.lineBytes = 0;
      if (bytes > MAX_LINE_BYTES) this.handlers.overlong(readableId(text), bytes);
      else this.handlers.line(text);
      if (this.framed) return chunk.subarray(pos);
    }
    return NO_BYTES;
  }

  /**
   * Reads frames with the resynchronisation of Part 3 §3.3 until the chunk ends or a frame
   * switches back to line mode; returns what is left.
   */
  private receiveFrames(chunk: Buffer): Buffer {
    const src = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = NO_BYTES;
    let p = 0;
    for (;;) {
      let s = src.indexOf(SYNC_0, p);
      while (s >= 0 && s + 1 < src.length && src[s + 1] !== SYNC_1) s = src.indexOf(SYNC_0, s + 1);
      if (s < 0) {
        this.rxStats.discardedBytes += src.length - p;
        p = src.length;
        break;
      }
      this.rxStats.discardedBytes += s - p;
      p = s;
      if (src.length - p < HEADER_LENGTH) break;
      const len = (src[p + 5] as number) | ((src[p + 6] as number) << 8);
      if (len > MAX_PAYLOAD) {
        this.rxStats.discardedBytes += 1;
        p += 1;
        continue;
      }
      if (src.length - p < FRAME_OVERHEAD + len) break;
      const end = p + HEADER_LENGTH + len;
      if (crc16(src, p + 2, end) !== ((src[end] as number) | ((src[end + 1] as number) << 8))) {
        this.rxStats.discardedBytes += 1;
        p += 1;
        continue;
      }
      const frame: BinaryFrame = {
        type: src[p + 2] as number,
        seq: (src[p + 3] as number) | ((src[p + 4] as number) << 8),
        payload: Buffer.from(src.subarray(p + HEADER_LENGTH, end)),
      };
      p = end + 2;
      this.rxStats.frames++;
      if (frame.type === FrameType.CTRL) this.handlers.ctrl(frame.payload.toString('latin1'));
      else this.handlers.frame?.(frame);
      if (!this.framed) {
        this.clearPartialTimer();
        return src.subarray(p);
      }
    }
    if (p < src.length) {
      // Copied: the chunk's memory may be reused by whoever handed it to us.
      this.pending = Buffer.from(src.subarray(p));
      this.armPartialTimer();
    } else {
      this.clearPartialTimer();
    }
    return NO_BYTES;
  }

  private armPartialTimer(): void {
    this.clearPartialTimer();
    this.partialTimer = setTimeout(() => {
      this.partialTimer = undefined;
      this.dropPending();
    }, this.partialTimeoutMs);
    // A device waiting for the rest of a frame must not keep a process alive.
    this.partialTimer.unref();
  }

  private clearPartialTimer(): void {
    if (this.partialTimer) clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
  }

  private dropPending(): void {
    this.rxStats.discardedBytes += this.pending.length;
    this.pending = NO_BYTES;
    this.clearPartialTimer();
  }
}
