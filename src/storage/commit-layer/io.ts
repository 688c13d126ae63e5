import { closeSync, constants, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

/**
 * The file operations the commit layer needs, as one interface so that tests can make any of them
 * fail. `nodeIo` binds Node's functions as they were when this module was evaluated: ESM named
 * imports of node:fs are a snapshot, so the interposer's patches of the `fs` object (interposer.ts)
 * never route the layer's own I/O back into itself.
 */
export interface Io {
  open(path: string, flags: 'r' | 'r+' | 'w'): number;
  close(fd: number): void;
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  size(fd: number): number;
  truncate(fd: number, length: number): void;
  fsync(fd: number): void;
  exists(path: string): boolean;
  unlink(path: string): void;
  /** Makes creations, renames and removals in `dir` durable. */
  syncDir(dir: string): void;
}

export const nodeIo: Io = {
  open: (path, flags) => openSync(path, flags),
  close: (fd) => closeSync(fd),
  read: (fd, buf, offset, length, position) => readSync(fd, buf, offset, length, position),
  write: (fd, buf, offset, length, position) => writeSync(fd, buf, offset, length, position),
  size: (fd) => fstatSync(fd).size,
  truncate: (fd, length) => ftruncateSync(fd, length),
  fsync: (fd) => fsyncSync(fd),
  exists: (path) => existsSync(path),
  unlink: (path) => unlinkSync(path),
  syncDir: (dir) => {
    const fd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
};

/** Writes all `length` bytes (writeSync may write fewer). */
export function writeAll(io: Io, fd: number, buf: Uint8Array, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = io.write(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) throw Object.assign(new Error(`EIO: short write at byte ${position + done}`), { code: 'EIO' });
    done += n;
  }
}

/** Reads up to `length` bytes, stopping early only at the end of the file; returns the count. */
export function readUpTo(io: Io, fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = io.read(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}
