import { type TraceFrame, TEST_PULSE_SWEEP, forEachColumn } from './frame.ts';

/** What uPlot draws for one trace: x in s, y in display units, `null` where nothing arrived. */
export interface Drawable {
  x: number[];
  y: (number | null)[];
}

/**
 * A fixed number of screen columns, each holding the min and max of every sample that fell into
 * it, for the sweep (or test-pulse window) being shown. uPlot has no append API, so the console
 * merges frames here as they arrive and rebuilds the plot's arrays at most once per animation
 * frame from these columns; the cost of a redraw follows the screen width, not the sample rate.
 */
export class TraceWindow {
  private lo: Float32Array;
  private hi: Float32Array;
  private filled: Uint8Array;
  /** Seconds the columns cover. */
  span = 0;
  /** Time of the left edge, s from the start of the sweep. */
  origin = 0;
  sweep: number | undefined;
  /** Bumped on every change, so a renderer redraws only what changed. */
  version = 0;
  /** Frames merged since the window was made (a test hook: "this lane is live"). */
  frames = 0;
  private lastEnd = 0;

  /**
   * @param columns screen columns (the plot's pixel width)
   * @param spanHint seconds a sweep lasts when known (keeps the x axis still while a sweep fills)
   */
  constructor(public columns: number, public spanHint?: number) {
    this.lo = new Float32Array(columns);
    this.hi = new Float32Array(columns);
    this.filled = new Uint8Array(columns);
  }

  clear(): void {
    this.filled.fill(0);
    this.sweep = undefined;
    this.lastEnd = 0;
    this.span = 0;
    this.version++;
  }

  /** New width in px: the content is dropped (the next frames refill it at the new resolution). */
  resize(columns: number): void {
    if (columns === this.columns || columns < 1) return;
    this.columns = columns;
    this.lo = new Float32Array(columns);
    this.hi = new Float32Array(columns);
    this.filled = new Uint8Array(columns);
    this.clear();
  }

  add(f: TraceFrame): void {
    this.frames++;
    const start = f.firstSample / f.sampleRate;
    const end = (f.firstSample + f.sampleCount) / f.sampleRate;
    const testPulse = f.sweep === TEST_PULSE_SWEEP;
    // A new sweep, a stream that started again, or (test pulse) a window past the shown one
    // begins a fresh picture, like an oscilloscope's trigger.
    const restart = f.sweep !== this.sweep || start < this.lastEnd - 0.5 / f.sampleRate || (testPulse && start >= this.origin + this.span);
    if (restart) {
      this.filled.fill(0);
      this.sweep = f.sweep;
      this.origin = testPulse ? start : 0;
      this.span = this.spanHint !== undefined && this.spanHint > 0 ? this.spanHint : end - this.origin;
    }
    while (end - this.origin > this.span * (1 + 1e-9)) this.grow();
    this.lastEnd = end;
    const perColumn = this.span / this.columns;
    forEachColumn(f, (a, b, lo, hi) => {
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) return;
      const c0 = Math.floor((a / f.sampleRate - this.origin) / perColumn);
      // A frame column wider than a screen column covers every screen column it spans.
      const c1 = Math.max(c0, Math.ceil((b / f.sampleRate - this.origin) / perColumn) - 1);
      for (let c = Math.max(0, c0); c <= Math.min(this.columns - 1, c1); c++) this.merge(c, lo, hi);
    });
    this.version++;
  }

  /** Doubles the span: pairs of columns merge exactly (min of mins, max of maxes). */
  private grow(): void {
    const n = this.columns;
    for (let c = 0; c < n; c++) {
      const a = 2 * c;
      const b = a + 1;
      let has = false;
      let lo = Infinity;
      let hi = -Infinity;
      for (const k of [a, b]) {
        if (k < n && this.filled[k]) {
          has = true;
          lo = Math.min(lo, this.lo[k] as number);
          hi = Math.max(hi, this.hi[k] as number);
        }
      }
      this.filled[c] = has ? 1 : 0;
      if (has) {
        this.lo[c] = lo;
        this.hi[c] = hi;
      }
    }
    this.span = this.span > 0 ? this.span * 2 : 1e-3;
  }

  private merge(c: number, lo: number, hi: number): void {
    if (this.filled[c]) {
      if (lo < (this.lo[c] as number)) this.lo[c] = lo;
      if (hi > (this.hi[c] as number)) this.hi[c] = hi;
    } else {
      this.filled[c] = 1;
      this.lo[c] = lo;
      this.hi[c] = hi;
    }
  }

  /**
   * Two points per column, (t, min) then (t, max), so the line draws a vertical stroke through
   * every column's extremes: a one-sample spike stays visible (console criterion 15). Values are
   * multiplied by `scale` (SI → display unit); an empty column breaks the line. `dense` keeps
   * every column (null where empty).
   */
  drawable(scale = 1, dense = false): Drawable {
    const x: number[] = [];
    const y: (number | null)[] = [];
    const perColumn = this.span / this.columns;
    let gap = false;
    for (let c = 0; c < this.columns; c++) {
      const t = this.origin + (c + 0.5) * perColumn;
      if (!this.filled[c] && dense) {
        // Dense: every column has its two points, so traces of equal span share one x array
        // (uPlot draws all series of a plot against the same x).
        x.push(t, t);
        y.push(null, null);
        continue;
      }
      if (!this.filled[c]) {
        if (!gap && x.length > 0) {
          x.push(t);
          y.push(null);
        }
        gap = true;
        continue;
      }
      gap = false;
      x.push(t, t);
      y.push((this.lo[c] as number) * scale, (this.hi[c] as number) * scale);
    }
    // A trailing gap point adds nothing to draw.
    if (!dense && y.length > 0 && y[y.length - 1] === null) {
      x.pop();
      y.pop();
    }
    return { x, y };
  }

  /** The filled columns as rows (time at the column centre, s; min and max times `scale`): CSV export. */
  rows(scale = 1): [number, number, number][] {
    const out: [number, number, number][] = [];
    const perColumn = this.span / this.columns;
    for (let c = 0; c < this.columns; c++) {
      if (this.filled[c]) out.push([this.origin + (c + 0.5) * perColumn, (this.lo[c] as number) * scale, (this.hi[c] as number) * scale]);
    }
    return out;
  }

  /** Extremes of what is shown, SI; undefined when empty. */
  extent(): [number, number] | undefined {
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = 0; c < this.columns; c++) {
      if (!this.filled[c]) continue;
      lo = Math.min(lo, this.lo[c] as number);
      hi = Math.max(hi, this.hi[c] as number);
    }
    return lo <= hi ? [lo, hi] : undefined;
  }
}
