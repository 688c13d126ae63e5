import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquet, recordsOf, tablesEqual } from '../../src/analysis/frame.ts';
import { TABLE_FILES } from '../../src/analysis/tables.ts';
import { h5wasm, loadH5 } from '../../src/storage/h5-module.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'patchrig-analyze-'));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, args, { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

const analyze = (args: string[]) => run(['bin/patchrig.js', 'analyze', ...args]);

let file = '';
let onlineDir = '';

beforeAll(async () => {
  // The acquisition runs in its own process (tests/support/analysis-roundtrip.ts says why).
  const r = await run(['bin/run-ts.js', 'tests/support/analysis-roundtrip.ts', dir]);
  if (r.code !== 0) throw new Error(`roundtrip run failed: ${r.stderr}`);
  ({ file, online: onlineDir } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { file: string; online: string });
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('patchrig analyze FILE.nwb --out DIR', () => {
  it('writes the same six tables from the file as the online path computed while it was recorded', async () => {
    const out = join(dir, 'offline');
    const r = await analyze([file, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { counts: { sweeps: number }; tables: Record<string, number>; connections: { pre: number; post: number; status: string }[] };
    expect(report.counts.sweeps).toBe(4);
    for (const name of Object.values(TABLE_FILES)) {
      const online = readParquet(join(onlineDir, `${name}.parquet`));
      const offline = readParquet(join(out, `${name}.parquet`));
      expect({ name, equal: tablesEqual(online, offline) }).toEqual({ name, equal: true });
      expect(report.tables[name]).toBe(offline.height);
    }
    // Not a comparison of empty tables: the slice's 4 → 1 and 5 → 2 connections are among the recorded cells.
    const pairs = recordsOf(readParquet(join(out, 'pairs.parquet')));
    expect(pairs.filter((p) => p.connected === true).map((p) => `${String(p.pre)}→${String(p.post)}`)).toEqual(expect.arrayContaining(['4→1', '5→2']));
    expect(readParquet(join(out, 'connections.parquet')).height).toBeGreaterThan(0);
  });

  it('refuses a file that is not NWB, in one sentence, exit 1', async () => {
    const text = join(dir, 'notes.nwb');
    writeFileSync(text, 'not an HDF5 file\n');
    const r = await analyze([text, '--out', join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`patchrig: ${text} is not an NWB file (it is not HDF5)`]);
  });

  it('refuses a missing file, exit 1', async () => {
    const r = await analyze([join(dir, 'none.nwb'), '--out', join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/none\.nwb does not exist/);
  });

  it('refuses an NWB file without intracellular ephys sweeps, exit 1', async () => {
    await loadH5();
    const empty = join(dir, 'empty.nwb');
    const f = new h5wasm.File(empty, 'w');
    f.create_attribute('neurodata_type', 'NWBFile');
    f.close();
    const r = await analyze([empty, '--out', join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`patchrig: ${empty} has no intracellular electrophysiology sweeps to analyse`);
  });

  it('is bad usage without --out (exit 2)', async () => {
    const r = await analyze([file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out/);
  });
});
