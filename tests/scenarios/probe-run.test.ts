import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepFacts } from '../support/probe-facts.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HEADSTAGES = [0, 1, 2, 3, 4, 5, 6, 7];
const RATE = 20_000;

interface Result {
  phase: string;
  calibration: { headstage: number; ok: boolean; scale: number }[];
  sweeps: SweepFacts[];
}

let result: Result;

beforeAll(async () => {
  // The run is its own process (see tests/support/probe-facts.ts for why).
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['bin/run-ts.js', 'tests/support/probe-facts.ts', '11'], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, out, errOut) =>
      err ? reject(new Error(`probe run failed: ${err.message}\n${errOut}`)) : resolve(out),
    ),
  );
  result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Result;
}, 300_000);

describe('the full Synaptic Physiology probe grid on the simulated 8-headstage slice at max speed', () => {
  it('runs the 10 conditions of the grid', () => {
    expect(result.phase).toBe('done');
    expect(result.sweeps.map((s) => [s.frequency, s.recoveryDelay])).toEqual([
      [10, 0.25],
      [20, 0.25],
      [50, 0.25],
      [100, 0.25],
      [200, 0.25],
      [50, 0.125],
      [50, 0.5],
      [50, 1],
      [50, 2],
      [50, 4],
    ]);
  });

  it('calibrates every cell so each presynaptic pulse evokes exactly one spike', () => {
    expect(result.calibration.map((c) => [c.headstage, c.ok])).toEqual(HEADSTAGES.map((h) => [h, true]));
    for (const s of result.sweeps) {
      for (const h of HEADSTAGES) {
        expect({ f: s.frequency, d: s.recoveryDelay, h, spikes: s.spikes[h] }).toEqual({ f: s.frequency, d: s.recoveryDelay, h, spikes: Array(12).fill(1) });
      }
    }
  });

  it('stores per-pulse QC with every sweep: each presynaptic pulse seen from each other headstage', () => {
    for (const s of result.sweeps) {
      expect(s.pulseQc.records).toBe(8 * 12 * 7);
      expect(s.pulseQc.oneSpike).toBe(8 * 12 * 7);
      // Cells rest near −70 mV (auto-bias): most responses qualify for excitatory detection.
      expect(s.pulseQc.exPass).toBeGreaterThan(0.8 * 8 * 12 * 7);
    }
  });

  it('recovers the induction frequency and recovery delay of every sweep from the recorded command alone', () => {
    for (const s of result.sweeps) {
      for (const h of HEADSTAGES) {
        const c = s.fromCommand[h];
        expect(c?.pulses).toBe(12);
        expect(c?.frequency).toBe(s.frequency);
        // aisynphys measures onset to onset and accepts ±5 ms; we build the delay exactly in samples.
        expect(Math.abs((c?.delay ?? 0) - (s.recoveryDelay + 0.003))).toBeLessThanOrEqual(0.005);
        expect(c?.gapSamples).toBe(Math.round(s.recoveryDelay * RATE));
      }
    }
  });
});
