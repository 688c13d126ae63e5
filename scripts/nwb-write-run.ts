/**
 * Writes long runs of hand-made sweeps to one or more NWB files at once (one writer each, running
 * concurrently), printing for file I (its position among the arguments) `created I` once it
 * exists, `begin I N` before sweep N is appended and `sweep I N` once it is durable (append
 * resolved: flushed and committed), `closed I` at the end. The crash test kills this process with
 * SIGKILL at random moments and checks each file against the sweeps reported (stdout is a pipe,
 * written synchronously on Linux: a line printed is a line the test reads).
 *
 * usage: node bin/run-ts.js scripts/nwb-write-run.ts FILE.nwb... [--sweeps N] [--headstages H]
 *        [--samples S] [--rate HZ] [--schema DIR] [--gzip LEVEL] [--interval-ms MS]
 *        [--thread worker|inline[,worker|inline…]]
 * (`--interval-ms` paces the sweeps like an inter-sweep interval would; a list of threads is
 * applied to the files in turn.)
 */
import { parseArgs } from 'node:util';
import { NwbWriter, type WriterThread } from '../src/storage/writer.ts';
import { makeSweep, writerOptions } from '../tests/storage/make-sweeps.ts';

const { positionals: files, values } = parseArgs({
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
if (files.length === 0) {
  console.error('usage: nwb-write-run.ts FILE.nwb... [--sweeps N] [--headstages H] [--samples S] [--rate HZ] [--schema DIR] [--gzip LEVEL] [--interval-ms MS] [--thread worker|inline[,…]]');
  process.exit(2);
}
const headstages = Number(values.headstages);
const threads = values.thread.split(',').map((t): WriterThread => (t === 'worker' ? 'worker' : 'inline'));
const pause = Number(values['interval-ms']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(file: string, i: number): Promise<void> {
  const writer = await NwbWriter.create(
    file,
    writerOptions(headstages, {
      overwrite: true,
      thread: threads[i % threads.length] ?? 'inline',
      ...(values.schema ? { schemaDir: values.schema } : {}),
      ...(values.gzip ? { gzip: Number(values.gzip) } : {}),
    }),
  );
  console.log(`created ${i}`);
  for (let n = 0; n < Number(values.sweeps); n++) {
    console.log(`begin ${i} ${n}`);
    await writer.append(makeSweep(n, { headstages, samples: Number(values.samples), rate: Number(values.rate), modes: ['VC', 'IC', 'I=0'] }));
    console.log(`sweep ${i} ${n}`);
    if (pause > 0) await sleep(pause);
  }
  await writer.close();
  console.log(`closed ${i}`);
}

await Promise.all(files.map((f, i) => run(f, i)));
