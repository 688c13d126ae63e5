import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNwb } from '../../src/storage/reader.ts';
import { NwbWriter, type WriterThread } from '../../src/storage/writer.ts';
import { longestStall } from './event-loop.ts';
import { makeSweep, writerOptions } from './make-sweeps.ts';

// DESIGN §3: NWB writing never blocks streaming for longer than a frame (≈ 16 ms). The bound is
// generous for a loaded 2-core machine; an in-thread append of such a sweep blocks for ≈ 0.4 s.
const BOUND_MS = 50;
const BIG = { headstages: 8, samples: 250_000, rate: 50_000 }; // 8 headstages × 5 s × 50 kHz, 16 MB

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwb-loop-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const SWEEPS = 3;

/**
 * The longest stall of each of three appended sweeps (the first one also creates the tables), and
 * their median: a writer blocking the loop stalls every sweep, while one preemption of this
 * process by the busy machine's scheduler must not fail the test.
 */
async function stallsOf(thread: WriterThread): Promise<{ each: number[]; median: number }> {
  const file = join(dir, `${thread}.nwb`);
  const w = await NwbWriter.create(file, writerOptions(8, { thread }));
  const each: number[] = [];
  for (let i = 0; i < SWEEPS; i++) {
    const sweep = makeSweep(i, BIG);
    each.push(await longestStall(() => w.append(sweep)));
  }
  await w.close();
  expect(w.sweepCount).toBe(SWEEPS);
  return { each, median: [...each].sort((a, b) => a - b)[1] as number };
}

describe('appending a large sweep', () => {
  it(`keeps the event loop free (stalls < ${BOUND_MS} ms) in the writer thread, where an in-thread append blocks it`, { timeout: 120_000 }, async () => {
    const worker = await stallsOf('worker');
    const inline = await stallsOf('inline');
    const ms = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
    console.log(`longest event-loop stall per 16 MB sweep: worker ${ms(worker.each)} ms, in-thread ${ms(inline.each)} ms`);
    expect(worker.median).toBeLessThan(BOUND_MS);
    // The same measurement catches a writer that does the work on the event loop.
    expect(inline.median).toBeGreaterThan(BOUND_MS);
    // And the worker's file holds the samples.
    const back = await readNwb(join(dir, 'worker.nwb'));
    expect(back.sweeps.map((s) => s.channels.map((c) => c.response.length))).toEqual(Array.from({ length: SWEEPS }, () => Array(8).fill(BIG.samples)));
  });
});
