/**
 * Bytes written over a file's committed region and not yet committed: sorted, disjoint,
 * non-adjacent extents (adjacent and overlapping writes are merged, so HDF5's many small metadata
 * writes end up as few records).
 */
export interface Extent {
  start: number;
  bytes: Uint8Array;
}

const endOf = (e: Extent): number => e.start + e.bytes.length;

export class Overlay {
  private list: Extent[] = [];

  /** Number of bytes held. */
  get byteLength(): number {
    return this.list.reduce((n, e) => n + e.bytes.length, 0);
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** The extents, in file order (do not modify). */
  extents(): readonly Extent[] {
    return this.list;
  }

  clear(): void {
    this.list = [];
  }

  /** Index of the first extent that ends at or after `pos` (so may touch a write starting at `pos`). */
  private firstReaching(pos: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (endOf(this.list[mid] as Extent) < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Records `bytes` at `pos` (copied). */
  write(pos: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const end = pos + bytes.length;
    const i = this.firstReaching(pos);
    const first = this.list[i];
    // The common case for rewritten metadata: entirely inside one extent.
    if (first && first.start <= pos && end <= endOf(first)) {
      first.bytes.set(bytes, pos - first.start);
      return;
    }
    let j = i;
    while (j < this.list.length && (this.list[j] as Extent).start <= end) j++;
    const merged = this.list.slice(i, j);
    const start = Math.min(pos, merged[0]?.start ?? pos);
    const stop = Math.max(end, merged.length > 0 ? endOf(merged[merged.length - 1] as Extent) : end);
    const out = new Uint8Array(stop - start);
    for (const e of merged) out.set(e.bytes, e.start - start);
    out.set(bytes, pos - start);
    this.list.splice(i, j - i, { start, bytes: out });
  }

  /** Overwrites the part of `target` (the file's bytes from `pos`) that the overlay holds. */
  readInto(pos: number, target: Uint8Array): void {
    const end = pos + target.length;
    for (let i = this.firstReaching(pos); i < this.list.length; i++) {
      const e = this.list[i] as Extent;
      if (e.start >= end) break;
      const from = Math.max(pos, e.start);
      const to = Math.min(end, endOf(e));
      if (to > from) target.set(e.bytes.subarray(from - e.start, to - e.start), from - pos);
    }
  }
}
