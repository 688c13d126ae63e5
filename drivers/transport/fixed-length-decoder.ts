/**
 * Cuts a byte stream into messages of one fixed length, optionally ending in a known terminator,
 * e.g. the Sutter MPC-200 `C` reply: drive + 3 × int32 LE + CR = 14 bytes ending in 0x0D
 * (device-protocols.md §3).
 */
import { Buffer } from 'node:buffer';
import { createFramerStats } from './framer.ts';
import type { FramerStats } from './framer.ts';
import { InPlaceDecoder } from './in-place-decoder.ts';

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
export class FixedLengthDecoder extends InPlaceDecoder<Buffer> {
  readonly stats: FramerStats = createFramerStats(['badTerminator']);
  private readonly length: number;
  private readonly terminator: number | undefined;

  constructor(options: FixedLengthDecoderOptions) {
    const { length, terminator } = options;
    if (!Number.isInteger(length) || length < 1) {
      throw new RangeError(`length must be a positive integer, got ${length}`);
    }
    if (terminator !== undefined && (!Number.isInteger(terminator) || terminator < 0 || terminator > 0xff)) {
      throw new RangeError(`terminator must be a byte value 0..255, got ${terminator}`);
    }
    // Room for two messages, so dropping bytes one at a time does not shift on every byte.
    super(2 * length);
    this.length = length;
    this.terminator = terminator;
  }

  reset(): void {
    this.stats.discardedBytes += this.dropPending();
  }

  protected bytesWanted(): number {
    return this.length - this.buffered;
  }

  /** Decodes src[from, to) into `out`; returns where the unfinished part begins. */
  protected scan(src: Uint8Array, from: number, to: number, out: Buffer[]): number {
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
}
