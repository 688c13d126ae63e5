/**
 * Writes a long run of hand-made sweeps to an NWB file, printing `sweep N` on stdout once sweep N
 * is durable (append resolved: flushed and fsynced). The crash test kills this process with
 * SIGKILL at random moments and checks the file against the sweeps reported.
 *
 * usage: node bin/run-ts.js scripts/nwb-write-run.ts FILE.nwb [--sweeps N] [--headstages H]
 *        [--samples S] [--rate HZ] [--schema DIR] [--gzip LEVEL] [--interval-ms MS] [--thread worker|inline]
 * (`--interval-ms` paces the sweeps like an inter-sweep interval would.)
 */
import { parseArgs } from 'node:util';
import { NwbWriter } from '../src/storage/writer.ts';
import { makeSweep, writerOptions } from '../tests/storage/make-sweeps.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    sweeps: { type: 'string', default: '1000' },
    headstages: { type: 'string', default: '4' },
    samples: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '50000' },
    schema: { type: 'string' },
    gzip: { type: 'string' },
    'interval-ms': { type: 'string', default: '0' },
    thread: { type: 'string', default: 'inline' },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: nwb-write-run.ts FILE.nwb [--sweeps N] [--headstages H] [--samples S] [--rate HZ] [--schema DIR] [--gzip LEVEL]');
  process.exit(2);
}
const headstages = Number(values.headstages);
const shape = { headstages, samples: Number(values.samples), rate: Number(values.rate), modes: ['VC', 'IC', 'I=0'] as const };
const writer = await NwbWriter.create(
  file,
  writerOptions(headstages, {
    overwrite: true,
    thread: values.thread === 'worker' ? 'worker' : 'inline',
    ...(values.schema ? { schemaDir: values.schema } : {}),
    ...(values.gzip ? { gzip: Number(values.gzip) } : {}),
  }),
);
console.log('created');
for (let i = 0; i < Number(values.sweeps); i++) {
  await writer.append(makeSweep(i, { ...shape, modes: [...shape.modes] }));
  console.log(`sweep ${i}`);
  const pause = Number(values['interval-ms']);
  if (pause > 0) await new Promise((r) => setTimeout(r, pause));
}
await writer.close();
console.log('closed');
