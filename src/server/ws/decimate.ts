/**
 * Min/max decimation to screen columns: each column keeps the extremes of its samples, so a
 * one-sample spike stays visible at any zoom (a plain subsample would drop it).
 */

/** Samples per column so that `span` samples fit into `width` columns (1: send raw samples). */
export function decimationFactor(span: number, width: number): number {
  return Math.max(1, Math.ceil(span / width));
}

/**
 * Interleaved (min, max) per column of `factor` samples; the last column may hold fewer. With
 * factor 1 the samples themselves (a copy) — a pair per sample would only double the bytes.
 */
export function minMaxColumns(samples: Float32Array, factor: number): Float32Array {
  if (factor <= 1) return samples.slice();
  const columns = Math.ceil(samples.length / factor);
  const out = new Float32Array(2 * columns);
  for (let c = 0; c < columns; c++) {
    const a = c * factor;
    const b = Math.min(a + factor, samples.length);
    let lo = samples[a] as number;
    let hi = lo;
    for (let i = a + 1; i < b; i++) {
      const x = samples[i] as number;
      if (x < lo) lo = x;
      else if (x > hi) hi = x;
    }
    out[2 * c] = lo;
    out[2 * c + 1] = hi;
  }
  return out;
}
