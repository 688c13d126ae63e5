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
const MAX_DELAY_MS = 1500;
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
  delayMs: number;
  reported: number[];
  finished: boolean;
}

/** Starts a writer child, kills it with SIGKILL `delayMs` after its file exists, returns what it reported. */
function runAndKill(file: string, delayMs: number): Promise<Kill> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['bin/run-ts.js', 'scripts/nwb-write-run.ts', file, '--sweeps', '400', '--headstages', '3', '--samples', '10000', '--interval-ms', '2', '--schema', SCHEMA_DIR, '--thread', THREAD],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!timer && out.includes('created\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
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
      resolvePromise({ file, delayMs, reported, finished: out.includes('closed\n') });
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
  it(`a writer killed with SIGKILL at ${KILLS} random moments leaves files that open, validate and hold every completed sweep`, { timeout: 240_000 }, async () => {
    if (!hasValidator()) throw new Error(VALIDATOR_REQUIRED);
    const random = rng(SEED);
    const kills: Kill[] = [];
    // Two children at a time: one per core.
    for (let k = 0; k < KILLS; k += 2) {
      const batch = [k, k + 1].filter((i) => i < KILLS).map((i) => runAndKill(join(dir, `crash-${i}.nwb`), Math.round(random() * MAX_DELAY_MS)));
      kills.push(...(await Promise.all(batch)));
    }
    expect(kills.filter((k) => k.finished)).toEqual([]);
    // Two validator processes, one per core; the cached-spec run is covered by validate.test.ts.
    const files = kills.map((k) => k.file);
    const half = Math.ceil(files.length / 2);
    const results = (await Promise.all([validate(files.slice(0, half), { cached: false }), validate(files.slice(half), { cached: false })])).flat();
    const summary = kills.map((k, i) => ({ delayMs: k.delayMs, reported: k.reported.length, inFile: results[i]?.sweeps.length }));
    console.log(`crash test (seed ${SEED}, ${THREAD} writer): ${JSON.stringify(summary)}`);
    kills.forEach((k, i) => {
      const v = results[i];
      expect(v?.open_error, k.file).toBeNull();
      expect(v?.errors, k.file).toEqual([]);
      expect(v?.check_errors, k.file).toEqual([]);
      // Every sweep reported durable is there; at most the one whose report the kill cut off is extra.
      const n = v?.sweeps.length ?? 0;
      expect(v?.sweeps).toEqual(Array.from({ length: n }, (_, j) => j));
      expect(n).toBeGreaterThanOrEqual(k.reported.length);
      expect(n).toBeLessThanOrEqual(k.reported.length + 1);
    });
    // Our reader reads them too, sample counts intact.
    const back = await readNwb(kills[kills.length - 1]?.file as string);
    expect(back.sweeps.every((s) => s.channels.every((c) => c.response.length === 10_000))).toBe(true);
    // Kills after creation leave no temporary file behind.
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});
