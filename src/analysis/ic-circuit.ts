import { goldenSectionLog } from './stats.ts';

/**
 * The current-clamp test-pulse circuit with its pipette capacitance: a current step I into the
 * pipette node (capacitance Cp to ground), through the access resistance Ra into the cell (Rm ∥ Cm).
 * Its step response is two exponentials,
 *
 *   V(t)/I = R − a_f·e^(−t/τ_f) − a_s·e^(−t/τ_s),   R = Ra + Rm,   V(0) = 0 (Cp holds the node),
 *
 * from the impedance Z(s) = (R + s·Ra·τm) / (1 + s·(τm + Cp·R) + s²·Cp·Ra·τm), τm = Rm·Cm. So
 *
 *   τ_f + τ_s = τm + Cp·R,   τ_f·τ_s = Cp·Ra·τm,   S·(τ_s − τ_f) = Ra·τm − R·τ_f,
 *
 * where S = R − a_s is the slow exponential extrapolated to the onset — the "Ra" of the one-
 * exponential procedure. With Cp = 0 (τ_f = 0) S is Ra exactly; with Cp > 0 it is ≈ Ra·(1 − 2·Cp/Cm),
 * i.e. Ra − 2·Ra·Cp/Cm (100 µs / Cm with 10 MΩ and 5 pF: 8 % low on a 120 pF cell, 14 % on 70 pF),
 * and the slow τ is ≈ (Cm + Cp)·Rm, so τ/Ri reads Cm + Cp. Knowing τ_f as well, the three
 * relations give Ra, Cp and τm exactly (invertIcCircuit).
 */
export interface IcCircuit {
  /** Access resistance, Ω. */
  ra: number;
  /** Membrane (input) resistance, Ω. */
  rm: number;
  /** Membrane capacitance, F. */
  cm: number;
  /** Pipette capacitance, F (0 when no fast stage was seen). */
  cp: number;
  /** Membrane time constant Rm·Cm, s. */
  tauM: number;
}

/**
 * Circuit values from the step response: `total` R = ΔV∞/I (Ω), `intercept` S (Ω), the slow and
 * fast time constants (s). A fast stage that is absent or not resolvable (τ_f ≤ 0, not finite or not
 * faster than the slow one) leaves the one-exponential reading: Ra = S, τm = τ_s.
 */
export function invertIcCircuit(total: number, intercept: number, tauSlow: number, tauFast: number): IcCircuit {
  const R = total;
  const S = intercept;
  const plain = (): IcCircuit => ({ ra: S, rm: R - S, cm: tauSlow / (R - S), cp: 0, tauM: tauSlow });
  if (!(tauFast > 0) || !Number.isFinite(tauFast) || !(tauFast < tauSlow)) return plain();
  const raTauM = S * (tauSlow - tauFast) + R * tauFast;
  const cp = (tauFast * tauSlow) / raTauM;
  const tauM = tauFast + tauSlow - cp * R;
  // Outside the circuit's range (noise on a tiny fast stage): keep the plain reading.
  if (!(raTauM > 0) || !(cp > 0) || !(tauM > 0)) return plain();
  const ra = raTauM / tauM;
  const rm = R - ra;
  return { ra, rm, cm: tauM / rm, cp, tauM };
}

/**
 * Time constant of the fast stage from the samples just after the onset: `deficit[k]` is the slow
 * exponential minus the data at `t[k]` (s from the onset), `d0` the deficit at the onset itself
 * (the whole fast amplitude, since the node has not moved yet). Least squares of d0·e^(−t/τ_f)
 * over τ_f ∈ [tMin, tMax] by golden-section search on log τ_f; 0 when there is nothing to fit or the
 * best τ_f is at the lower bound.
 */
export function fitFastStage(t: readonly number[], deficit: readonly number[], d0: number, tMin: number, tMax: number): number {
  if (t.length === 0 || d0 === 0 || !Number.isFinite(d0)) return 0;
  const sse = (tau: number) => {
    let s = 0;
    for (let k = 0; k < t.length; k++) {
      const r = (deficit[k] as number) - d0 * Math.exp(-(t[k] as number) / tau);
      s += r * r;
    }
    return s;
  };
  // τ_f → 0 is the model with no fast stage: prefer it when it fits as well (noise alone).
  let zero = 0;
  for (const d of deficit) zero += d * d;
  const tau = goldenSectionLog(sse, tMin, tMax, 40, 1e-4);
  // At the lower bound the samples see no fast stage, only rounding: take none.
  return tau > 2 * tMin && sse(tau) < zero ? tau : 0;
}
