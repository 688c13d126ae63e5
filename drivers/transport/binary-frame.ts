/**
 * Binary frames of the patchrig data channel (device-protocols.md §9.4):
 *
 *   A5 5A | type u8 | seq u16 LE | len u16 LE | payload[len] | crc u16 LE
 *
 * with the CRC-16/CCITT-FALSE over type, seq, len and payload.
 */
import { Buffer } from 'node:buffer';
import { crc16 } from './crc16.ts';
import { createFramerStats } from './framer.ts';
import type { FramerStats } from './framer.ts';
import { InPlaceDecoder } from './in-place-decoder.ts';

export const SYNC_0 = 0xa5;
export const SYNC_1 = 0x5a;
/** Sync, type, seq and len. */
export const HEADER_LENGTH = 7;
/** Header plus CRC: the size of a frame with an empty payload. */
export const FRAME_OVERHEAD = HEADER_LENGTH + 2;
export const MAX_PAYLOAD = 16384;

export const FrameType = {
  /** One ASCII control line without its LF (single-port mode), both directions. */
  CTRL: 0x01,
  /** Output samples, host → device. */
  AO_CHUNK: 0x02,
  /** Input samples, device → host. */
  AI_BLOCK: 0x10,
  /** Acquisition state, flags and scan, device → host. */
  STATUS: 0x11,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export interface BinaryFrame {
  type: number;
  seq: number;
  /** A copy owned by the receiver: later pushes never overwrite it. */
  payload: Buffer;
}

function isInteger(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

/**
 * Builds one frame. Any u8 type is accepted (the transport does not judge types; drivers do).
 * @throws RangeError on a type that is not a u8, a seq that is not a u16 or a payload over MAX_PAYLOAD.
 */
export function encodeFrame(type: number, seq: number, payload: Uint8Array): Buffer {
  if (!isInteger(type, 0xff)) throw new RangeError(`frame type must be an integer 0..255, got ${type}`);
  if (!isInteger(seq, 0xffff)) throw new RangeError(`frame seq must be an integer 0..65535, got ${seq}`);
  if (payload.length > MAX_PAYLOAD) {
    throw new RangeError(`frame payload of ${payload.length} bytes exceeds the maximum of ${MAX_PAYLOAD}`);
  }
  const len = payload.length;
  const frame = Buffer.allocUnsafe(FRAME_OVERHEAD + len);
  frame[0] = SYNC_0;
  frame[1] = SYNC_1;
  frame[2] = type;
  frame.writeUInt16LE(seq, 3);
  frame.writeUInt16LE(len, 5);
  frame.set(payload, HEADER_LENGTH);
  frame.writeUInt16LE(crc16(frame, 2, HEADER_LENGTH + len), HEADER_LENGTH + len);
  return frame;
}

/** The seq that follows `seq` (u16, wraps to 0). */
export function nextSeq(seq: number): number {
  return (seq + 1) & 0xffff;
}

/**
 * Incremental receiver implementing the resync algorithm of §9.4 exactly: scan for `A5 5A`;
 * read the header; if len > MAX_PAYLOAD drop one byte and rescan; wait for the whole frame;
 * verify the CRC; on mismatch drop one byte (not the whole candidate) and rescan.
 *
 * `stats.errors` counts discarded bytes by reason: `garbage` (skipped while hunting for a
 * sync), `crc` and `oversize` (one byte per failed candidate, so also the number of such
 * candidates) and `reset` (partial data dropped by `reset()`). Their sum is `discardedBytes`.
 *
 * Cost: each byte is copied at most once into the internal buffer, and only when it belongs to
 * a frame that straddles chunks; complete frames are decoded straight from the pushed chunk.
 * The internal buffer never holds more than one candidate frame (≤ MAX_PAYLOAD + 9 bytes).
 */
export class BinaryFrameDecoder extends InPlaceDecoder<BinaryFrame> {
  readonly stats: FramerStats = createFramerStats(['garbage', 'crc', 'oversize', 'reset']);

  constructor() {
    super(256);
  }

  reset(): void {
    this.discard('reset', this.dropPending());
  }

  protected bytesWanted(): number {
    const held = this.pending();
    if (held.length < HEADER_LENGTH) return HEADER_LENGTH - held.length;
    const len = held[5]! | (held[6]! << 8);
    return Math.max(1, FRAME_OVERHEAD + len - held.length);
  }

  /** Decodes src[from, to), appending frames to `out`; returns where the unfinished part begins. */
  protected scan(src: Uint8Array, from: number, to: number, out: BinaryFrame[]): number {
    let p = from;
    for (;;) {
      // Hunt for the sync word.
      let s = src.indexOf(SYNC_0, p);
      while (s !== -1 && s + 1 < to && src[s + 1] !== SYNC_1) s = src.indexOf(SYNC_0, s + 1);
      if (s === -1 || s >= to) {
        this.discard('garbage', to - p);
        return to;
      }
      this.discard('garbage', s - p);
      p = s;
      if (to - p < HEADER_LENGTH) return p; // includes a lone trailing A5
      const len = src[p + 5]! | (src[p + 6]! << 8);
      if (len > MAX_PAYLOAD) {
        this.discard('oversize', 1);
        p += 1;
        continue;
      }
      const payloadEnd = p + HEADER_LENGTH + len;
      if (to - p < FRAME_OVERHEAD + len) return p;
      const expected = src[payloadEnd]! | (src[payloadEnd + 1]! << 8);
      if (crc16(src, p + 2, payloadEnd) !== expected) {
        this.discard('crc', 1);
        p += 1;
        continue;
      }
      const payload = Buffer.allocUnsafe(len);
      payload.set(src.subarray(p + HEADER_LENGTH, payloadEnd));
      out.push({ type: src[p + 2]!, seq: src[p + 3]! | (src[p + 4]! << 8), payload });
      this.stats.messages += 1;
      p = payloadEnd + 2;
    }
  }

  private discard(reason: string, n: number): void {
    if (n <= 0) return;
    this.stats.discardedBytes += n;
    this.stats.errors[reason] = (this.stats.errors[reason] ?? 0) + n;
  }
}

/** A break in the `seq` numbering of one direction. */
export interface SeqGap {
  /** The seq that should have come next. */
  expected: number;
  received: number;
  /**
   * Frames missing between them, modulo 65536. A repeated or reordered frame therefore shows as
   * a large number (a repeat of the previous seq as 65535): with a u16 counter the two cannot be
   * told apart, and both mean the stream is not what was sent.
   */
  missing: number;
}

/**
 * Follows the `seq` of one direction (+1 per frame, wrapping at 65536) and reports gaps, so that
 * a driver can fail a sweep cleanly on lost data. Use one tracker per direction.
 */
export class SeqTracker {
  private expected: number | undefined;
  /** Number of gaps reported so far. */
  gaps = 0;
  /** Sum of `missing` over the gaps reported so far. */
  missingFrames = 0;

  /** @param first the seq the first frame must carry; omitted, the first frame sets the count. */
  constructor(first?: number) {
    this.reset(first);
  }

  /** Records one received seq; returns the gap if it is not the expected one, else undefined. */
  check(seq: number): SeqGap | undefined {
    const expected = this.expected;
    this.expected = nextSeq(seq); // after a gap, follow the sender again so one loss is reported once
    if (expected === undefined || seq === expected) return undefined;
    const missing = (seq - expected) & 0xffff;
    this.gaps += 1;
    this.missingFrames += missing;
    return { expected, received: seq, missing };
  }

  /** Starts over (e.g. at a new acquisition), optionally requiring the first seq. */
  reset(first?: number): void {
    if (first !== undefined && !isInteger(first, 0xffff)) {
      throw new RangeError(`seq must be an integer 0..65535, got ${first}`);
    }
    this.expected = first;
  }
}
