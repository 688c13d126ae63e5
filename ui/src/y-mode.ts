/**
 * A lane's y modes (criterion 14, as in MIES): Auto follows the data, Fixed keeps a range, Interval
 * keeps a span but re-centres it on the data every frame, so a drifting trace stays on screen
 * without its scale (and scale bar) changing.
 */
export type YMode = 'auto' | 'fixed' | 'interval';

/** The lane button's cycle: Auto → Fixed → Interval → Auto. */
export function nextYMode(m: YMode): YMode {
  return m === 'auto' ? 'fixed' : m === 'fixed' ? 'interval' : 'auto';
}

export const Y_MODE_LABEL: Record<YMode, string> = { auto: 'Auto', fixed: 'Fixed', interval: 'Interval' };

/**
 * The y range of Interval mode: `span` centred on the midpoint of the data's min and max. Without
 * finite data the span is centred on 0 (nothing to follow yet); a span that is not a positive
 * finite number falls back to the data's own range (or 2 if the data is flat), so a bad typed
 * value never gives uPlot an empty or inverted scale.
 */
export function intervalRange(min: number, max: number, span: number): [number, number] {
  const finite = Number.isFinite(min) && Number.isFinite(max);
  const lo = finite ? Math.min(min, max) : 0;
  const hi = finite ? Math.max(min, max) : 0;
  const s = Number.isFinite(span) && span > 0 ? span : hi - lo > 0 ? hi - lo : 2;
  const mid = (lo + hi) / 2;
  return [mid - s / 2, mid + s / 2];
}
