/**
 * Splits a byte stream into text lines: the ASCII control channel of the patchrig devices
 * (LF, CR before LF ignored, ≤ 256 bytes; device-protocols.md §9.1) and CR-terminated replies
 * such as Scientifica's (`{ delimiter: 0x0D, stripCR: false }`).
 */
import { Buffer } from 'node:buffer';
import { createFramerStats } from './framer.ts';
import type { Framer, FramerStats } from './framer.ts';

const CR = 0x0d;

export interface LineDecoderOptions {
  /** Byte that ends a line. Default 0x0A (LF). */
  delimiter?: number;
  /** Drop a CR right before the delimiter. Default true. */
  stripCR?: boolean;
  /** Longest acceptable line in bytes, delimiter (and CR) included. Default 256. */
  maxLength?: number;
}

/**
 * Emits each line without its delimiter, decoded as latin1 (so any byte maps to one character
 * and nothing throws). Empty lines are emitted as "" — whether they mean anything is the codec's
 * call. A line longer than `maxLength` is discarded up to and including its delimiter, never
 * emitted truncated: a cut line could parse as a different, valid reply.
 *
 * `stats.errors.overlong` counts discarded lines; `discardedBytes` counts their bytes and the
 * partial lines dropped by `reset()`.
 */
export class LineDecoder implements Framer<string> {
  readonly stats: FramerStats = createFramerStats(['overlong']);
  private readonly delimiter: number;
  private readonly stripCR: boolean;
  private readonly maxLength: number;
  /** The start of the current line, when it began in an earlier chunk. */
  private readonly partial: Buffer;
  private partialLength = 0;
  /** True while skipping the rest of an overlong line, up to its delimiter. */
  private skipping = false;

  constructor(options: LineDecoderOptions = {}) {
    const { delimiter = 0x0a, stripCR = true, maxLength = 256 } = options;
    if (!Number.isInteger(delimiter) || delimiter < 0 || delimiter > 0xff) {
      throw new RangeError(`delimiter must be a byte value 0..255, got ${delimiter}`);
    }
    if (!Number.isInteger(maxLength) || maxLength < 1) {
      throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
    }
    this.delimiter = delimiter;
    this.stripCR = stripCR;
    this.maxLength = maxLength;
    // A line that fits has at most maxLength - 1 bytes before its delimiter.
    this.partial = Buffer.alloc(maxLength - 1);
  }

  push(chunk: Uint8Array): string[] {
    const out: string[] = [];
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    while (pos < bytes.length) {
      const found = bytes.indexOf(this.delimiter, pos);
      const segmentEnd = found === -1 ? bytes.length : found;
      const terminated = found !== -1;
      const segmentLength = segmentEnd - pos;

      if (this.skipping) {
        this.stats.discardedBytes += segmentLength + (terminated ? 1 : 0);
        if (terminated) this.skipping = false;
      } else if (this.partialLength + segmentLength >= this.maxLength) {
        // Even with nothing but the delimiter to come, this line is too long.
        this.stats.errors.overlong = (this.stats.errors.overlong ?? 0) + 1;
        this.stats.discardedBytes += this.partialLength + segmentLength + (terminated ? 1 : 0);
        this.partialLength = 0;
        this.skipping = !terminated;
      } else if (!terminated) {
        bytes.copy(this.partial, this.partialLength, pos, segmentEnd);
        this.partialLength += segmentLength;
      } else if (this.partialLength === 0) {
        out.push(this.decode(bytes, pos, segmentEnd));
      } else {
        bytes.copy(this.partial, this.partialLength, pos, segmentEnd);
        out.push(this.decode(this.partial, 0, this.partialLength + segmentLength));
        this.partialLength = 0;
      }

      if (!terminated) break;
      pos = found + 1;
    }
    this.stats.messages += out.length;
    return out;
  }

  reset(): void {
    this.stats.discardedBytes += this.partialLength;
    this.partialLength = 0;
    // An overlong line being skipped is forgotten too: the next byte starts a fresh line.
    this.skipping = false;
  }

  private decode(source: Buffer, start: number, end: number): string {
    const last = end > start && this.stripCR && source[end - 1] === CR ? end - 1 : end;
    return source.toString('latin1', start, last);
  }
}
