import type { Epoch, Sweep } from '../core/sweep.ts';
import type { H5Out, TsRef } from './h5-file.ts';
import type { WrittenSeries } from './series.ts';
import { DynTable } from './table.ts';

/**
 * /intervals/epochs (TimeIntervals): one row per epoch of a sweep, with references to the slice of
 * every series it covers (its headstage's stimulus and response, or all series for whole-sweep
 * epochs), numeric columns to select pulses without parsing tags, and the epoch's own times and
 * parameters so the reader gives back exactly what was planned.
 */

export const EPOCHS = '/intervals/epochs';

export class EpochsTable {
  private readonly out: H5Out;
  readonly table: DynTable;

  constructor(out: H5Out) {
    this.out = out;
    this.table = new DynTable(out, EPOCHS, {
      type: 'TimeIntervals',
      ns: 'core',
      description: 'stimulus epochs of every sweep (pulses, trains, delays, test pulses)',
      columns: [
        { name: 'start_time', description: 'start of the epoch (s since timestamps_reference_time)', kind: '<d' },
        { name: 'stop_time', description: 'end of the epoch (s since timestamps_reference_time)', kind: '<d' },
        { name: 'tags', description: 'epoch kind', kind: 'text', ragged: true },
        { name: 'timeseries', description: 'the slices of the series the epoch covers', kind: 'tsref', ragged: true, type: 'TimeSeriesReferenceVectorData' },
        { name: 'sweep_number', description: 'patchrig sweep number', kind: '<I' },
        { name: 'headstage', description: 'headstage of the epoch; -1 for epochs of the whole sweep', kind: '<i' },
        { name: 'kind', description: "epoch kind, e.g. 'pulse', 'train', 'test-pulse'", kind: 'text' },
        { name: 'start_in_sweep', description: 'start of the epoch (s from the sweep start)', kind: '<d' },
        { name: 'stop_in_sweep', description: 'end of the epoch (s from the sweep start)', kind: '<d' },
        { name: 'params', description: 'epoch parameters (SI) as JSON', kind: 'text' },
      ],
    });
  }

  append(sweep: Sweep, startingTime: number, series: WrittenSeries[]): void {
    if (sweep.epochs.length > 0 && this.table.rows === 0) this.out.group('/intervals');
    this.table.appendRows(
      sweep.epochs.map((e) => ({
        start_time: startingTime + e.start,
        stop_time: startingTime + e.stop,
        tags: [e.kind],
        timeseries: refsOf(e, series),
        sweep_number: sweep.index,
        headstage: e.headstage ?? -1,
        kind: e.kind,
        start_in_sweep: e.start,
        stop_in_sweep: e.stop,
        params: JSON.stringify(e.params),
      })),
    );
  }
}

function refsOf(e: Epoch, series: WrittenSeries[]): TsRef[] {
  const out: TsRef[] = [];
  for (const s of series) {
    if (e.headstage !== undefined && s.headstage !== e.headstage) continue;
    const start = Math.min(s.samples, Math.max(0, Math.round(e.start * s.rate)));
    const stop = Math.min(s.samples, Math.max(start, Math.round(e.stop * s.rate)));
    const slice = { start, count: stop - start };
    if (s.stimulus) out.push({ ...slice, series: s.stimulus });
    out.push({ ...slice, series: s.response });
  }
  return out;
}
