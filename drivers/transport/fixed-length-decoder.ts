/**
 * Cuts a byte stream into messages of one fixed length, optionally ending in a known terminator,
 * e.g. the Sutter MPC-200 `C` reply: drive + 3 × int32 LE + CR = 14 bytes ending in 0x0D
 * (device-protocols.md §3).
 */
import { Buffer } from 'node:buffer';
import { createFramerStats } from './framer.ts';
import type { Framer, FramerStats } from './framer.ts';

export interface FixedLengthDecoderOptions {
  /** Bytes per message, terminator included. */
  length: number;
  /** Byte every message must end with. Without it, every `length` bytes make a message. */
  terminator?: number;
}

/**
 * With a terminator, a candidate whose last byte is not the terminator is not emitted: one byte
 * is dropped and the next position tried (`stats.errors.badTerminator` counts those bytes).
 * The terminator may also occur inside a message (binary positions), so after garbage this can
 * lock onto a wrong alignment; drivers keep one request in flight and `reset()` after timeouts,
 * which is what makes the alignment trustworthy.
 */
export class FixedLengthDecoder implements Framer<Buffer> {
  readonly stats: FramerStats = createFramerStats(['badTerminator']);
  private readonly length: number;
  private readonly terminator: number | undefined;
  /** Room for two messages, so dropping bytes one at a time does not shift on every byte. */
  private readonly buf: Uint8Array;
  /** Unconsumed bytes are buf[start, end); always fewer than `length` between pushes. */
  private start = 0;
  private end = 0;

  constructor(options: FixedLengthDecoderOptions) {
    const { length, terminator } = options;
    if (!Number.isInteger(length) || length < 1) {
      throw new RangeError(`length must be a positive integer, got ${length}`);
    }
    if (terminator !== undefined && (!Number.isInteger(terminator) || terminator < 0 || terminator > 0xff)) {
      throw new RangeError(`terminator must be a byte value 0..255, got ${terminator}`);
    }
    this.length = length;
    this.terminator = terminator;
    this.buf = new Uint8Array(2 * length);
  }

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.start === this.end) {
        const used = this.scan(chunk, pos, chunk.length, out);
        this.start = 0;
        this.end = 0;
        this.append(chunk, used, chunk.length);
        break;
      }
      // Complete the pending candidate only; the rest of the chunk is decoded in place.
      const take = Math.min(this.length - (this.end - this.start), chunk.length - pos);
      this.append(chunk, pos, pos + take);
      pos += take;
      this.start = this.scan(this.buf, this.start, this.end, out);
      if (this.start === this.end) {
        this.start = 0;
        this.end = 0;
      }
    }
    return out;
  }

  reset(): void {
    this.stats.discardedBytes += this.end - this.start;
    this.start = 0;
    this.end = 0;
  }

  /** Decodes src[from, to) into `out`; returns where the unfinished part begins. */
  private scan(src: Uint8Array, from: number, to: number, out: Buffer[]): number {
    const n = this.length;
    let p = from;
    while (to - p >= n) {
      if (this.terminator !== undefined && src[p + n - 1] !== this.terminator) {
        this.stats.discardedBytes += 1;
        this.stats.errors.badTerminator = (this.stats.errors.badTerminator ?? 0) + 1;
        p += 1;
        continue;
      }
      const message = Buffer.allocUnsafe(n);
      message.set(src.subarray(p, p + n));
      out.push(message);
      this.stats.messages += 1;
      p += n;
    }
    return p;
  }

  private append(src: Uint8Array, from: number, to: number): void {
    const count = to - from;
    if (count <= 0) return;
    if (this.end + count > this.buf.length) {
      // Fits after compaction: fewer than `length` bytes are held and at most `length` added.
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    this.buf.set(src.subarray(from, to), this.end);
    this.end += count;
  }
}
