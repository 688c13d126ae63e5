import type { ClampMode } from '../core/clamp.ts';
import type { Sweep } from '../core/sweep.ts';

/** A sweep as the sweep browser lists it. */
export interface SweepListing {
  sweep: number;
  protocol: string;
  stimulusName: string;
  startTime: string;
  sampleRate: number;
  scans: number;
  aborted: boolean;
  headstages: { headstage: number; mode: ClampMode }[];
  qc: SweepQc[];
}

export interface SweepQc {
  headstage: number;
  pass: boolean;
  /** Names of the recording-QC checks that failed. */
  reasons: string[];
}

export interface MinMaxColumns {
  min: number[];
  max: number[];
}

export interface SweepView {
  sweep: number;
  sampleRate: number;
  scans: number;
  from: number;
  to: number;
  factor: number;
  resolution: 'full' | 'overview';
  headstages: { headstage: number; mode: ClampMode; command: MinMaxColumns; response: MinMaxColumns }[];
}

export interface SweepStoreOptions {
  /** Sweeps kept at full resolution (the most recent). Default 4. */
  fullSweeps?: number;
  /** Columns of every sweep's overview. Default 2048. */
  overviewColumns?: number;
  /** Sweeps kept at all (oldest dropped first). Default 500 (≈ 128 MiB of overviews at 8 headstages). */
  maxSweeps?: number;
}

/** Interleaved (min, max) columns of `factor` samples each, computed once. */
interface Overview {
  factor: number;
  /** Per headstage (sweep order): command and response columns, interleaved min/max. */
  command: Float32Array[];
  response: Float32Array[];
}

interface Entry {
  listing: SweepListing;
  overview: Overview;
  /** Present for the last few sweeps only. */
  full?: { command: Float32Array[]; response: Float32Array[] };
}

/** Why a view cannot be served, phrased for the API client. */
export class SweepViewError extends Error {
  constructor(
    readonly code: 'SWEEP_NOT_FOUND' | 'SWEEP_QUERY',
    message: string,
  ) {
    super(message);
    this.name = 'SweepViewError';
  }
}

/**
 * The current experiment's sweeps for the sweep browser, in memory with a bounded budget: the last
 * few at full resolution, every one as a fixed-width min/max overview (8 headstages × 2 signals ×
 * 2048 columns ≈ 256 KiB a sweep). Reading back from the NWB file was the alternative; it cannot
 * be done safely while the writer appends, and one HDF5 open per request would miss the < 1 s
 * target for a page of 200 sweeps × 8 headstages.
 */
export class SweepStore {
  private readonly entries = new Map<number, Entry>();
  private readonly fullSweeps: number;
  private readonly overviewColumns: number;
  private readonly maxSweeps: number;

  constructor(opts: SweepStoreOptions = {}) {
    this.fullSweeps = opts.fullSweeps ?? 4;
    this.overviewColumns = opts.overviewColumns ?? 2048;
    this.maxSweeps = opts.maxSweeps ?? 500;
  }

  /** Keeps a sweep (call before handing it to a writer that may detach its arrays). */
  add(sweep: Sweep): void {
    const scans = sweep.channels[0]?.response.length ?? 0;
    const factor = Math.max(1, Math.ceil(scans / this.overviewColumns));
    this.entries.set(sweep.index, {
      listing: listingOf(sweep, scans),
      overview: {
        factor,
        command: sweep.channels.map((c) => minMaxPairs(c.command, 0, c.command.length, factor)),
        response: sweep.channels.map((c) => minMaxPairs(c.response, 0, c.response.length, factor)),
      },
      full: { command: sweep.channels.map((c) => c.command), response: sweep.channels.map((c) => c.response) },
    });
    const order = [...this.entries.keys()].sort((a, b) => a - b);
    for (const k of order.slice(0, Math.max(0, order.length - this.fullSweeps))) {
      const e = this.entries.get(k);
      if (e) delete e.full;
    }
    for (const k of order.slice(0, Math.max(0, order.length - this.maxSweeps))) this.entries.delete(k);
  }

  clear(): void {
    this.entries.clear();
  }

  list(): SweepListing[] {
    return [...this.entries.values()].map((e) => e.listing).sort((a, b) => a.sweep - b.sweep);
  }

  /** One sweep decimated to `width` columns over [from, to) s, on the chosen headstages. */
  view(sweep: number, q: { width: number; headstages?: number[]; from?: number; to?: number }): SweepView {
    const e = this.entries.get(sweep);
    if (!e) {
      const known = this.list().map((l) => l.sweep);
      const range = known.length > 0 ? `sweeps ${known[0]}–${known[known.length - 1]} are kept` : 'no sweep has been acquired yet';
      throw new SweepViewError('SWEEP_NOT_FOUND', `sweep ${sweep} is not in the current experiment's memory (${range}); GET /api/experiments/current/sweeps lists them, the NWB file has all`);
    }
    const l = e.listing;
    const rate = l.sampleRate;
    const wanted = q.headstages ?? l.headstages.map((h) => h.headstage);
    const missing = wanted.filter((h) => !l.headstages.some((x) => x.headstage === h));
    if (missing.length > 0) throw new SweepViewError('SWEEP_QUERY', `headstages: ${missing.join(', ')} not recorded in sweep ${sweep} (recorded: ${l.headstages.map((h) => h.headstage).join(', ')})`);
    const duration = l.scans / rate;
    const from = q.from ?? 0;
    const to = Math.min(q.to ?? duration, duration);
    if (!(from < to)) throw new SweepViewError('SWEEP_QUERY', `from/to: need from < to within the sweep's 0–${duration} s, got from=${from} to=${q.to ?? duration}`);
    const a = Math.floor(from * rate);
    const b = Math.min(l.scans, Math.ceil(to * rate));
    const rows = wanted.map((h) => l.headstages.findIndex((x) => x.headstage === h));
    if (e.full) {
      const full = e.full;
      const factor = Math.max(1, Math.ceil((b - a) / q.width));
      return {
        sweep, sampleRate: rate, scans: l.scans, from: a / rate, to: b / rate, factor, resolution: 'full',
        headstages: rows.map((k) => ({
          headstage: l.headstages[k]?.headstage as number,
          mode: l.headstages[k]?.mode as ClampMode,
          command: split(minMaxPairs(full.command[k] as Float32Array, a, b, factor)),
          response: split(minMaxPairs(full.response[k] as Float32Array, a, b, factor)),
        })),
      };
    }
    // From the overview: whole overview columns, merged k at a time.
    const f0 = e.overview.factor;
    const c0 = Math.floor(a / f0);
    const c1 = Math.ceil(b / f0);
    const k = Math.max(1, Math.ceil((c1 - c0) / q.width));
    return {
      sweep, sampleRate: rate, scans: l.scans, from: (c0 * f0) / rate, to: Math.min(l.scans, c1 * f0) / rate, factor: k * f0, resolution: 'overview',
      headstages: rows.map((r) => ({
        headstage: l.headstages[r]?.headstage as number,
        mode: l.headstages[r]?.mode as ClampMode,
        command: merge(e.overview.command[r] as Float32Array, c0, c1, k),
        response: merge(e.overview.response[r] as Float32Array, c0, c1, k),
      })),
    };
  }
}

function listingOf(sweep: Sweep, scans: number): SweepListing {
  return {
    sweep: sweep.index,
    protocol: sweep.protocol,
    stimulusName: sweep.stimulusName,
    startTime: sweep.startTime,
    sampleRate: sweep.sampleRate,
    scans,
    aborted: sweep.aborted,
    headstages: sweep.channels.map((c) => ({ headstage: c.headstage, mode: c.mode })),
    qc: sweepQc(sweep),
  };
}

/** Each headstage's recording QC as pass + the names of the failed checks. */
export function sweepQc(sweep: Sweep): SweepQc[] {
  return sweep.channels.map((c) => ({ headstage: c.headstage, pass: c.qc?.pass ?? true, reasons: (c.qc?.checks ?? []).filter((x) => !x.pass).map((x) => x.name) }));
}

/** Interleaved (min, max) of columns of `factor` samples over [a, b); factor 1 gives each sample twice. */
function minMaxPairs(v: Float32Array, a: number, b: number, factor: number): Float32Array {
  const columns = Math.max(0, Math.ceil((b - a) / factor));
  const out = new Float32Array(2 * columns);
  for (let c = 0; c < columns; c++) {
    const s = a + c * factor;
    const t = Math.min(s + factor, b);
    let lo = v[s] as number;
    let hi = lo;
    for (let i = s + 1; i < t; i++) {
      const x = v[i] as number;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    out[2 * c] = lo;
    out[2 * c + 1] = hi;
  }
  return out;
}

/**
 * A float32 sample with the 7 significant digits it has: as a double it would print 17 in JSON
 * (`-0.06499999761581421`), tripling the bytes of every view for nothing.
 */
function f32(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(7));
}

function split(pairs: Float32Array): MinMaxColumns {
  const n = pairs.length / 2;
  const min = new Array<number>(n);
  const max = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    min[i] = f32(pairs[2 * i] as number);
    max[i] = f32(pairs[2 * i + 1] as number);
  }
  return { min, max };
}

/** Overview columns [c0, c1) merged `k` at a time. */
function merge(pairs: Float32Array, c0: number, c1: number, k: number): MinMaxColumns {
  const min: number[] = [];
  const max: number[] = [];
  const end = Math.min(c1, pairs.length / 2);
  for (let c = c0; c < end; c += k) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let j = c; j < Math.min(c + k, end); j++) {
      lo = Math.min(lo, pairs[2 * j] as number);
      hi = Math.max(hi, pairs[2 * j + 1] as number);
    }
    min.push(f32(lo));
    max.push(f32(hi));
  }
  return { min, max };
}
