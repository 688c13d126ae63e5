import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Table, writeTable } from '../analysis/frame.ts';
import { analyzeNwbFile } from '../analysis/offline.ts';
import type { AnalysisCounts, PairStatus } from '../analysis/online.ts';
import { type AnalysisTables, TABLE_FILES } from '../analysis/tables.ts';

/** What `patchrig analyze --json` prints. */
export interface AnalyzeReport {
  file: string;
  out: string;
  counts: AnalysisCounts;
  /** Rows written per table (file name without extension). */
  tables: Record<string, number>;
  connections: PairStatus[];
}

function summary(r: AnalyzeReport): string {
  const c = r.counts;
  const lines = [
    `${r.file}: ${c.sweeps} sweeps (${c.includedSweeps} analysed, ${c.excludedSweeps} excluded), ${c.excludedRecordings} recordings failed QC, ${c.usedResponses} responses used, ${c.excludedResponses} excluded`,
    ...r.connections.map((p) => `  ${p.pre} → ${p.post}: ${p.status}, p = ${p.pValue?.toExponential(2) ?? '-'}, PSP ${p.pspAmplitude !== null ? `${(p.pspAmplitude * 1e3).toFixed(3)} mV` : '-'}`),
    `tables written to ${r.out}: ${Object.entries(r.tables).map(([k, n]) => `${k} (${n})`).join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Registers `patchrig analyze FILE.nwb --out DIR [--json]`: the analysis tables as parquet and CSV. */
export function addAnalyzeCommand(cli: Command, out: (s: string) => void): void {
  cli
    .command('analyze')
    .description('analyse a patchrig NWB file (test pulse, spikes, responses, connections, plasticity) and write the tables as parquet and CSV')
    .argument('<file>', 'NWB file written by patchrig')
    .requiredOption('--out <DIR>', 'directory for the tables (created if missing)')
    .option('--json', 'print a JSON summary instead of text')
    .action(async (file: string, o: { out: string; json?: boolean }) => {
      const analysis = await analyzeNwbFile(file);
      const tables: AnalysisTables = analysis.tables();
      try {
        await mkdir(o.out, { recursive: true });
      } catch (e) {
        throw new Error(`cannot create the output directory ${o.out}: ${(e as Error).message}`);
      }
      const rows: Record<string, number> = {};
      for (const [key, name] of Object.entries(TABLE_FILES) as [keyof AnalysisTables, string][]) {
        const t: Table = tables[key];
        writeTable(t, o.out, name);
        rows[name] = t.height;
      }
      const report: AnalyzeReport = {
        file,
        out: o.out,
        counts: analysis.counts(),
        tables: rows,
        connections: analysis.pairStatus().filter((p) => p.status !== 'unconnected'),
      };
      out(o.json ? `${JSON.stringify(report)}\n` : summary(report));
    });
}
