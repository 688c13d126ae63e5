import type { ClampMode } from '../core/clamp.ts';
import type { Sweep } from '../core/sweep.ts';
import { type PairResult, analyzePair } from './pair-analysis.ts';
import type { PairTrial, PulseRow, RecordingRow, SweepRow } from './records.ts';
import { analyzeSweep } from './sweep-analysis.ts';
import { type AnalysisTables, buildTables } from './tables.ts';
import { tmUnresolved } from './tm-fit.ts';

/** Counts of what was analysed and what was left out (failed sweeps are counted, never used). */
export interface AnalysisCounts {
  sweeps: number;
  includedSweeps: number;
  excludedSweeps: number;
  /** Recordings (sweep × headstage) that failed recording QC. */
  excludedRecordings: number;
  usedResponses: number;
  /** Responses left out: not exactly one presynaptic spike, pulse QC or recording QC failed. */
  excludedResponses: number;
}

/** Short-term plasticity of one condition: mean amplitude per pulse (V in IC, A in VC). */
export interface PlasticityCurve {
  frequency: number;
  recoveryDelay: number;
  trials: number;
  amplitudes: (number | null)[];
  pairedPulseRatio: number | null;
}

export interface PairStatus {
  pre: number;
  post: number;
  status: 'connected' | 'unconnected' | 'uncertain';
  /** Two-sided p of the detection t-test (null before 2 trials). */
  pValue: number | null;
  /** Mean response − mean baseline on the detection scale (V in IC, A in VC). */
  strength: number | null;
  sign: -1 | 0 | 1;
  uncertain: boolean;
  trials: number;
  /** Response category the amplitudes and plasticity come from: IC/VC at −70 mV (excitatory) or −55 mV (inhibitory). */
  category?: { mode: ClampMode; holding: number };
  /** Peak of the fitted averaged first response (pairs with p < 0.05). */
  pspAmplitude: number | null;
  pspLatency: number | null;
  /** Per condition, for connected pairs only (keeps the event small). */
  plasticity: PlasticityCurve[];
  /** Tsodyks–Markram fit, connected pairs only; `category` says where it was measured (VC at the holding when recorded with responses ≥ 4 null s.d., else `category` above). */
  tm: {
    U: number;
    tauRec: number;
    tauFacil: number;
    /** Relative standard errors (null: not fitted, e.g. τ_facil of a fit without facilitation; or not determined). */
    relativeErrors: { U: number | null; tauRec: number | null; tauFacil: number | null };
    /** Parameters not known to ±15 % (two standard errors of the noise; empty: all are): more repetitions would pin them down. */
    unresolved: ('U' | 'tauRec' | 'tauFacil')[];
    category: { mode: ClampMode; holding: number } | null;
  } | null;
}

/** The payload of the service's `analysis` event after each sweep: JSON-serialisable, SI units. */
export interface AnalysisEvent {
  sweep: number;
  included: boolean;
  exclusion: string | null;
  counts: AnalysisCounts;
  pairs: PairStatus[];
}

const finite = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

function statusOf(r: PairResult): PairStatus {
  const d = r.detection;
  const connected = d.status === 'connected';
  return {
    pre: r.pre,
    post: r.post,
    status: d.status,
    pValue: finite(d.pValue),
    strength: finite(d.strength),
    sign: d.sign,
    uncertain: d.uncertain,
    trials: d.trials,
    ...(r.category ? { category: { mode: r.category.mode, holding: r.category.holding } } : {}),
    pspAmplitude: finite(r.psp?.amplitude),
    pspLatency: finite(r.psp?.latency),
    plasticity: connected
      ? r.conditions.map((c) => ({ frequency: c.frequency, recoveryDelay: c.recoveryDelay, trials: c.trials, amplitudes: c.amplitudes.map((a) => finite(a)), pairedPulseRatio: finite(c.pairedPulseRatio) }))
      : [],
    tm:
      connected && r.tm && Number.isFinite(r.tm.U)
        ? {
            U: r.tm.U,
            tauRec: r.tm.tauRec,
            tauFacil: r.tm.tauFacil,
            relativeErrors: { U: finite(r.tm.relativeErrors.U), tauRec: finite(r.tm.relativeErrors.tauRec), tauFacil: finite(r.tm.relativeErrors.tauFacil) },
            unresolved: tmUnresolved(r.tm),
            category: r.tmCategory ? { mode: r.tmCategory.mode, holding: r.tmCategory.holding } : null,
          }
        : null,
  };
}

/**
 * Online analysis of a multipatch probe experiment: `addSweep` after every sweep updates the
 * per-sweep records and re-analyses the pairs the sweep touched, and returns the `analysis`
 * event; `tables()` gives the six DataFrames. The offline `patchrig analyze` feeds the sweeps of a
 * file through the same class, so both paths give identical tables.
 */
export class OnlineAnalysis {
  private readonly sweepRows: SweepRow[] = [];
  private readonly recordingRows: RecordingRow[] = [];
  private readonly pulseRows: PulseRow[] = [];
  private readonly trials = new Map<string, PairTrial[]>();
  private readonly results = new Map<string, PairResult>();

  addSweep(sweep: Sweep): AnalysisEvent {
    if (this.sweepRows.some((s) => s.sweep === sweep.index)) throw new RangeError(`sweep ${sweep.index} was already analysed`);
    const r = analyzeSweep(sweep);
    this.sweepRows.push(r.sweep);
    this.recordingRows.push(...r.recordings);
    this.pulseRows.push(...r.pulses);
    const touched = new Set<string>();
    for (const t of r.trials) {
      const key = `${t.pre}/${t.post}`;
      const list = this.trials.get(key) ?? [];
      list.push(t);
      this.trials.set(key, list);
      touched.add(key);
    }
    for (const key of touched) {
      const [pre, post] = key.split('/').map(Number) as [number, number];
      this.results.set(key, analyzePair(pre, post, this.trials.get(key) ?? []));
    }
    return { sweep: r.sweep.sweep, included: r.sweep.included, exclusion: r.sweep.exclusion === '' ? null : r.sweep.exclusion, counts: this.counts(), pairs: this.pairResults().map(statusOf) };
  }

  counts(): AnalysisCounts {
    const included = this.sweepRows.filter((s) => s.included).length;
    let used = 0;
    let excluded = 0;
    for (const r of this.results.values()) {
      used += r.detection.responses;
      excluded += r.detection.excludedResponses;
    }
    return {
      sweeps: this.sweepRows.length,
      includedSweeps: included,
      excludedSweeps: this.sweepRows.length - included,
      excludedRecordings: this.recordingRows.filter((r) => !r.qcPass).length,
      usedResponses: used,
      excludedResponses: excluded,
    };
  }

  /** Current per-pair results, in (pre, post) order. */
  pairResults(): PairResult[] {
    return [...this.results.values()].sort((a, b) => a.pre - b.pre || a.post - b.post);
  }

  /** The compact status of every pair, as in the last event. */
  pairStatus(): PairStatus[] {
    return this.pairResults().map(statusOf);
  }

  tables(): AnalysisTables {
    const sweeps = [...this.sweepRows].sort((a, b) => a.sweep - b.sweep);
    const order = (a: { sweep: number; headstage: number }, b: { sweep: number; headstage: number }) => a.sweep - b.sweep || a.headstage - b.headstage;
    return buildTables({
      sweeps,
      recordings: [...this.recordingRows].sort(order),
      pulses: [...this.pulseRows].sort((a, b) => order(a, b) || a.pulse - b.pulse),
      pairs: this.pairResults().map((result) => ({ result, trials: this.trials.get(`${result.pre}/${result.post}`) ?? [] })),
    });
  }
}
