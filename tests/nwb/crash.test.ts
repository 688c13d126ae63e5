import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNwb } from '../../src/storage/reader.ts';
import { type NwbRecovery, recoverNwbFile } from '../../src/storage/recover.ts';
import type { WriterThread } from '../../src/storage/writer.ts';
import { REPO_ROOT, VALIDATOR_REQUIRED, hasValidator, validate } from './validator.ts';

const skip = !hasValidator() && !process.env.CI;
if (skip) console.warn(`skipping the NWB crash test: ${VALIDATOR_REQUIRED}`);

/** Writer children, each killed once, each writing FILES_PER_CHILD files at once. */
const CHILDREN = 20;
const FILES_PER_CHILD = 1;
/** Each child's writers by file: in-thread and worker-thread writers alternate (children too). */
const threadsOf = (child: number): WriterThread[] => Array.from({ length: FILES_PER_CHILD }, (_, i) => ((child + i) % 2 === 0 ? 'inline' : 'worker'));
/** The child rests this long after each sweep: short, so that most kills land mid-sweep. */
const REST_MS = 20;
/** Kills land uniformly within this long after the child created its files. */
const WINDOW_MS = 3000;
// A fixed seed keeps the kill moments reproducible; set NWB_CRASH_SEED to explore others.
const SEED = Number(process.env.NWB_CRASH_SEED ?? 20261126);
/** Children at a time: one per core. */
const PARALLEL = 2;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

/** One file of a killed child. */
interface Killed {
  file: string;
  thread: WriterThread;
  delayMs: number;
  /** Sweeps reported durable before the kill. */
  reported: number;
  /** A sweep had begun and was not reported durable: the kill came while it was being written. */
  midSweep: boolean;
  finished: boolean;
  recovery?: NwbRecovery;
}

/**
 * Starts a writer child on `files` and kills it with SIGKILL `delayMs` after it reported them all
 * created. Several files per child: fewer process starts (tsx and h5wasm load in seconds on a busy
 * machine), and each file is caught at its own point of its write cycle.
 */
function runAndKill(files: string[], threads: WriterThread[], delayMs: number): Promise<Killed[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      // Packages loaded by Node itself before tsx registers: through tsx's hooks they take seconds
      // more per child (see worker/preload.mjs). No cached specification (--schema): it is written
      // with the skeleton, long before any kill, and validation here does not use it.
      ['--import', 'h5wasm/node', '--import', 'typebox', '--import', 'typebox/value', '--import', 'yaml', 'bin/run-ts.js', 'scripts/nwb-write-run.ts', ...files, '--sweeps', '400', '--headstages', '3', '--samples', '10000', '--interval-ms', String(REST_MS), '--thread', threads.join(',')],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!timer && files.every((_, i) => out.includes(`created ${i}\n`))) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) {
        reject(new Error(`writer child failed (${code}): ${err}`));
        return;
      }
      const count = (word: string, i: number) => [...out.matchAll(new RegExp(`^${word} ${i} \\d+$`, 'gm'))].length;
      resolvePromise(
        files.map((file, i) => {
          const reported = count('sweep', i);
          return { file, thread: threads[i] as WriterThread, delayMs, reported, midSweep: count('begin', i) > reported, finished: out.includes(`closed ${i}\n`) };
        }),
      );
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
  it(`writers killed with SIGKILL at random moments, mid-sweep included, leave files that open, validate and hold every completed sweep (${CHILDREN * FILES_PER_CHILD} files)`, { timeout: 600_000 }, async () => {
    if (!hasValidator()) throw new Error(VALIDATOR_REQUIRED);
    const random = rng(SEED);
    const plan = Array.from({ length: CHILDREN }, (_, c) => ({
      files: Array.from({ length: FILES_PER_CHILD }, (_, i) => join(dir, `crash-${c * FILES_PER_CHILD + i}.nwb`)),
      threads: threadsOf(c),
      delayMs: Math.round(random() * WINDOW_MS),
    }));
    const kills: Killed[] = [];
    let next = 0;
    const lane = async () => {
      while (next < plan.length) {
        const p = plan[next++] as (typeof plan)[number];
        kills.push(...(await runAndKill(p.files, p.threads, p.delayMs)));
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, lane));
    kills.sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }));
    expect(kills.filter((k) => k.finished)).toEqual([]);
    // What any patchrig open does first.
    for (const k of kills) k.recovery = recoverNwbFile(k.file);

    // Two validator processes, one per core; the cached-spec run is covered by validate.test.ts.
    const files = kills.map((k) => k.file);
    const half = Math.ceil(files.length / 2);
    const results = (await Promise.all([validate(files.slice(0, half), { cached: false }), validate(files.slice(half), { cached: false })])).flat();
    const summary = kills.map((k, i) => ({ thread: k.thread, delayMs: k.delayMs, reported: k.reported, mid: k.midSweep, recovery: k.recovery?.outcome, inFile: results[i]?.sweeps.length }));
    const midSweep = kills.filter((k) => k.midSweep).length;
    const replayed = kills.filter((k) => k.recovery?.outcome === 'replayed').length;
    const discarded = kills.filter((k) => k.recovery?.outcome === 'discarded').length;
    console.log(`crash test (seed ${SEED}): ${CHILDREN} kills of ${kills.length} writers, ${midSweep} mid-sweep, ${replayed} journals replayed, ${discarded} discarded\n${summary.map((s) => JSON.stringify(s)).join('\n')}`);
    kills.forEach((k, i) => {
      const v = results[i];
      expect(v?.open_error, k.file).toBeNull();
      expect(v?.errors, k.file).toEqual([]);
      expect(v?.check_errors, k.file).toEqual([]);
      // Every sweep reported durable is there; one more only when the kill came after its commit
      // and before its report.
      const inFile = v?.sweeps.length ?? -1;
      expect(v?.sweeps, k.file).toEqual(Array.from({ length: inFile }, (_, j) => j));
      expect([k.reported, k.reported + 1], k.file).toContain(inFile);
      if (inFile > k.reported) expect(k.midSweep, `${k.file}: a sweep beyond those reported, yet no sweep was in progress`).toBe(true);
    });
    // The spread reached the writes themselves, in both writers (most moments are mid-sweep: the
    // rests are short; the bounds leave room for chance).
    expect(midSweep).toBeGreaterThanOrEqual(5);
    for (const thread of ['inline', 'worker'] as const) expect(kills.filter((k) => k.thread === thread && k.midSweep).length, thread).toBeGreaterThanOrEqual(1);
    // Our reader reads them too, sample counts intact.
    const fullest = kills.reduce((a, b) => (b.reported > a.reported ? b : a));
    const back = await readNwb(fullest.file);
    expect(back.sweeps.length).toBeGreaterThanOrEqual(fullest.reported);
    expect(back.sweeps.every((s) => s.channels.every((c) => c.response.length === 10_000))).toBe(true);
    // Kills after creation leave no temporary file and, once recovered, no journal behind.
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial') || f.endsWith('.journal'))).toEqual([]);
  });
});
