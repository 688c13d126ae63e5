import fs from 'node:fs';
import { resolve } from 'node:path';
import { CommittedFile } from './committed-file.ts';
import { nodeIo } from './io.ts';

/**
 * Puts the commit layer under HDF5. h5wasm's Node build (Emscripten NODERAWFS) does
 * `var fs = require("fs")` and calls `fs.openSync`, `readSync`, `writeSync`, `fstatSync`,
 * `ftruncateSync`, `closeSync` through that object whenever HDF5 does I/O; replacing those
 * properties on the CommonJS `fs` object (the default export of node:fs) in the thread that runs
 * h5wasm routes the I/O of the files we open with `openCommitted` through a CommittedFile.
 * Every other descriptor goes straight to Node's functions.
 */

type AnyFn = (...args: unknown[]) => unknown;
const target = fs as unknown as Record<string, AnyFn>;
const PATCHED = ['openSync', 'closeSync', 'readSync', 'writeSync', 'fstatSync', 'ftruncateSync'] as const;
type Patched = (typeof PATCHED)[number];

/** Paths being opened by `openCommitted`, and the file each open produced. */
const watching = new Map<string, { file?: CommittedFile }>();
const tracked = new Map<number, CommittedFile>();
let original: Record<Patched, AnyFn> | undefined;

function bytesOf(buf: unknown): Uint8Array {
  if (!ArrayBuffer.isView(buf)) throw Object.assign(new Error('the commit layer handles binary buffers only'), { code: 'EINVAL' });
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The positional form (fd, buffer, offset, length, position) Emscripten uses; anything else is refused. */
function positional(args: unknown[]): { buf: Uint8Array; offset: number; length: number; position: number } {
  const [, buf, offset, length, position] = args;
  if (typeof offset !== 'number' || typeof length !== 'number' || (typeof position !== 'number' && typeof position !== 'bigint')) {
    throw Object.assign(new Error('the commit layer needs positioned reads and writes'), { code: 'EINVAL' });
  }
  return { buf: bytesOf(buf), offset, length, position: Number(position) };
}

function patches(o: Record<Patched, AnyFn>): Record<Patched, AnyFn> {
  return {
    openSync(...args) {
      const fd = o.openSync(...args) as number;
      const [path] = args;
      const w = watching.size > 0 && typeof path === 'string' ? watching.get(resolve(path)) : undefined;
      if (w) {
        if (w.file) {
          // A second descriptor would read the disk without the overlay.
          o.closeSync(fd);
          throw Object.assign(new Error(`the commit layer allows one descriptor per file (${String(path)})`), { code: 'EBUSY' });
        }
        w.file = new CommittedFile(nodeIo, fd, resolve(path as string));
        tracked.set(fd, w.file);
      }
      return fd;
    },
    closeSync(...args) {
      const f = tracked.get(args[0] as number);
      if (!f) return o.closeSync(...args);
      tracked.delete(f.fd);
      f.close();
      return undefined;
    },
    readSync(...args) {
      const f = tracked.get(args[0] as number);
      if (!f) return o.readSync(...args);
      const p = positional(args);
      return f.read(p.buf, p.offset, p.length, p.position);
    },
    writeSync(...args) {
      const f = tracked.get(args[0] as number);
      if (!f) return o.writeSync(...args);
      const p = positional(args);
      return f.write(p.buf, p.offset, p.length, p.position);
    },
    fstatSync(...args) {
      const st = o.fstatSync(...args) as { size: number | bigint };
      const f = tracked.get(args[0] as number);
      if (f) st.size = typeof st.size === 'bigint' ? BigInt(f.size) : f.size;
      return st;
    },
    ftruncateSync(...args) {
      const f = tracked.get(args[0] as number);
      if (!f) return o.ftruncateSync(...args);
      f.truncate(typeof args[1] === 'number' ? args[1] : 0);
      return undefined;
    },
  };
}

/** Installs the interposer in this thread (idempotent). */
export function installCommitLayer(): void {
  if (original) return;
  const o = Object.fromEntries(PATCHED.map((k) => [k, target[k] as AnyFn])) as Record<Patched, AnyFn>;
  original = o;
  Object.assign(target, patches(o));
}

/**
 * Runs `open`, which must open `path` through Node's `fs` exactly once (h5wasm's `new File`), and
 * returns what it returned with the CommittedFile now carrying that file's I/O. Throws if the
 * open did not pass through the layer: writing without it would silently lose crash safety.
 */
export function openCommitted<T>(path: string, open: () => T): { value: T; file: CommittedFile } {
  installCommitLayer();
  const key = resolve(path);
  if (watching.has(key)) throw new Error(`${key} is already being opened through the commit layer`);
  const slot: { file?: CommittedFile } = {};
  watching.set(key, slot);
  let value: T;
  try {
    value = open();
  } finally {
    watching.delete(key);
  }
  if (!slot.file) throw new Error(`the commit layer did not see ${key} being opened: HDF5's file I/O no longer goes through Node's fs object`);
  return { value, file: slot.file };
}
