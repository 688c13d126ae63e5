import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CommitError, type CommitStep, CommittedFile } from '../../../src/storage/commit-layer/committed-file.ts';
import { type Io, nodeIo } from '../../../src/storage/commit-layer/io.ts';
import { encodeJournal, journalPathOf } from '../../../src/storage/commit-layer/journal.ts';
import { recoverFile } from '../../../src/storage/commit-layer/recover.ts';
import { CrashingIo, ModelFile, bytes, closeQuietly, createFile, disk } from './fixtures.ts';

// tmpfs when there is one: the tests fsync a lot, which is not what they are about.
const root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'commit-layer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
let path: string;
beforeEach(() => {
  path = join(root, `f${n++}.bin`);
});

const OLD = bytes(4096, 7);

/** Opens a file holding OLD through a CommittedFile, with a model beside it. */
function open(io: Io = nodeIo): { f: CommittedFile; model: ModelFile } {
  const fd = createFile(path, OLD);
  return { f: new CommittedFile(io, fd, path), model: new ModelFile(OLD) };
}

function write(f: CommittedFile, model: ModelFile, pos: number, b: Uint8Array): void {
  expect(f.write(b, 0, b.length, pos)).toBe(b.length);
  model.write(pos, b);
}

function readAll(f: CommittedFile): Uint8Array {
  const buf = new Uint8Array(f.size + 100);
  const got = f.read(buf, 0, buf.length, 0);
  return buf.subarray(0, got);
}

/** In-place rewrites, a write straddling the old end, and an append after a hole. */
function typicalChanges(f: CommittedFile, model: ModelFile): void {
  write(f, model, 100, bytes(100, 1));
  write(f, model, 3000, bytes(100, 2));
  write(f, model, 4000, bytes(200, 3));
  write(f, model, 5000, bytes(100, 4));
  write(f, model, 0, bytes(48, 5));
}

describe('CommittedFile keeps the disk at its last commit between commits', () => {
  it('writes below the committed length stay in memory, yet reads see them', () => {
    const { f, model } = open();
    write(f, model, 10, bytes(20, 1));
    expect(disk(path)).toEqual(OLD);
    expect(readAll(f)).toEqual(model.data);
    // A read of a few bytes across the overlay's edge.
    const b = new Uint8Array(4);
    f.read(b, 0, 4, 28);
    expect(b).toEqual(model.data.subarray(28, 32));
    closeQuietly(f.fd);
  });

  it('a write straddling the committed length splits: the old part to memory, the new part to disk', () => {
    const { f, model } = open();
    write(f, model, 4000, bytes(200, 3));
    const d = disk(path);
    expect(d.length).toBe(4200);
    expect(d.subarray(0, 4096)).toEqual(OLD);
    expect(d.subarray(4096)).toEqual(model.data.subarray(4096));
    expect(f.size).toBe(4200);
    expect(readAll(f)).toEqual(model.data);
    closeQuietly(f.fd);
  });

  it('reads stop at the length the writer sees, and a hole reads as zeros', () => {
    const { f, model } = open();
    write(f, model, 6000, bytes(10, 9));
    const b = new Uint8Array(100).fill(0xee);
    expect(f.read(b, 0, 100, 5990)).toBe(20);
    expect([...b.subarray(0, 10)]).toEqual(new Array<number>(10).fill(0));
    expect(f.read(b, 0, 10, 7000)).toBe(0);
    closeQuietly(f.fd);
  });

  it('shrinking into the committed region waits for the commit, and regrown bytes read as zeros', () => {
    const { f, model } = open();
    f.truncate(1000);
    model.truncate(1000);
    expect(f.size).toBe(1000);
    expect(disk(path)).toEqual(OLD);
    write(f, model, 1500, bytes(10, 2));
    expect(readAll(f)).toEqual(model.data);
    f.commit();
    expect(disk(path)).toEqual(model.data);
    closeQuietly(f.fd);
  });

  it('a commit makes the disk what the writer wrote and removes its journal', () => {
    const { f, model } = open();
    typicalChanges(f, model);
    const stats = f.commit();
    expect(disk(path)).toEqual(model.data);
    expect(existsSync(journalPathOf(path))).toBe(false);
    expect(stats.inPlaceBytes).toBe(48 + 100 + 100 + 96);
    expect(stats.journalBytes).toBeGreaterThan(stats.inPlaceBytes);
    // The next round starts from the new commit.
    const first = model.data.slice();
    write(f, model, 200, bytes(5, 6));
    expect(disk(path)).toEqual(first);
    f.commit();
    expect(disk(path)).toEqual(model.data);
    closeQuietly(f.fd);
  });

  it('a commit that only appended writes no journal', () => {
    const { f, model } = open();
    write(f, model, 4096, bytes(1000, 1));
    expect(f.commit()).toEqual({ inPlaceBytes: 0, journalBytes: 0 });
    expect(disk(path)).toEqual(model.data);
    closeQuietly(f.fd);
  });

  it('matches a plain file through a long random mix of writes, truncations, reads and commits', () => {
    const { f, model } = open();
    let s = 12345;
    const rnd = (k: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % k;
    };
    for (let i = 0; i < 400; i++) {
      const r = rnd(20);
      if (r < 12) write(f, model, rnd(model.data.length + 300), bytes(1 + rnd(300), i));
      else if (r < 14) {
        const len = rnd(model.data.length + 100);
        f.truncate(len);
        model.truncate(len);
      } else if (r < 17) {
        expect(readAll(f), `step ${i}`).toEqual(model.data);
      } else {
        f.commit();
        expect(disk(path), `commit at step ${i}`).toEqual(model.data);
      }
    }
    closeQuietly(f.fd);
  });
});

describe('a crash during a commit leaves, after recovery, exactly the old or the new file', () => {
  /** After `crashBefore` (or a crash at Io operation `atOp`), recovery gives the old or the new bytes. */
  function crashAndRecover(crash: { step: CommitStep } | { atOp: number }): 'old' | 'new' {
    const io = new CrashingIo();
    const { f, model } = open(io);
    typicalChanges(f, model);
    if ('step' in crash) {
      f.beforeStep = (s) => {
        if (s === crash.step) io.crash();
      };
    } else {
      io.arm(crash.atOp);
    }
    expect(() => f.commit()).toThrow();
    closeQuietly(f.fd);
    recoverFile(path);
    expect(existsSync(journalPathOf(path))).toBe(false);
    const d = disk(path);
    // The old file may carry appended bytes past its end: HDF5 ignores them.
    if (d.length >= OLD.length && Buffer.from(d.subarray(0, OLD.length)).equals(OLD)) return 'old';
    expect(d, 'neither the old nor the new file').toEqual(model.data);
    return 'new';
  }

  it.each([
    ['sync-data', 'old'],
    ['write-journal', 'old'],
    ['sync-dir', 'new'],
    ['apply', 'new'],
    ['sync-apply', 'new'],
    ['remove-journal', 'new'],
  ] as const)('killed before step %s → %s', (step, expected) => {
    expect(crashAndRecover({ step })).toBe(expected);
  });

  it('killed at every single file operation of a commit (writes torn in half) → old before the journal is complete, new after', () => {
    // How many operations a commit makes.
    const probe = new CrashingIo();
    const { f, model } = open(probe);
    typicalChanges(f, model);
    const before = probe.ops;
    f.commit();
    const total = probe.ops - before;
    closeQuietly(f.fd);
    const outcomes = Array.from({ length: total }, (_, k) => crashAndRecover({ atOp: k }));
    // Old up to some operation, new from then on: never back and forth, never a mix.
    const firstNew = outcomes.indexOf('new');
    expect(firstNew).toBeGreaterThan(0);
    expect(outcomes.slice(0, firstNew).every((o) => o === 'old')).toBe(true);
    expect(outcomes.slice(firstNew).every((o) => o === 'new')).toBe(true);
  });
});

describe('recovery', () => {
  it('replays a complete journal, idempotently, and removes it', () => {
    writeFileSync(path, OLD);
    const j = { length: 4000, records: [{ start: 10, bytes: bytes(30, 3) }] };
    const expected = new ModelFile(OLD);
    expected.write(10, j.records[0]!.bytes);
    expected.truncate(4000);
    // Once as if the crash came after part of the apply, once more from the start.
    writeFileSync(journalPathOf(path), encodeJournal(j));
    expect(recoverFile(path)).toEqual({ outcome: 'replayed', records: 1 });
    writeFileSync(journalPathOf(path), encodeJournal(j));
    expect(recoverFile(path)).toEqual({ outcome: 'replayed', records: 1 });
    expect(disk(path)).toEqual(expected.data);
    expect(existsSync(journalPathOf(path))).toBe(false);
    expect(recoverFile(path)).toEqual({ outcome: 'clean' });
  });

  it('discards a torn journal and leaves the file untouched', () => {
    writeFileSync(path, OLD);
    const full = encodeJournal({ length: 4096, records: [{ start: 0, bytes: bytes(500, 3) }] });
    writeFileSync(journalPathOf(path), full.subarray(0, full.length - 1));
    expect(recoverFile(path)).toMatchObject({ outcome: 'discarded' });
    expect(disk(path)).toEqual(OLD);
    expect(existsSync(journalPathOf(path))).toBe(false);
  });

  it('refuses a journal that describes a longer file than the one beside it, and keeps both', () => {
    writeFileSync(path, OLD);
    writeFileSync(journalPathOf(path), encodeJournal({ length: 9999, records: [] }));
    expect(() => recoverFile(path)).toThrow(/9999-byte file, the file has 4096 bytes/);
    expect(disk(path)).toEqual(OLD);
    expect(existsSync(journalPathOf(path))).toBe(true);
  });
});

describe('a failing disk during a commit surfaces as that error', () => {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

  it('ENOSPC while writing the journal: the error names it, the file stays at the previous commit, no journal is left', () => {
    let full = false;
    const io: Io = {
      ...nodeIo,
      write: (fd, b, o, l, p) => {
        if (full) {
          nodeIo.write(fd, b, o, l >> 1, p);
          throw enospc();
        }
        return nodeIo.write(fd, b, o, l, p);
      },
    };
    const { f, model } = open(io);
    typicalChanges(f, model);
    f.beforeStep = (s) => {
      full = s === 'write-journal';
    };
    let err: unknown;
    try {
      f.commit();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CommitError);
    expect((err as CommitError).message).toMatch(/^ENOSPC: no space left on device.*step write-journal: the file stays as of its previous commit/);
    expect((err as CommitError).code).toBe('ENOSPC');
    expect((err as CommitError).decided).toBe(false);
    expect(existsSync(journalPathOf(path))).toBe(false);
    expect(disk(path).subarray(0, OLD.length)).toEqual(OLD);
    // The file refuses further commits with the same error.
    full = false;
    f.beforeStep = undefined;
    expect(() => f.commit()).toThrow(err as Error);
    closeQuietly(f.fd);
  });

  it('an error while applying in place says the commit completes on the next open, which it does', () => {
    let failing = false;
    const io: Io = { ...nodeIo, write: (fd, b, o, l, p) => (failing ? (() => { throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }); })() : nodeIo.write(fd, b, o, l, p)) };
    const { f, model } = open(io);
    typicalChanges(f, model);
    f.beforeStep = (s) => {
      failing = s === 'apply';
    };
    expect(() => f.commit()).toThrow(/^EIO: i\/o error, write.*step apply: its journal is complete, so the next open of the file completes this commit/);
    closeQuietly(f.fd);
    expect(recoverFile(path)).toMatchObject({ outcome: 'replayed' });
    expect(disk(path)).toEqual(model.data);
  });
});
