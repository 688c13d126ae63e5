import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNwb } from '../../src/storage/reader.ts';
import { runCli } from '../support/child-cli.ts';
import { VALIDATOR_REQUIRED, type Validation, hasValidator, validate } from './validator.ts';

const skip = !hasValidator() && !process.env.CI;
if (skip) console.warn(`skipping the NWB probe-run test: ${VALIDATOR_REQUIRED}`);

let dir: string;
let file: string;
let run: { code: number | null; stdout: string; stderr: string };
let validation: Validation | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwb-run-'));
  file = join(dir, 'probe.nwb');
  const definition = join(dir, 'probe.json');
  await writeFile(definition, JSON.stringify({ conditions: [{ frequency: 50, recoveryDelay: 0.25 }, { frequency: 100, recoveryDelay: 0.125 }], repetitions: 2 }));
  run = await runCli(['run', 'synphys-probe', '--headstages', '3', '--definition', definition, '--out', file, '--json'], 120_000);
  if (!skip && hasValidator()) [validation] = await validate([file]);
}, 180_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.skipIf(skip)('an NWB file written by `patchrig run` on the simulated slice', () => {
  it('is written as the run goes and the NWB validator accepts it', () => {
    if (!hasValidator()) throw new Error(VALIDATOR_REQUIRED);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ phase: 'done', sweeps: 4, out: file });
    expect(validation).toMatchObject({ errors: [], cached_errors: [], check_errors: [], sweeps: [0, 1, 2, 3], open_error: null });
  });

  it('reads back as the sweeps of the plan: every headstage, its pulses as epochs, test-pulse results and QC', async () => {
    const { sweeps, metadata } = await readNwb(file);
    expect(sweeps.map((s) => [s.index, s.parameters.frequency, s.parameters.recoveryDelay])).toEqual([
      [0, 50, 0.25],
      [1, 50, 0.25],
      [2, 100, 0.125],
      [3, 100, 0.125],
    ]);
    for (const s of sweeps) {
      expect(s.channels.map((c) => c.headstage)).toEqual([0, 1, 2]);
      for (const h of [0, 1, 2]) expect(s.epochs.filter((e) => e.kind === 'pulse' && e.headstage === h)).toHaveLength(12);
      for (const c of s.channels) {
        expect(c.mode).toBe('IC');
        expect(c.command.length).toBe(c.response.length);
        expect(c.qc?.pass).toBe(true);
        expect(c.testPulse?.inputResistance).toBeGreaterThan(0);
      }
    }
    expect(metadata.cells?.map((c) => c.headstage)).toEqual([0, 1, 2]);
    // Per-pulse QC: each of 3 presynaptic cells × 12 pulses, seen from the 2 other headstages.
    for (const s of sweeps) {
      expect(s.pulseQc).toHaveLength(3 * 12 * 2);
      expect(s.pulseQc?.[0]).toMatchObject({ pre: 0, post: 1, pulse: 1 });
    }
  });
});
