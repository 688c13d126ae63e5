import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNwb } from '../../src/storage/reader.ts';
import { REPO_ROOT, SCHEMA_DIR, VALIDATOR_REQUIRED, hasValidator, validate } from './validator.ts';

const skip = !hasValidator() && !process.env.CI;
if (skip) console.warn(`skipping the NWB crash test: ${VALIDATOR_REQUIRED}`);

const KILLS = 20;
/** The child rests this long after each flushed sweep (an inter-sweep interval)… */
const REST_MS = 400;
/** …and is killed within this much of a report, i.e. inside the rest. */
const MAX_DELAY_MS = 200;
/** Kills come after 0 to this many flushed sweeps. */
const MAX_SWEEPS = 6;
// A fixed seed keeps the kill moments reproducible; set NWB_CRASH_SEED to explore others.
const SEED = Number(process.env.NWB_CRASH_SEED ?? 20261125);
// The writer's thread in the child: the default in-thread writer (NWB_CRASH_THREAD=worker tries the
// worker writer, which left 1 of 20 files unreadable in two runs: not the default until explained).
const THREAD = process.env.NWB_CRASH_THREAD === 'worker' ? 'worker' : 'inline';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

interface Kill {
  file: string;
  /** Sweeps reported before the kill was armed. */
  after: number;
  delayMs: number;
  reported: number[];
  finished: boolean;
}

/**
 * Starts a writer child and kills it with SIGKILL `delayMs` after it reported `after` sweeps
 * flushed (0: after its file exists), that is, during the rest between two sweeps.
 */
function runAndKill(file: string, after: number, delayMs: number): Promise<Kill> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['bin/run-ts.js', 'scripts/nwb-write-run.ts', file, '--sweeps', '400', '--headstages', '3', '--samples', '10000', '--interval-ms', String(REST_MS), '--schema', SCHEMA_DIR, '--thread', THREAD],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const armed = after === 0 ? out.includes('created\n') : new RegExp(`^sweep ${after - 1}$`, 'm').test(out);
      if (!timer && armed) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) {
        reject(new Error(`writer child failed (${code}): ${err}`));
        return;
      }
      const reported = [...out.matchAll(/^sweep (\d+)$/gm)].map((m) => Number(m[1]));
      resolvePromise({ file, after, delayMs, reported, finished: out.includes('closed\n') });
    });
  });
}

let dir: string;
beforeAll(async () => {
  // tmpfs when there is one: a SIGKILL loses no page cache, and a busy shared disk would make
  // fsync (not what this test is about) dominate the run time.
  dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'nwb-crash-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.skipIf(skip)('crash safety of the NWB writer', () => {
  // Kills between sweeps only: a kill in the middle of writing a sweep can leave the file
  // unreadable (HDF5 evicts metadata that points past the last flush; seen in ≈ 1 of 20–60 such
  // kills), a limit this writer does not yet overcome — see the closing note of the session.
  it(`a writer killed with SIGKILL between sweeps at ${KILLS} random moments leaves files that open, validate and hold every completed sweep`, { timeout: 240_000 }, async () => {
    if (!hasValidator()) throw new Error(VALIDATOR_REQUIRED);
    const random = rng(SEED);
    const kills: Kill[] = [];
    // Two children at a time: one per core.
    for (let k = 0; k < KILLS; k += 2) {
      const batch = [k, k + 1]
        .filter((i) => i < KILLS)
        .map((i) => runAndKill(join(dir, `crash-${i}.nwb`), Math.floor(random() * (MAX_SWEEPS + 1)), Math.round(random() * MAX_DELAY_MS)));
      kills.push(...(await Promise.all(batch)));
    }
    expect(kills.filter((k) => k.finished)).toEqual([]);
    // Two validator processes, one per core; the cached-spec run is covered by validate.test.ts.
    const files = kills.map((k) => k.file);
    const half = Math.ceil(files.length / 2);
    const results = (await Promise.all([validate(files.slice(0, half), { cached: false }), validate(files.slice(half), { cached: false })])).flat();
    const summary = kills.map((k, i) => ({ after: k.after, delayMs: k.delayMs, reported: k.reported.length, inFile: results[i]?.sweeps.length }));
    console.log(`crash test (seed ${SEED}, ${THREAD} writer): ${JSON.stringify(summary)}`);
    kills.forEach((k, i) => {
      const v = results[i];
      expect(v?.open_error, k.file).toBeNull();
      expect(v?.errors, k.file).toEqual([]);
      expect(v?.check_errors, k.file).toEqual([]);
      // Killed during a rest: exactly the sweeps reported flushed are there.
      expect(k.reported.length, k.file).toBe(k.after);
      expect(v?.sweeps, k.file).toEqual(Array.from({ length: k.after }, (_, j) => j));
    });
    // Our reader reads them too, sample counts intact.
    const fullest = kills.reduce((a, b) => (b.after > a.after ? b : a));
    const back = await readNwb(fullest.file);
    expect(back.sweeps).toHaveLength(fullest.after);
    expect(back.sweeps.every((s) => s.channels.every((c) => c.response.length === 10_000))).toBe(true);
    // Kills after creation leave no temporary file behind.
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});
