/** One benchmark figure, printed as one JSON line (DESIGN §8). */
export interface Figure {
  bench: string;
  metric: string;
  value: number;
  baseline: { name: string; value: number } | null;
  /** Extra context (configuration, units), printed beside the figure. */
  context?: Record<string, string | number>;
}

/** Prints a figure with `ratio` = value / baseline (null without a baseline). */
export function report(f: Figure): void {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const ratio = f.baseline && f.baseline.value !== 0 ? round(f.value / f.baseline.value) : null;
  const { context, ...main } = f;
  const line = { ...main, ...context, value: round(f.value), baseline: f.baseline ? { ...f.baseline, value: round(f.baseline.value) } : null, ratio };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
