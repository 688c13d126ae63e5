import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { type Io, nodeIo } from '../../../src/storage/commit-layer/io.ts';

/** Deterministic bytes: `n` of them from `seed`. */
export function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

/** The reference a CommittedFile must behave like: a plain growable byte array. */
export class ModelFile {
  data: Uint8Array;
  constructor(data: Uint8Array) {
    this.data = data.slice();
  }
  write(pos: number, b: Uint8Array): void {
    if (pos + b.length > this.data.length) this.resize(pos + b.length);
    this.data.set(b, pos);
  }
  truncate(n: number): void {
    this.resize(n);
  }
  private resize(n: number): void {
    const d = new Uint8Array(n);
    d.set(this.data.subarray(0, Math.min(n, this.data.length)));
    this.data = d;
  }
}

export function createFile(path: string, content: Uint8Array): number {
  writeFileSync(path, content);
  return openSync(path, 'r+');
}

export function disk(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed by the code under test
  }
}

/**
 * An Io that dies like a killed process: `crash()` (or the `at`-th operation, a write of which
 * first writes half its bytes) makes this and every later operation throw without doing anything.
 */
export class CrashingIo implements Io {
  ops = 0;
  dead = false;
  private at = Number.POSITIVE_INFINITY;
  /** Dies at the `k`-th operation from now (0: the next one). */
  arm(k: number): void {
    this.at = this.ops + k;
  }
  crash(): never {
    this.dead = true;
    throw new Error('killed');
  }
  private tick(): void {
    if (this.dead) throw new Error('killed');
    if (this.ops++ === this.at) this.crash();
  }
  open: Io['open'] = (p, f) => (this.tick(), nodeIo.open(p, f));
  close: Io['close'] = (fd) => (this.tick(), nodeIo.close(fd));
  read: Io['read'] = (fd, b, o, l, p) => (this.tick(), nodeIo.read(fd, b, o, l, p));
  write: Io['write'] = (fd, b, o, l, p) => {
    if (!this.dead && this.ops === this.at && l > 1) {
      // A write torn by the kill: half of it reached the file.
      nodeIo.write(fd, b, o, l >> 1, p);
    }
    this.tick();
    return nodeIo.write(fd, b, o, l, p);
  };
  size: Io['size'] = (fd) => (this.tick(), nodeIo.size(fd));
  truncate: Io['truncate'] = (fd, n) => (this.tick(), nodeIo.truncate(fd, n));
  fsync: Io['fsync'] = (fd) => (this.tick(), nodeIo.fsync(fd));
  exists: Io['exists'] = (p) => (this.tick(), nodeIo.exists(p));
  unlink: Io['unlink'] = (p) => (this.tick(), nodeIo.unlink(p));
  syncDir: Io['syncDir'] = (d) => (this.tick(), nodeIo.syncDir(d));
}
