/**
 * The results view's logic, free of the DOM so it is unit-tested: which `analysis` event to keep,
 * the connectivity matrix's cells and colours, the plasticity curves and the numbers as a rig user
 * reads them (mV/pA, ms). Everything arrives in SI units.
 */
import type { AnalysisCounts, AnalysisEvent, PairStatus, PlasticityCurve } from '../../src/analysis/online.ts';
import { type ClampMode, type DisplayUnit, MILLIVOLT, PICOAMP } from './units.ts';

export type { AnalysisCounts, AnalysisEvent, PairStatus, PlasticityCurve };

/** The `/ws` `analysis` event and `GET /api/experiments/current/analysis`: the payload plus its experiment. */
export type AnalysisUpdate = AnalysisEvent & { experiment: string };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/**
 * The update in a ws event or REST body, or undefined when it lacks what the view reads (an older
 * or newer service must not break the console: it shows "no analysis" instead).
 */
export function parseAnalysis(x: unknown): AnalysisUpdate | undefined {
  if (!isObj(x) || typeof x.experiment !== 'string' || typeof x.sweep !== 'number' || !isObj(x.counts) || !Array.isArray(x.pairs)) return undefined;
  if (typeof x.counts.sweeps !== 'number') return undefined;
  if (!x.pairs.every((p) => isObj(p) && typeof p.pre === 'number' && typeof p.post === 'number' && typeof p.status === 'string')) return undefined;
  return x as unknown as AnalysisUpdate;
}

/**
 * The result to show after `incoming` arrives while `current` is shown and the console's current
 * experiment is `experiment`: another experiment's result is ignored (a late event of the last
 * run), and an older result of the same experiment never replaces a newer one (the REST answer
 * can land after an event that followed it). Each event covers every sweep analysed so far, so
 * the one with more sweeps is the newer.
 */
export function nextResult(current: AnalysisUpdate | undefined, incoming: AnalysisUpdate, experiment: string | undefined): AnalysisUpdate | undefined {
  if (experiment !== undefined && incoming.experiment !== experiment) return current;
  if (current && current.experiment === incoming.experiment && incoming.counts.sweeps < current.counts.sweeps) return current;
  return incoming;
}

// ---------------------------------------------------------------- units

/**
 * Amplitudes are volts for a postsynaptic cell recorded in IC and amps in VC. A pair's `category`
 * says in which clamp mode its numbers were measured; when the pairs onto a cell name one mode, it
 * decides. Otherwise (older events without categories, or both modes onto one cell) the largest
 * |value| across the pairs onto that cell separates them by orders of magnitude: PSPs and even
 * noise-level strengths in IC are ≥ ~10 µV, currents in VC ≤ ~10 nA. Only when a cell has no value
 * at all does its present clamp mode decide.
 */
const VOLT_THRESHOLD = 1e-7;

export function postUnits(pairs: readonly PairStatus[], modeOf: (hs: number) => ClampMode | undefined = () => undefined): Map<number, DisplayUnit> {
  const largest = new Map<number, number>();
  const modes = new Map<number, Set<ClampMode>>();
  for (const p of pairs) {
    const values = [p.pspAmplitude, p.strength, ...p.plasticity.flatMap((c) => c.amplitudes)];
    for (const v of values) if (v !== null && Number.isFinite(v)) largest.set(p.post, Math.max(largest.get(p.post) ?? 0, Math.abs(v)));
    if (p.category) modes.set(p.post, (modes.get(p.post) ?? new Set<ClampMode>()).add(p.category.mode));
  }
  const posts = new Set(pairs.map((p) => p.post));
  const out = new Map<number, DisplayUnit>();
  for (const post of posts) {
    const named = modes.get(post);
    if (named?.size === 1) {
      out.set(post, named.has('VC') ? PICOAMP : MILLIVOLT);
      continue;
    }
    const m = largest.get(post);
    out.set(post, m !== undefined && m > 0 ? (m >= VOLT_THRESHOLD ? MILLIVOLT : PICOAMP) : modeOf(post) === 'VC' ? PICOAMP : MILLIVOLT);
  }
  return out;
}

// ---------------------------------------------------------------- formatting

const DASH = '–';

/** ~3 significant figures, without exponent notation or "-0". */
export function sig3(x: number): string {
  const a = Math.abs(x);
  const s = x.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

export function formatAmplitude(x: number | null, unit: DisplayUnit): string {
  return x === null || !Number.isFinite(x) ? `${DASH} ${unit.unit}` : `${sig3(x * unit.scale)} ${unit.unit}`;
}

const TM_NAMES = { U: 'U', tauRec: 'τrec', tauFacil: 'τfacil' } as const;

/** A value with its relative standard error, e.g. "250 ms ± 4 %"; "± ?" when the data do not determine it. */
export function withError(text: string, relative: number | null): string {
  return `${text} ± ${relative === null ? '?' : `${relative < 0.1 ? (relative * 100).toFixed(1) : (relative * 100).toFixed(0)} %`}`;
}

export function formatMs(s: number | null): string {
  return s === null || !Number.isFinite(s) ? `${DASH} ms` : `${sig3(s * 1e3)} ms`;
}

/** p-values read as "0.032"; very small ones as "2.1e-6" rather than "0.000". */
export function formatP(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return DASH;
  if (p < 1e-3) return p.toExponential(1);
  return p.toFixed(3);
}

export function formatHz(f: number): string {
  return `${+f.toPrecision(4)} Hz`;
}

/** Recovery delay in ms below 1 s (250 ms), else s (2 s): as the protocol's conditions are named. */
export function formatDelay(s: number): string {
  return s < 1 ? `${+(s * 1e3).toPrecision(4)} ms` : `${+s.toPrecision(4)} s`;
}

export function conditionLabel(c: Pick<PlasticityCurve, 'frequency' | 'recoveryDelay'>): string {
  return `${formatHz(c.frequency)} · ${formatDelay(c.recoveryDelay)}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What was analysed and what was left out. Failed sweeps and responses are counted and shown,
 * never silently used or silently dropped.
 */
export function countsText(c: AnalysisCounts): string {
  return [
    `${plural(c.sweeps, 'sweep')} analysed: ${c.includedSweeps} used, ${c.excludedSweeps} excluded`,
    `${plural(c.usedResponses, 'response')} used, ${c.excludedResponses} excluded`,
    `${plural(c.excludedRecordings, 'recording')} failed QC`,
  ].join(' · ');
}

// ---------------------------------------------------------------- matrix

export type CellKind = 'self' | 'none' | PairStatus['status'];

export interface MatrixCell {
  pre: number;
  post: number;
  kind: CellKind;
  pair: PairStatus | undefined;
  /** CSS background. */
  color: string;
  /** Text in the cell: "+" / "−" for connections, "?" for uncertain pairs, "" otherwise. */
  mark: string;
  /** 0–1: |PSP amplitude| relative to the largest of the same unit in the matrix. */
  intensity: number;
}

/** The colours of the scale, dark theme: neutral is the panel colour, so an unconnected pair recedes. */
export const NEUTRAL = '#1e232b';
export const EXCITATORY = '#ff7043';
export const INHIBITORY = '#42a5f5';
/** Uncertain pairs: a muted amber, always with the "?" mark and hatching. */
export const UNCERTAIN = '#6d5a2a';
/** Even the weakest connection must stand apart from neutral. */
const MIN_MIX = 0.3;

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** `a` mixed with `b` by t ∈ [0, 1], as "rgb(r, g, b)". */
export function mix(a: string, b: string, t: number): string {
  const x = rgb(a);
  const y = rgb(b);
  const k = Math.min(1, Math.max(0, t));
  const c = x.map((v, i) => Math.round(v + ((y[i] as number) - v) * k));
  return `rgb(${c.join(', ')})`;
}

/** Excitatory warm, inhibitory cool, more saturated the larger the PSP; sign 0 stays neutral. */
export function connectionColor(sign: -1 | 0 | 1, intensity: number): string {
  if (sign === 0) return NEUTRAL;
  return mix(NEUTRAL, sign > 0 ? EXCITATORY : INHIBITORY, MIN_MIX + (1 - MIN_MIX) * Math.min(1, Math.max(0, intensity)));
}

/** The amplitude a connection is coloured by: the fitted PSP, else the detection strength. */
function sizeOf(p: PairStatus): number | null {
  const v = p.pspAmplitude ?? p.strength;
  return v !== null && Number.isFinite(v) ? Math.abs(v) : null;
}

/**
 * The matrix, pre in rows and post in columns over `headstages` (the experiment's, in order):
 * every ordered pair gets a cell, those the analysis has not reached yet as 'none'.
 */
export function matrixModel(headstages: readonly number[], pairs: readonly PairStatus[], units: ReadonlyMap<number, DisplayUnit> = postUnits(pairs)): MatrixCell[][] {
  const byKey = new Map(pairs.map((p) => [`${p.pre}/${p.post}`, p]));
  // Intensities compare like with like: mV with mV, pA with pA.
  const largest = new Map<string, number>();
  for (const p of pairs) {
    if (p.status !== 'connected') continue;
    const s = sizeOf(p);
    const u = units.get(p.post)?.unit ?? '';
    if (s !== null) largest.set(u, Math.max(largest.get(u) ?? 0, s));
  }
  return headstages.map((pre) =>
    headstages.map((post): MatrixCell => {
      if (pre === post) return { pre, post, kind: 'self', pair: undefined, color: 'transparent', mark: '', intensity: 0 };
      const pair = byKey.get(`${pre}/${post}`);
      if (!pair) return { pre, post, kind: 'none', pair, color: 'transparent', mark: '', intensity: 0 };
      if (pair.status === 'connected') {
        const s = sizeOf(pair);
        const max = largest.get(units.get(post)?.unit ?? '') ?? 0;
        const intensity = s !== null && max > 0 ? s / max : 0;
        return { pre, post, kind: 'connected', pair, color: connectionColor(pair.sign, intensity), mark: pair.sign < 0 ? '−' : pair.sign > 0 ? '+' : '•', intensity };
      }
      if (pair.status === 'uncertain') return { pre, post, kind: 'uncertain', pair, color: UNCERTAIN, mark: '?', intensity: 0 };
      return { pre, post, kind: 'unconnected', pair, color: NEUTRAL, mark: '', intensity: 0 };
    }),
  );
}

/** The numbers of one pair, label and value, as the details panel and the cell's tooltip show them. */
export function pairDetails(p: PairStatus, unit: DisplayUnit): [string, string][] {
  const sign = p.sign > 0 ? 'excitatory' : p.sign < 0 ? 'inhibitory' : 'no sign';
  const rows: [string, string][] = [
    ['status', `${p.status}${p.status === 'connected' ? ` (${sign})` : ''}${p.uncertain && p.status !== 'uncertain' ? ', uncertain' : ''}`],
    ['measured in', p.category ? `${p.category.mode} at ${(p.category.holding * 1e3).toFixed(0)} mV` : DASH],
    ['PSP amplitude', formatAmplitude(p.pspAmplitude, unit)],
    ['latency', formatMs(p.pspLatency)],
    ['p-value', formatP(p.pValue)],
    ['strength', formatAmplitude(p.strength, unit)],
    ['trials', String(p.trials)],
    ['TM U', p.tm ? withError(sig3(p.tm.U), p.tm.relativeErrors.U) : DASH],
    ['TM τrec', p.tm ? withError(formatMs(p.tm.tauRec), p.tm.relativeErrors.tauRec) : `${DASH} ms`],
    ['TM τfacil', p.tm ? (p.tm.tauFacil > 0 ? withError(formatMs(p.tm.tauFacil), p.tm.relativeErrors.tauFacil) : formatMs(p.tm.tauFacil)) : `${DASH} ms`],
    // Two standard errors within 15 %, or not: whether more repetitions are worth recording before the cells are lost.
    ['TM precision', p.tm ? (p.tm.unresolved.length === 0 ? 'within ±15 %' : `${p.tm.unresolved.map((k) => TM_NAMES[k]).join(', ')} beyond ±15 %: add repetitions`) : DASH],
    ['TM measured in', p.tm?.category ? `${p.tm.category.mode} at ${(p.tm.category.holding * 1e3).toFixed(0)} mV` : DASH],
  ];
  if (p.plasticity.length === 0) rows.push(['PPR', DASH]);
  // In the plot legend's order: by frequency, then recovery delay.
  for (const c of [...p.plasticity].sort(byCondition)) rows.push([`PPR ${conditionLabel(c)}`, c.pairedPulseRatio === null ? DASH : sig3(c.pairedPulseRatio)]);
  return rows;
}

// ---------------------------------------------------------------- plasticity

export const PULSES = 12;

function byCondition(a: PlasticityCurve, b: PlasticityCurve): number {
  return a.frequency - b.frequency || a.recoveryDelay - b.recoveryDelay;
}

export interface PlasticitySeries {
  label: string;
  /** One value per pulse 1–12, display units (or × pulse 1), null where there is none. */
  values: (number | null)[];
}

/**
 * Amplitude against pulse number, one series per condition, in display units or, with
 * `normalise`, relative to pulse 1 (a condition whose pulse 1 is missing or zero has no ratio).
 */
export function plasticitySeries(curves: readonly PlasticityCurve[], unit: DisplayUnit, normalise: boolean): { x: number[]; series: PlasticitySeries[] } {
  const x = Array.from({ length: PULSES }, (_, i) => i + 1);
  const series = [...curves]
    .sort(byCondition)
    .map((c) => {
      const first = c.amplitudes[0] ?? null;
      const values = x.map((_, i) => {
        const v = c.amplitudes[i] ?? null;
        if (v === null || !Number.isFinite(v)) return null;
        if (!normalise) return v * unit.scale;
        return first !== null && first !== 0 && Number.isFinite(first) ? v / first : null;
      });
      return { label: `${conditionLabel(c)} (${plural(c.trials, 'trial')})`, values };
    });
  return { x, series };
}

/** The pair the plasticity plot shows by default: the strongest connection, if any. */
export function defaultPair(cells: readonly MatrixCell[][]): MatrixCell | undefined {
  let best: MatrixCell | undefined;
  for (const row of cells) for (const c of row) if (c.kind === 'connected' && (!best || c.intensity > best.intensity)) best = c;
  return best;
}
