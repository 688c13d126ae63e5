/**
 * NWB writing: h5wasm (our writer in its worker thread, whole layout with tables and epochs,
 * flush + commit per sweep: docs/decisions/0005) against h5py writing the same series layout (group + float32 data
 * chunked per sweep + the series attributes and scalars, flush + fsync per sweep) on the same data
 * in the same run; and the longest event-loop stall during an append, worker thread against the
 * writer run in this thread (DESIGN §3: under a frame, ≈ 16 ms); and the commit journal written
 * per sweep, against the sweep's samples.
 * Sweeps: 8 headstages × 5 s × 50 kHz, stimulus + response (16 MB of float32 per sweep).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOptions } from '../src/storage/options.ts';
import { NwbWriter } from '../src/storage/writer.ts';
import { WriterCore } from '../src/storage/writer-core.ts';
import { longestStall } from '../tests/storage/event-loop.ts';
import { makeSweep, writerOptions } from '../tests/storage/make-sweeps.ts';
import { report } from './format.ts';

const HS = 8;
const SAMPLES = 250_000;
const RATE = 50_000;
const SWEEPS = 6;
const PY = '/usr/bin/python3';

const H5PY_WRITER = `
import sys, time, os, h5py, numpy as np
path, raw, hs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = np.fromfile(raw, dtype='<f4').reshape(-1, hs, 2, n)
f = h5py.File(path, 'w')
f.create_group('acquisition'); f.create_group('stimulus/presentation')
times = []
for k in range(data.shape[0]):
    t = time.perf_counter()
    for h in range(hs):
        for j, where in ((0, 'stimulus/presentation/sweep_%05d_hs%d_stim'), (1, 'acquisition/sweep_%05d_hs%d')):
            g = f.create_group(where % (k, h))
            g.attrs['sweep_number'] = np.uint32(k); g.attrs['stimulus_description'] = 'PulseTrain'
            d = g.create_dataset('data', data=data[k, h, j], chunks=(n,))
            d.attrs['unit'] = 'volts'; d.attrs['conversion'] = np.float32(1); d.attrs['resolution'] = np.float32(-1)
            st = g.create_dataset('starting_time', data=np.float64(k * 10.0)); st.attrs['rate'] = np.float32(50000)
            g.create_dataset('gain', data=np.float32(1))
    f.flush(); fd = os.open(path, os.O_RDONLY); os.fsync(fd); os.close(fd)
    times.append(time.perf_counter() - t)
f.close()
print(' '.join(str(x) for x in times))
`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nwb-bench-'));
  try {
    const sweeps = Array.from({ length: SWEEPS }, (_, i) => makeSweep(i, { headstages: HS, samples: SAMPLES, rate: RATE, modes: ['VC', 'IC'] }));
    const bytesPerSweep = HS * 2 * SAMPLES * 4;
    const raw = bytesPerSweep * SWEEPS;

    // Each writer gets its own copy of the sweeps (made before timing): appends transfer them.
    const copies = () => sweeps.map((s) => structuredClone(s));
    const timed = async (thread: 'worker' | 'inline') => {
      const file = join(dir, `h5wasm-${thread}.nwb`);
      const w = await NwbWriter.create(file, writerOptions(HS, { thread }));
      const ms: number[] = [];
      const stalls: number[] = [];
      for (const s of copies()) {
        const t = performance.now();
        stalls.push(await longestStall(() => w.append(s)));
        ms.push(performance.now() - t);
      }
      await w.close();
      return { file, ms, stalls };
    };
    const { file, ms, stalls } = await timed('worker');
    const inline = await timed('inline');
    const size = statSync(file).size;

    // The same samples for h5py, in sweep × headstage × (stimulus, response) order.
    const rawFile = join(dir, 'raw.f32');
    const all = new Float32Array(raw / 4);
    sweeps.forEach((s, k) => s.channels.forEach((c, h) => {
      all.set(c.command, ((k * HS + h) * 2) * SAMPLES);
      all.set(c.response, ((k * HS + h) * 2 + 1) * SAMPLES);
    }));
    writeFileSync(rawFile, all);
    const py = spawnSync(PY, ['-c', H5PY_WRITER, join(dir, 'h5py.h5'), rawFile, String(HS), String(SAMPLES)], { encoding: 'utf8' });
    const pyMs = py.status === 0 ? py.stdout.trim().split(' ').map((x) => Number(x) * 1000) : undefined;
    if (!pyMs) console.warn(`h5py baseline unavailable (${PY} with python3-h5py): ${py.stderr}`);

    const ctx = { headstages: HS, seconds_per_sweep: SAMPLES / RATE, rate_hz: RATE, sweeps: SWEEPS, MB_per_sweep: bytesPerSweep / 1e6 };
    const mbps = (times: number[]) => bytesPerSweep / 1e6 / (median(times) / 1000);
    report({ bench: 'nwb-write', metric: 'MB_per_s', value: mbps(ms), baseline: pyMs ? { name: 'h5py', value: mbps(pyMs) } : null, context: { ...ctx, thread: 'worker', in_thread_MB_per_s: Math.round(mbps(inline.ms)) } });
    report({ bench: 'nwb-write', metric: 'append_flush_ms', value: median(ms), baseline: pyMs ? { name: 'h5py', value: median(pyMs) } : null, context: { ...ctx, thread: 'worker', max_ms: Math.round(Math.max(...ms)) } });
    // Longest gap between ticks of a 5 ms timer during an append (a free loop shows ≈ 5–8 ms here).
    report({
      bench: 'nwb-write',
      metric: 'event_loop_block_ms',
      value: Math.max(...stalls),
      baseline: { name: 'in-thread', value: Math.max(...inline.stalls) },
      context: { ...ctx, median_ms: Math.round(median(stalls) * 10) / 10, baseline_median_ms: Math.round(median(inline.stalls)) },
    });
    report({ bench: 'nwb-write', metric: 'size_ratio', value: size / raw, baseline: null, context: { file_bytes: size, raw_bytes: raw } });

    // The commit journal of a sweep: the metadata HDF5 rewrote in place (the samples are appended).
    const core = await WriterCore.create(join(dir, 'journal.nwb'), checkOptions(writerOptions(HS)));
    const journal: number[] = [];
    const inPlace: number[] = [];
    for (const s of copies().slice(0, 3)) {
      core.write(s);
      journal.push(core.lastCommit?.journalBytes ?? Number.NaN);
      inPlace.push(core.lastCommit?.inPlaceBytes ?? Number.NaN);
    }
    core.close();
    report({ bench: 'nwb-write', metric: 'journal_bytes_per_sweep', value: median(journal), baseline: { name: 'sample_bytes_per_sweep', value: bytesPerSweep }, context: { in_place_bytes: median(inPlace) } });

    const gz = join(dir, 'gzip.nwb');
    const wg = await NwbWriter.create(gz, writerOptions(HS, { gzip: 1 }));
    for (const s of sweeps.slice(0, 2)) await wg.append(s);
    await wg.close();
    report({ bench: 'nwb-write', metric: 'size_ratio_gzip', value: statSync(gz).size / (2 * bytesPerSweep), baseline: null, context: { gzip_level: 1, sweeps: 2 } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
