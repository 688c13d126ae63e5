/**
 * e^(−y) for y ≥ 0 without Math.exp in the common case: the hot loop (population.ts) needs one
 * such factor per cell and substep for the exponential-Euler voltage update, and on the bench
 * machine Math.exp, or a table plus a fifth-order polynomial, was a quarter of a neuron substep.
 *
 * Method: for 0 ≤ y < PADE_MAX_ARG the (3,3) Padé approximant
 *   R(y) = (1 − y/2 + y²/10 − y³/120) / (1 + y/2 + y²/10 + y³/120),
 * whose relative error grows like y⁷/100800 and is < 6.1e-10 at y = 0.25 (tested in
 * fast-exp.test.ts); elsewhere (larger y, negative y, NaN) Math.exp. In a neuron substep y = h·G/C
 * is ≈ 1e-3 at rest and ≈ 0.02–0.2 during a spike, so the Padé branch is the one taken.
 *
 * Why a rational form: the voltage update V∞ + (V − V∞)·e^(−y) with V∞ = Σg·E / G then needs one
 * division in all (population.ts folds V∞ into the same fraction), instead of a division plus an
 * exponential.
 */
export const PADE_MAX_ARG = 0.25;

const MAX_ARG = PADE_MAX_ARG;

/** e^(−y); relative error < 6.1e-10 for 0 ≤ y < PADE_MAX_ARG, Math.exp(−y) elsewhere. */
export function expNeg(y: number): number {
  if (!(y >= 0 && y < MAX_ARG)) return Math.exp(-y);
  const y2 = y * y;
  return (1 - 0.5 * y + y2 * (0.1 - y * (1 / 120))) / (1 + 0.5 * y + y2 * (0.1 + y * (1 / 120)));
}
