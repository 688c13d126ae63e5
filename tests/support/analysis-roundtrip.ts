/**
 * The online path next to the file path, for tests/analysis/analyze-cli.test.ts: runs a short
 * probe (headstages 1, 2, 4, 5 of seed 11, with connections among them; 10, 20 and 50 Hz) on
 * the simulated slice, writing each sweep to an NWB file exactly as `patchrig run --out` does (openRunFile) and feeding the same sweep to OnlineAnalysis,
 * then writes the online tables as parquet. Prints one JSON line: { file, online, sweeps }.
 *
 *   node bin/run-ts.js tests/support/analysis-roundtrip.ts DIR
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExperimentRunner } from '../../src/acquisition/experiment-runner.ts';
import { writeTable } from '../../src/analysis/frame.ts';
import { OnlineAnalysis } from '../../src/analysis/online.ts';
import { type AnalysisTables, TABLE_FILES } from '../../src/analysis/tables.ts';
import { openRunFile } from '../../src/cli/run-storage.ts';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { openRig } from '../../src/rig/open-rig.ts';
import { expandPlan } from '../../protocols/definitions/index.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: analysis-roundtrip.ts DIR');
const file = join(dir, 'probe.nwb');
const onlineDir = join(dir, 'online');
mkdirSync(onlineDir, { recursive: true });
const headstages = [1, 2, 4, 5];
const definition = { protocol: 'synphys-probe', repetitions: 1, conditions: [{ frequency: 10, recoveryDelay: 0.25 }, { frequency: 20, recoveryDelay: 0.25 }, { frequency: 50, recoveryDelay: 0.25 }, { frequency: 50, recoveryDelay: 0.125 }] };
const rig = await openRig(defaultSimulatedRig(8, 11), { speed: 'max' });
const online = new OnlineAnalysis();
let sweeps = 0;
const writer = await openRunFile(file, { rig, headstages, protocol: 'synphys-probe', definition, given: {}, overwrite: true, seed: 11 });
try {
  const plan = expandPlan(definition, { headstages, sampleRate: 20_000, safety: rig.safety });
  const runner = new ExperimentRunner({
    rig,
    plan,
    speed: 'max',
    store: async (s) => {
      // First the analysis: the writer may hand the sweep's buffers to its worker (detaching them).
      online.addSweep(s);
      await writer.append(s);
      sweeps++;
    },
  });
  await runner.prepare({ calibrate: true });
  runner.start();
  const summary = await runner.finished();
  if (summary.phase !== 'done') throw new Error(`the probe run ended in phase ${summary.phase}: ${summary.error ?? 'no error given'}`);
} finally {
  await writer.close();
  await rig.close();
}
const tables: AnalysisTables = online.tables();
for (const [key, name] of Object.entries(TABLE_FILES) as [keyof AnalysisTables, string][]) writeTable(tables[key], onlineDir, name);
process.stdout.write(`${JSON.stringify({ file, online: onlineDir, sweeps })}\n`);
