/**
 * Measurements between two cursors (criterion 13, as Clampex's cursor statistics): on drawn
 * min/max columns, so a peak between the cursors is the true extreme of the samples.
 */
export interface Measurement {
  /** Time between the cursors, s (B − A). */
  dt: number;
  /** Value at B minus value at A (display units). */
  dy: number | null;
  /** Mean between the cursors. */
  mean: number | null;
  /** The extreme between the cursors farthest from the value at A (a PSP or spike peak). */
  peak: number | null;
}

/** The first drawn value at or after time `t` (its column's min; null when there is none). */
function valueAt(x: readonly number[], y: readonly (number | null)[], t: number): number | null {
  for (let i = 0; i < x.length; i++) {
    if ((x[i] as number) >= t && y[i] !== null && y[i] !== undefined) return y[i] as number;
  }
  return null;
}

export function measure(x: readonly number[], y: readonly (number | null)[], a: number, b: number): Measurement {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const va = valueAt(x, y, a);
  const vb = valueAt(x, y, b);
  let sum = 0;
  let n = 0;
  let peak: number | null = null;
  for (let i = 0; i < x.length; i++) {
    const t = x[i] as number;
    const v = y[i];
    if (t < lo || t > hi || v === null || v === undefined) continue;
    sum += v;
    n++;
    if (peak === null || Math.abs(v - (va ?? 0)) > Math.abs(peak - (va ?? 0))) peak = v;
  }
  return { dt: b - a, dy: va !== null && vb !== null ? vb - va : null, mean: n > 0 ? sum / n : null, peak };
}
