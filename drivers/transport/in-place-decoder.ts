import type { Framer, FramerStats } from './framer.ts';

/**
 * The buffering both resynchronising decoders share: a chunk is decoded where it lies, and only an
 * unfinished candidate is kept — in a buffer that grows to one message at most. When bytes are
 * pending, a new chunk tops them up just enough to settle that candidate, so a large chunk is never
 * copied wholesale behind a small remainder. Subclasses say how to scan and how much a pending
 * candidate still needs.
 */
export abstract class InPlaceDecoder<T> implements Framer<T> {
  abstract readonly stats: FramerStats;
  protected buf: Uint8Array;
  private start = 0;
  private end = 0;

  protected constructor(initialCapacity: number) {
    this.buf = new Uint8Array(initialCapacity);
  }

  /** Bytes held while waiting for the rest of a candidate. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** The pending bytes (for subclasses that must look into the candidate, e.g. its length field). */
  protected pending(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  push(chunk: Uint8Array): T[] {
    const out: T[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.start === this.end) {
        // Nothing pending: decode in place and keep only the unfinished tail.
        const used = this.scan(chunk, pos, chunk.length, out);
        this.start = 0;
        this.end = 0;
        this.append(chunk, used, chunk.length);
        break;
      }
      const take = Math.min(this.bytesWanted(), chunk.length - pos);
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

  /** Drops the pending candidate; returns how many bytes it held. */
  protected dropPending(): number {
    const n = this.end - this.start;
    this.start = 0;
    this.end = 0;
    return n;
  }

  abstract reset(): void;

  /** How many more bytes the pending candidate needs before a decision can be made (≥ 1). */
  protected abstract bytesWanted(): number;

  /** Decodes src[from, to) into `out`; returns where the unfinished part begins. */
  protected abstract scan(src: Uint8Array, from: number, to: number, out: T[]): number;

  private append(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    if (this.end + n > this.buf.length) {
      const held = this.end - this.start;
      if (held + n > this.buf.length) {
        const grown = new Uint8Array(Math.max(held + n, this.buf.length * 2));
        grown.set(this.buf.subarray(this.start, this.end));
        this.buf = grown;
      } else {
        this.buf.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = held;
    }
    this.buf.set(src.subarray(from, to), this.end);
    this.end += n;
  }
}
