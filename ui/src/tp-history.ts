/**
 * Test-pulse history of the session (criterion 4): one mean per headstage, metric and second, so
 * every headstage shares one time axis and a whole day stays small (86 400 s × 8 HS × 5 values).
 * Resistances are kept for log-y plots; holding current only from VC readings, Vm only from IC.
 */
import type { TestPulseReadingEvent } from './types.ts';

export const TP_METRICS = ['Ra', 'Rm', 'Cm', 'Ihold', 'Vm'] as const;
export type TpMetric = (typeof TP_METRICS)[number];

function valueOf(r: TestPulseReadingEvent, m: TpMetric): number | null | undefined {
  switch (m) {
    case 'Ra':
      return r.Ra;
    case 'Rm':
      return r.Ri;
    case 'Cm':
      return r.Cm;
    case 'Ihold':
      return r.mode === 'VC' ? (r.holdingCurrent ?? r.baseline) : null;
    case 'Vm':
      return r.mode === 'IC' ? (r.vm ?? r.baseline) : null;
  }
}

interface Bin {
  /** Whole seconds, Unix epoch. */
  t: number;
  /** [headstage][metric] running sum and count. */
  sum: Float64Array;
  n: Uint32Array;
}

export class TpHistory {
  private readonly bins: Bin[] = [];

  constructor(readonly headstages: number) {}

  add(atMs: number, readings: readonly TestPulseReadingEvent[]): void {
    const t = Math.floor(atMs / 1000);
    let bin = this.bins[this.bins.length - 1];
    if (!bin || bin.t !== t) {
      // Readings arrive in time order; a late one joins the newest bin rather than reordering.
      if (bin && t < bin.t) return this.addTo(bin, readings);
      bin = { t, sum: new Float64Array(this.headstages * TP_METRICS.length), n: new Uint32Array(this.headstages * TP_METRICS.length) };
      this.bins.push(bin);
    }
    this.addTo(bin, readings);
  }

  private addTo(bin: Bin, readings: readonly TestPulseReadingEvent[]): void {
    for (const r of readings) {
      if (r.headstage < 0 || r.headstage >= this.headstages) continue;
      TP_METRICS.forEach((m, k) => {
        const v = valueOf(r, m);
        if (v === null || v === undefined || !Number.isFinite(v)) return;
        const i = r.headstage * TP_METRICS.length + k;
        bin.sum[i] = (bin.sum[i] as number) + v;
        bin.n[i] = (bin.n[i] as number) + 1;
      });
    }
  }

  get length(): number {
    return this.bins.length;
  }

  /**
   * Per-second means of `metric` since `fromSec` (epoch s): x in epoch seconds (uPlot's time
   * axis), one y array per headstage, null where that headstage had no reading in that second.
   */
  series(metric: TpMetric, fromSec = -Infinity): { x: number[]; ys: (number | null)[][] } {
    const k = TP_METRICS.indexOf(metric);
    const x: number[] = [];
    const ys: (number | null)[][] = Array.from({ length: this.headstages }, () => []);
    for (const b of this.bins) {
      if (b.t < fromSec) continue;
      x.push(b.t);
      for (let hs = 0; hs < this.headstages; hs++) {
        const i = hs * TP_METRICS.length + k;
        const n = b.n[i] as number;
        (ys[hs] as (number | null)[]).push(n > 0 ? (b.sum[i] as number) / n : null);
      }
    }
    return { x, ys };
  }
}
