import { fitEvents } from './event-fit.ts';
import { type PspFit, fitPsp } from './psp-fit.ts';
import type { PspShape } from './psp-shape.ts';
import type { PairTrial } from './records.ts';
import { mean, median, sd, welchT } from './stats.ts';
import { type TmFit, fitTsodyksMarkram } from './tm-fit.ts';

/**
 * Connection detection: the first pulse's detection amplitude (pulse 1 follows ≥ 15 s of rest;
 * only trials where no later response reaches its window, so every trial measures the same thing)
 * against the same estimator at event-free baseline times of the same turns — Welch's two-sample
 * t-test, two-sided. Under "no connection" responses and baseline windows are the same noise
 * through the same linear estimator, and trials are ≥ 15 s apart, so the test is exact for
 * Gaussian noise: P(false positive) = α per pair. α = 1e-3 keeps the expected false connections
 * of an 8-cell slice (56 ordered pairs) at 0.056. See docs/analysis.md.
 */
export const DETECTION_ALPHA = 1e-3;
/** p below this but not below α: "uncertain". */
export const UNCERTAIN_P = 0.05;
/** Fewer first-pulse trials than this: never more than "uncertain". */
export const MIN_TRIALS = 3;

export type ConnectionStatus = 'connected' | 'unconnected' | 'uncertain';

export interface Detection {
  /** Trials with a usable first pulse on the full window. */
  trials: number;
  responses: number;
  excludedResponses: number;
  /** Welch t. */
  statistic: number;
  /** Two-sided p. */
  pValue: number;
  /** Mean first-pulse amplitude − mean baseline estimate, V (IC) or A (VC), on the detection scale. */
  strength: number;
  /** s.d. of the baseline estimates. */
  nullSd: number;
  /** Share of trials whose first pulse alone is more than 3 s.d. of the baseline estimates from their mean (descriptive only). */
  singleTrialFraction: number;
  sign: -1 | 0 | 1;
  status: ConnectionStatus;
  uncertain: boolean;
}

export function detect(trials: readonly PairTrial[]): Detection {
  const first: number[] = [];
  const nulls: number[] = [];
  let responses = 0;
  let excluded = 0;
  for (const tr of trials) {
    const used = tr.used.filter((u) => u).length;
    responses += used;
    excluded += tr.used.length - used;
    if (Number.isFinite(tr.firstAmplitude)) first.push(tr.firstAmplitude);
    nulls.push(...tr.nullFirst.filter(Number.isFinite));
  }
  const t = welchT(first, nulls);
  const nullSd = sd(nulls);
  const nullMean = mean(nulls);
  const m = mean(first) - nullMean;
  const connected = first.length >= MIN_TRIALS && t.p < DETECTION_ALPHA;
  const uncertain = !connected && t.p < UNCERTAIN_P;
  return {
    trials: first.length,
    responses,
    excludedResponses: excluded,
    statistic: t.t,
    pValue: t.p,
    strength: m,
    nullSd,
    singleTrialFraction: first.length > 0 && nullSd > 0 ? first.filter((x) => Math.abs(x - nullMean) > 3 * nullSd).length / first.length : Number.NaN,
    sign: connected || uncertain ? (Math.sign(m) as -1 | 0 | 1) : 0,
    status: connected ? 'connected' : uncertain ? 'uncertain' : 'unconnected',
    uncertain,
  };
}

/** Window of the averaged first response: from 5 ms before the event to 80 ms after it (s). */
const AVG_FROM = -5e-3;
const AVG_TO = 80e-3;

/**
 * The averaged first-pulse response (every trial's pulse 1, which follows ≥ 15 s of rest), each
 * sample averaged over the trials whose next pulse has not yet arrived, then fitted (psp-fit.ts).
 */
export function firstPulseFit(trials: readonly PairTrial[]): PspFit | undefined {
  let rate = Number.NaN;
  let sum: Float64Array | undefined;
  let cnt: Float64Array | undefined;
  for (const tr of trials) {
    if (tr.used[0] !== true) continue;
    const s = tr.segments[0];
    if (!s) continue;
    if (!sum || !cnt) {
      rate = s.seg.rate;
      const n = Math.round((AVG_TO - AVG_FROM) * rate);
      sum = new Float64Array(n);
      cnt = new Float64Array(n);
    }
    if (s.seg.rate !== rate) continue;
    const e1 = tr.events[0] as number;
    const e2 = tr.events[1] ?? Infinity;
    const i0 = Math.round((e1 + AVG_FROM - s.seg.start) * rate);
    // Until the next event's response could begin (its latency is at least ≈ 0.5 ms).
    const last = Math.min(sum.length, Math.floor((e2 + 0.5e-3 - (e1 + AVG_FROM)) * rate));
    for (let i = 0; i < last; i++) {
      const j = i0 + i;
      if (j < 0 || j >= s.seg.y.length) continue;
      sum[i] = (sum[i] as number) + (s.seg.y[j] as number);
      cnt[i] = (cnt[i] as number) + 1;
    }
  }
  if (!sum || !cnt) return undefined;
  const y = new Float64Array(sum.length);
  for (let i = 0; i < y.length; i++) y[i] = (cnt[i] as number) > 0 ? (sum[i] as number) / (cnt[i] as number) : 0;
  return fitPsp({ y, w: cnt, from: AVG_FROM, rate });
}

/** Per trial, the amplitude of every pulse with the pair's own fitted response shape, and the baseline at each event. */
export function trialAmplitudes(tr: PairTrial, shape: PspShape): { amplitudes: number[]; baselines: number[] } {
  const amplitudes = new Array<number>(tr.events.length).fill(Number.NaN);
  const baselines = new Array<number>(tr.events.length).fill(Number.NaN);
  for (const s of tr.segments) {
    const ev = tr.events.slice(s.first, s.first + s.count);
    const f = fitEvents(s.seg, ev, shape);
    const mid = s.seg.start + (s.seg.y.length - 1) / 2 / s.seg.rate;
    f.amplitudes.forEach((a, k) => {
      amplitudes[s.first + k] = a;
      // The baseline (with its drift) at this event.
      baselines[s.first + k] = f.baseline + f.drift * ((ev[k] as number) - mid);
    });
  }
  return { amplitudes, baselines };
}

/** Mean responses of one (frequency, recovery delay) condition and its plasticity ratios. */
export interface ConditionSummary {
  frequency: number;
  recoveryDelay: number;
  trials: number;
  /** Mean amplitude of pulses 1–12 (NaN where no response was used). */
  amplitudes: number[];
  /** A2 / A1. */
  pairedPulseRatio: number;
  /** mean(A6, A7, A8) / A1. */
  induction: number;
  /** mean(A9–A12) / mean(A1–A4). */
  recovery: number;
  /** Mean event times relative to the first, s (for the Tsodyks–Markram fit). */
  times: number[];
}

export function conditionSummaries(trials: readonly PairTrial[], amps: ReadonlyMap<PairTrial, number[]>): ConditionSummary[] {
  const groups = new Map<string, PairTrial[]>();
  for (const tr of trials) {
    const key = `${tr.frequency}/${tr.recoveryDelay}`;
    const g = groups.get(key) ?? [];
    g.push(tr);
    groups.set(key, g);
  }
  const out: ConditionSummary[] = [];
  for (const g of groups.values()) {
    const n = Math.max(...g.map((t) => t.events.length));
    const amplitudes: number[] = [];
    const times: number[] = [];
    for (let k = 0; k < n; k++) {
      const a = g.flatMap((t) => (t.used[k] === true ? [amps.get(t)?.[k] ?? Number.NaN] : [])).filter(Number.isFinite);
      amplitudes.push(mean(a));
      times.push(mean(g.map((t) => (t.events[k] ?? Number.NaN) - (t.events[0] as number)).filter(Number.isFinite)));
    }
    const A = (k: number) => amplitudes[k - 1] ?? Number.NaN;
    out.push({
      frequency: g[0]?.frequency ?? Number.NaN,
      recoveryDelay: g[0]?.recoveryDelay ?? Number.NaN,
      trials: g.length,
      amplitudes,
      pairedPulseRatio: A(2) / A(1),
      induction: mean([A(6), A(7), A(8)]) / A(1),
      recovery: mean([A(9), A(10), A(11), A(12)]) / mean([A(1), A(2), A(3), A(4)]),
      times,
    });
  }
  return out.sort((a, b) => a.frequency - b.frequency || a.recoveryDelay - b.recoveryDelay);
}

export interface PairResult {
  pre: number;
  post: number;
  detection: Detection;
  /** Fit of the averaged first response (pairs with p < 0.05 only). */
  psp?: PspFit;
  /** Median and mean single-trial first-pulse amplitude with the pair's shape. */
  firstPulseMedian: number;
  firstPulseMean: number;
  conditions: ConditionSummary[];
  tm?: TmFit;
  /** Per trial, amplitudes with the pair's shape (only when `psp` exists). */
  amplitudes: Map<PairTrial, { amplitudes: number[]; baselines: number[] }>;
}

/** The whole pair analysis on the trials so far: detection, PSP fit, per-condition plasticity, Tsodyks–Markram. */
export function analyzePair(pre: number, post: number, trials: readonly PairTrial[]): PairResult {
  const detection = detect(trials);
  const result: PairResult = { pre, post, detection, firstPulseMedian: Number.NaN, firstPulseMean: Number.NaN, conditions: [], amplitudes: new Map() };
  if (detection.status === 'unconnected') return result;
  const psp = firstPulseFit(trials);
  if (!psp) return result;
  result.psp = psp;
  const amps = new Map<PairTrial, number[]>();
  for (const tr of trials) {
    const a = trialAmplitudes(tr, psp);
    result.amplitudes.set(tr, a);
    amps.set(tr, a.amplitudes);
  }
  const first = trials.flatMap((t) => (t.used[0] === true ? [amps.get(t)?.[0] ?? Number.NaN] : [])).filter(Number.isFinite);
  result.firstPulseMedian = median(first);
  result.firstPulseMean = mean(first);
  result.conditions = conditionSummaries(trials, amps);
  result.tm = fitTsodyksMarkram(result.conditions.map((c) => ({ times: c.times, amplitudes: c.amplitudes, weight: c.trials })));
  return result;
}
