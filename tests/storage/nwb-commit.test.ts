import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalPathOf } from '../../src/storage/commit-layer/journal.ts';
import { NwbError } from '../../src/storage/errors.ts';
import { readNwb } from '../../src/storage/reader.ts';
import { recoverNwbFile } from '../../src/storage/recover.ts';
import { NwbWriter, type WriterThread } from '../../src/storage/writer.ts';
import { hasValidator, validate } from '../nwb/validator.ts';
import { makeSweep, writerOptions } from './make-sweeps.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwb-commit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const shape = { headstages: 2, samples: 2000, rate: 50_000 };
const ENOSPC = 'ENOSPC: no space left on device';
const threads: WriterThread[] = ['inline', 'worker'];

async function failedAppend(w: NwbWriter, index: number): Promise<NwbError> {
  const e = await w.append(makeSweep(index, shape)).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(NwbError);
  return e as NwbError;
}

async function expectValid(file: string, sweeps: number[]): Promise<void> {
  if (!hasValidator()) {
    if (process.env.CI) throw new Error('the hdmf validator (/usr/bin/python3 with python3-hdmf) is required in CI');
    console.warn('skipping the validation of the recovered file: no hdmf validator');
    return;
  }
  const [v] = await validate([file], { cached: false });
  expect(v?.open_error).toBeNull();
  expect(v?.errors).toEqual([]);
  expect(v?.check_errors).toEqual([]);
  expect(v?.sweeps).toEqual(sweeps);
}

describe('the NWB writer commits every sweep through the commit layer', () => {
  it.each(threads)('%s writer: until a sweep is committed, the bytes on disk are those of the previous commit; a failing journal write stops the writer with that error and the file stays at the previous commit', { timeout: 120_000 }, async (thread) => {
    const file = join(dir, `journal-${thread}.nwb`);
    const w = await NwbWriter.create(file, writerOptions(2, { thread, faultInjector: [{ op: 'commit', pathEndsWith: '#write-journal', fromSweep: 3, message: ENOSPC }] }));
    for (let i = 0; i < 3; i++) await w.append(makeSweep(i, shape));
    const committed = await readFile(file);
    const e = await failedAppend(w, 3);
    expect(e.code).toBe('NWB_WRITE_FAILED');
    expect(e.message).toMatch(new RegExp(`^writing sweep 3 to ${file} failed: ${ENOSPC} \\(committing ${file}, step write-journal: the file stays as of its previous commit\\); the file keeps the 3 sweep\\(s\\) written before`));
    await w.close();
    // HDF5 wrote and flushed all of sweep 3, over the old metadata too: none of it reached the
    // committed bytes (what lies past them is ignored by HDF5).
    const now = await readFile(file);
    expect(now.subarray(0, committed.length).equals(committed)).toBe(true);
    expect(existsSync(journalPathOf(file))).toBe(false);
    expect(recoverNwbFile(file)).toEqual({ outcome: 'clean' });
    await expectValid(file, [0, 1, 2]);
    // In this process too: the abandoned handle of an in-thread writer left nothing behind.
    expect((await readNwb(file)).sweeps.map((s) => s.index)).toEqual([0, 1, 2]);
  });

  it.each(threads)('%s writer: a failure after the journal is complete says so, and the next open completes the commit', { timeout: 120_000 }, async (thread) => {
    const file = join(dir, `apply-${thread}.nwb`);
    const w = await NwbWriter.create(file, writerOptions(2, { thread, faultInjector: [{ op: 'commit', pathEndsWith: '#apply', fromSweep: 2, message: 'EIO: i/o error' }] }));
    for (let i = 0; i < 2; i++) await w.append(makeSweep(i, shape));
    const e = await failedAppend(w, 2);
    expect(e.message).toMatch(/EIO: i\/o error \(committing .*, step apply: its journal is complete, so the next open of the file completes this commit\)/);
    await w.close();
    expect(existsSync(journalPathOf(file))).toBe(true);
    // readNwb recovers first, as every patchrig open does.
    expect((await readNwb(file)).sweeps.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(existsSync(journalPathOf(file))).toBe(false);
    await expectValid(file, [0, 1, 2]);
  });

  it('recovery keeps out of a file this process is still writing, and a new file drops a stale journal of its name', { timeout: 120_000 }, async () => {
    const file = join(dir, 'busy.nwb');
    await import('node:fs/promises').then((fs) => fs.writeFile(journalPathOf(file), 'left by a writer killed long ago'));
    const w = await NwbWriter.create(file, writerOptions(2, { overwrite: true }));
    expect(existsSync(journalPathOf(file))).toBe(false);
    await w.append(makeSweep(0, shape));
    expect(recoverNwbFile(file)).toEqual({ outcome: 'writing' });
    await w.close();
    expect(recoverNwbFile(file)).toEqual({ outcome: 'clean' });
  });
});
