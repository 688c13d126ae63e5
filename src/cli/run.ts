import { type Command, InvalidArgumentError, Option } from 'commander';
import { ExperimentRunner, type RunSummary } from '../acquisition/experiment-runner.ts';
import type { Sweep } from '../core/sweep.ts';
import { defaultSimulatedRig } from '../rig/default-rig.ts';
import { loadRigConfig } from '../rig/load-config.ts';
import { openRig } from '../rig/open-rig.ts';
import type { RigConfig } from '../rig/schema.ts';
import { DEFAULT_SAMPLE_RATE, PROTOCOL_IDS, expandPlan, getProtocol } from '../../protocols/definitions/index.ts';
import type { NwbWriter } from '../storage/writer.ts';
import { openRunFile, readMetadata } from './run-storage.ts';

export interface RunOptions {
  rig: string;
  headstages?: number;
  seed: number;
  speed: 'max' | 'realtime';
  repetitions?: number;
  definition?: string;
  rate?: number;
  out?: string;
  overwrite?: boolean;
  metadata?: string;
  calibrate?: boolean;
  autoBias: boolean;
  json?: boolean;
}

/** What `patchrig run --json` prints. */
export interface RunReport {
  protocol: string;
  rig: string;
  phase: RunSummary['phase'];
  planned: number;
  sweeps: number;
  aborted: number;
  skipped: number;
  /** Per headstage: sweeps whose recording QC passed / failed. */
  qc: Record<string, { pass: number; fail: number }>;
  /** Seconds on the runner's clock (simulated at max speed). */
  duration: number;
  wall: number;
  error?: string;
  out?: string;
  /** Stimulus scale found per presynaptic headstage (`--calibrate`). */
  calibration?: { headstage: number; scale: number; ok: boolean }[];
}

function whole(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

async function readDefinition(file: string | undefined): Promise<Record<string, unknown>> {
  if (!file) return {};
  const { readFile } = await import('node:fs/promises');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the protocol definition ${file}: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`the protocol definition ${file} must be a JSON object`);
  return raw as Record<string, unknown>;
}

function progress(enabled: boolean): { update: (done: number, total: number, phase: string) => void; end: () => void } {
  if (!enabled) return { update: () => undefined, end: () => undefined };
  return {
    update: (done, total, phase) => {
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} sweeps ${phase.padEnd(9)}`);
    },
    end: () => process.stderr.write('\n'),
  };
}

/** Registers `patchrig run PROTOCOL`: a headless run of a protocol on a rig, with a summary. */
export function addRunCommand(cli: Command, out: (s: string) => void): void {
  cli
    .command('run')
    .description('run a protocol headless on a rig (default: the simulated slice) and print a summary')
    .argument('<protocol>', `protocol id (${PROTOCOL_IDS.join(', ')})`)
    .option('--rig <sim|FILE>', 'rig file, or "sim" for the built-in simulated rig', 'sim')
    .option('--headstages <n>', 'headstages to use (the first N of the rig)', whole('--headstages', 1, 16))
    .option('--seed <n>', 'seed of the simulated slice', whole('--seed', 0, 2 ** 32 - 1), 1)
    .addOption(new Option('--speed <speed>', 'simulated time').choices(['max', 'realtime']).default('max'))
    .option('--repetitions <n>', 'repetitions of each condition', whole('--repetitions', 1, 1000))
    .option('--definition <FILE.json>', 'protocol parameters (JSON object; defaults fill the rest)')
    .option('--rate <hz>', 'sample rate, Hz', whole('--rate', 1000, 200_000))
    .option('--out <FILE.nwb>', 'write the sweeps to an NWB file as the run goes')
    .option('--overwrite', 'replace an existing --out file')
    .option('--metadata <FILE.json>', 'session metadata for the NWB file (subject, experimenter, cells…)')
    .option('--calibrate', 'before the first sweep, find each presynaptic cell\'s stimulus scale for exactly one spike per pulse')
    .option('--no-auto-bias', 'do not move current-clamp bias towards the planned potentials')
    .option('--json', 'print a JSON summary instead of text')
    .action(async (id: string, o: RunOptions) => {
      const info = getProtocol(id);
      if (!info) throw new InvalidArgumentError(`unknown protocol "${id}" (known: ${PROTOCOL_IDS.join(', ')})`);
      const config: RigConfig = !o.rig || o.rig === 'sim' ? defaultSimulatedRig(o.headstages ?? 8, o.seed) : await loadRigConfig(o.rig);
      const n = o.headstages ?? config.headstages.length;
      if (n > config.headstages.length) throw new Error(`--headstages ${n}: the rig has ${config.headstages.length}`);
      const definition = { ...(await readDefinition(o.definition)), protocol: id, ...(o.repetitions ? { repetitions: o.repetitions } : {}) };
      const headstages = Array.from({ length: n }, (_, k) => k);
      const given = await readMetadata(o.metadata);
      const rig = await openRig(config, { speed: o.speed });
      const wall0 = performance.now();
      let report: RunReport;
      let writer: NwbWriter | undefined;
      let calibration: RunReport['calibration'] = [];
      try {
        // Everything that can be refused is refused before the file or the devices are touched.
        const plan = expandPlan(definition, { headstages, sampleRate: o.rate ?? DEFAULT_SAMPLE_RATE, safety: rig.safety });
        if (o.out) writer = await openRunFile(o.out, { rig, headstages, protocol: id, definition, given, overwrite: o.overwrite === true, seed: o.seed });
        const file = writer;
        const qc: RunReport['qc'] = Object.fromEntries(headstages.map((h) => [String(h), { pass: 0, fail: 0 }]));
        const bar = progress(!o.json && process.stderr.isTTY === true);
        const runner = new ExperimentRunner({
          rig,
          plan,
          speed: o.speed,
          store: async (s: Sweep) => {
            await file?.append(s);
            for (const c of s.channels) {
              const tally = qc[String(c.headstage)];
              if (tally && c.qc) {
                if (c.qc.pass) tally.pass++;
                else tally.fail++;
              }
            }
          },
          onState: (s) => bar.update(s.acquired, s.total, s.phase),
          autoBias: o.autoBias ? {} : false,
        });
        const prep = await runner.prepare({ calibrate: o.calibrate === true });
        calibration = prep.calibration.map((c) => ({ headstage: c.headstage, scale: c.scale, ok: c.ok }));
        const interrupt = () => runner.abort();
        process.once('SIGINT', interrupt);
        runner.start();
        const summary = await runner.finished();
        process.removeListener('SIGINT', interrupt);
        bar.end();
        report = {
          protocol: id,
          rig: config.name,
          phase: summary.phase,
          planned: plan.sweeps.length,
          sweeps: summary.sweeps.length,
          aborted: summary.sweeps.filter((s) => s.aborted).length,
          skipped: summary.skipped.length,
          qc,
          duration: summary.duration,
          wall: (performance.now() - wall0) / 1000,
          ...(summary.error ? { error: summary.error } : {}),
          ...(o.out ? { out: o.out } : {}),
          ...(calibration.length ? { calibration } : {}),
        };
      } finally {
        await writer?.close();
        await rig.close();
      }
      if (o.json) out(`${JSON.stringify(report)}\n`);
      else {
        out(`${report.protocol} on ${report.rig}: ${report.phase}, ${report.sweeps} of ${report.planned} sweeps (${report.aborted} aborted, ${report.skipped} skipped) in ${report.duration.toFixed(1)} s (${report.wall.toFixed(1)} s wall)\n`);
        for (const [hs, t] of Object.entries(report.qc)) out(`  headstage ${hs}: QC ${t.pass} pass, ${t.fail} fail\n`);
        if (report.out) out(`  written to ${report.out}\n`);
      }
      if (report.phase === 'failed') throw new Error(`the run failed: ${report.error ?? 'unknown error'}`);
    });
}
