/**
 * Which past sweeps the sweep browser shows (criterion 12: select by protocol/offset/step). Pure,
 * so the rule is tested apart from the DOM.
 */

/** The most sweeps overlaid at once: each one is a fetch and a uPlot series. */
export const MAX_OVERLAY = 50;

export interface SweepSelection {
  /** Only sweeps of this stimulus; '' or undefined: every stimulus. */
  stimulus?: string | undefined;
  /** First sweep number considered; undefined (or not a number): from the first sweep. */
  from?: number | undefined;
  /** The last `count` of what matches (1…MAX_OVERLAY). */
  count: number;
  /** Every `step`-th matching sweep (1 = all). */
  step: number;
}

/** A whole number in [lo, hi]; `fallback` when it is not a number at all (an empty field). */
function clampInt(v: number | undefined, lo: number, hi: number, fallback: number): number {
  if (v === undefined || !Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, Math.floor(v)));
}

/**
 * The sweep numbers to show, ascending: sweeps of `stimulus` numbered `from` or later, every
 * `step`-th of them, the last `count` of those. With `from` the steps count from the first match
 * (sweep `from` onwards, as typed); without it they count back from the newest match, so following
 * the last sweep always shows the newest one.
 */
export function selectSweeps(list: readonly { sweep: number; stimulusName: string }[], sel: SweepSelection): number[] {
  const count = clampInt(sel.count, 1, MAX_OVERLAY, 1);
  const step = clampInt(sel.step, 1, Number.MAX_SAFE_INTEGER, 1);
  const from = sel.from === undefined || !Number.isFinite(sel.from) ? undefined : Math.max(0, Math.ceil(sel.from));
  const matching = list
    .filter((s) => (!sel.stimulus || s.stimulusName === sel.stimulus) && (from === undefined || s.sweep >= from))
    .map((s) => s.sweep)
    .sort((a, b) => a - b);
  const last = matching.length - 1;
  const stepped = matching.filter((_, i) => (from === undefined ? last - i : i) % step === 0);
  return stepped.slice(-count);
}

/** The stimuli of `list`, each once, in the order they were first run (the stimulus picker). */
export function stimulusNames(list: readonly { stimulusName: string }[]): string[] {
  return [...new Set(list.map((s) => s.stimulusName))];
}
