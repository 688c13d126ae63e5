import fs, { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCommitted } from '../../../src/storage/commit-layer/interposer.ts';

const root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'interposer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// What h5wasm's Emscripten file system does: calls through the CommonJS `fs` object at call time.
const cjs = fs;

describe('the interposer routes I/O on the CommonJS fs object through a CommittedFile', () => {
  it('the opened descriptor writes to the overlay, reads and fstat see it, the disk changes on commit only', () => {
    const path = join(root, 'a.bin');
    writeFileSync(path, Buffer.from('0123456789'));
    const { value: fd, file } = openCommitted(path, () => cjs.openSync(path, 'r+'));
    expect(file.fd).toBe(fd);
    cjs.writeSync(fd, Buffer.from('abc'), 0, 3, 2);
    cjs.writeSync(fd, Buffer.from('XYZ'), 0, 3, 9);
    const back = Buffer.alloc(20);
    expect(cjs.readSync(fd, back, 0, 20, 0)).toBe(12);
    expect(back.subarray(0, 12).toString()).toBe('01abc5678XYZ');
    expect(cjs.fstatSync(fd).size).toBe(12);
    // Below the old end nothing reached the disk; past it the new bytes did.
    expect(readFileSync(path).toString()).toBe('0123456789YZ');
    cjs.ftruncateSync(fd, 5);
    expect(cjs.fstatSync(fd).size).toBe(5);
    file.commit();
    expect(readFileSync(path).toString()).toBe('01abc');
    // Closing commits what came since, then closes.
    cjs.writeSync(fd, Buffer.from('!'), 0, 1, 0);
    cjs.closeSync(fd);
    expect(readFileSync(path).toString()).toBe('!1abc');
  });

  it('other descriptors pass straight through', () => {
    const path = join(root, 'b.bin');
    writeFileSync(path, Buffer.from('0123'));
    const fd = cjs.openSync(path, 'r+');
    cjs.writeSync(fd, Buffer.from('ab'), 0, 2, 0);
    cjs.closeSync(fd);
    expect(readFileSync(path).toString()).toBe('ab23');
  });

  it('refuses to go on when the open did not pass through it, rather than write unprotected', () => {
    const path = join(root, 'c.bin');
    writeFileSync(path, '');
    expect(() => openCommitted(path, () => 42)).toThrow(/did not see .*c\.bin being opened/);
  });

  it('refuses a second descriptor on the file while it is being opened', () => {
    const path = join(root, 'd.bin');
    writeFileSync(path, '');
    expect(() =>
      openCommitted(path, () => {
        cjs.openSync(path, 'r+');
        return cjs.openSync(path, 'r');
      }),
    ).toThrow(/one descriptor per file/);
  });
});
