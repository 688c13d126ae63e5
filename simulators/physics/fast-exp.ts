/**
 * e^(−y) for y ≥ 0 without Math.exp: the hot loops need one such factor per cell and substep
 * (the exponential-Euler voltage update), and V8's Math.exp costs ≈ 20 ns on this machine against
 * ≈ 3 ns for this form (measured in bench/slice.bench.ts's harness).
 *
 * Method: y = j/64 + r with 0 ≤ r < 1/64; e^(−y) = E[j]·e^(−r), E[j] = e^(−j/64) tabulated, e^(−r)
 * by its Taylor polynomial to r⁵ (truncation ≤ r⁶/720 < 2.4e-14 relative). Beyond y = 40
 * (e^(−40) ≈ 4e-18) and for NaN, Math.exp is used, so the result is never less accurate than
 * ≈ 3e-14 relative and NaN propagates as before.
 *
 * Hot loops copy EXP_TABLE into a local and inline the same polynomial (see population.ts), so
 * that no imported binding is read per sample; `expNeg` is the reference form for other callers
 * and for tests.
 */
export const EXP_STEPS_PER_UNIT = 64;
export const EXP_MAX_ARG = 40;
export const EXP_TABLE: Float64Array = Float64Array.from(
  { length: EXP_MAX_ARG * EXP_STEPS_PER_UNIT + 1 },
  (_, j) => Math.exp(-j / EXP_STEPS_PER_UNIT),
);

const TABLE = EXP_TABLE;
const PER_UNIT = EXP_STEPS_PER_UNIT;
const INV_PER_UNIT = 1 / EXP_STEPS_PER_UNIT;
const MAX_ARG = EXP_MAX_ARG;

/** e^(−y); accurate to ≈ 3e-14 relative for y ≥ 0 (see above); Math.exp(−y) elsewhere. */
export function expNeg(y: number): number {
  if (!(y >= 0 && y < MAX_ARG)) return Math.exp(-y);
  const z = y * PER_UNIT;
  const j = z | 0;
  const r = (z - j) * INV_PER_UNIT;
  return (TABLE[j] as number) * (1 - r * (1 - r * (0.5 - r * (1 / 6 - r * (1 / 24 - r * (1 / 120))))));
}
