/**
 * Sweep-browser data (criterion 12): a stored sweep's min/max columns as a trace frame, so the
 * browser draws through the same TraceWindow as the live view, and the average of several sweeps.
 */
import type { TraceFrame } from './frame.ts';
import type { MinMaxColumns } from './sweep-types.ts';

/** A trace frame for one signal of one headstage of `GET …/sweeps/:sweep`. */
export function sweepFrame(d: { sweep: number; sampleRate: number; scans: number; from: number; to: number; factor: number }, headstage: number, signal: 0 | 1, mm: MinMaxColumns): TraceFrame {
  const n = Math.min(mm.min.length, mm.max.length);
  const first = Math.round(d.from * d.sampleRate);
  const covered = Math.min(Math.round(d.to * d.sampleRate) - first, n * d.factor);
  const values = new Float32Array(d.factor === 1 ? n : 2 * n);
  for (let j = 0; j < n; j++) {
    if (d.factor === 1) values[j] = mm.min[j] as number;
    else {
      values[2 * j] = mm.min[j] as number;
      values[2 * j + 1] = mm.max[j] as number;
    }
  }
  return { headstage, signal, sweep: d.sweep, firstSample: first, sampleRate: d.sampleRate, decimation: d.factor, sampleCount: d.factor === 1 ? n : Math.max(covered, (n - 1) * d.factor + 1), values };
}

/**
 * Column-wise mean of several sweeps' min and max (an averaged envelope; with factor 1, the plain
 * average of the samples). Sweeps of different lengths are averaged where they overlap.
 */
export function averageColumns(items: readonly MinMaxColumns[]): MinMaxColumns {
  const n = Math.max(0, ...items.map((m) => Math.min(m.min.length, m.max.length)));
  const min: number[] = [];
  const max: number[] = [];
  for (let j = 0; j < n; j++) {
    let a = 0;
    let b = 0;
    let k = 0;
    for (const m of items) {
      const lo = m.min[j];
      const hi = m.max[j];
      if (lo === undefined || hi === undefined || lo === null || hi === null) continue;
      a += lo;
      b += hi;
      k++;
    }
    min.push(k > 0 ? a / k : NaN);
    max.push(k > 0 ? b / k : NaN);
  }
  return { min, max };
}
