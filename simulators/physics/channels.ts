/**
 * Voltage-dependent gating of the ion channels, in the published forms (V in mV, rates in 1/ms,
 * time constants in ms, at each model's reference temperature). They are evaluated only when the
 * lookup tables are built (gate-table.ts); the hot loop never calls them, so we keep the
 * published units here and convert once at the table boundary.
 *
 * Sources:
 * - Traub-type INa and IKd with the threshold shift VT: Pospischil et al. 2008, Biol Cybern
 *   99:427, eqs. for I_Na and I_Kd (after Traub & Miles 1991).
 * - IM: Pospischil et al. 2008 (after Yamada, Koch & Adams 1989); τ scaled by τ_max.
 * - IT: Pospischil et al. 2008 (after Destexhe et al. 1996/1998) with shift Vx; the factor 3.7 in
 *   the published τ_u is the 24 → 36 °C Q10 correction, so the forms below apply at 36 °C.
 * - Classic squid axon: Hodgkin & Huxley 1952, J Physiol 117:500, in the modern sign convention with
 *   rest at −65 mV (as in NEURON's hh.mod), 6.3 °C.
 */

/** Steady state (0…1) and time constant (ms) of one gate at membrane potential v (mV). */
export interface GateForm {
  inf(vMilli: number): number;
  tauMs(vMilli: number): number;
}

/** x / (exp(x/y) − 1), continuous through its removable singularity at x = 0 (limit y). */
function vtrap(x: number, y: number): number {
  const r = x / y;
  return Math.abs(r) < 1e-6 ? y * (1 - r / 2) : x / (Math.exp(r) - 1);
}

function fromRates(alpha: (v: number) => number, beta: (v: number) => number): GateForm {
  return {
    inf: (v) => {
      const a = alpha(v);
      return a / (a + beta(v));
    },
    tauMs: (v) => 1 / (alpha(v) + beta(v)),
  };
}

/** Traub INa activation m (Pospischil 2008), threshold shift vt in mV. */
export function traubNaM(vt: number): GateForm {
  return fromRates(
    (v) => 0.32 * vtrap(-(v - vt - 13), 4),
    (v) => 0.28 * vtrap(v - vt - 40, 5),
  );
}

/** Traub INa inactivation h. */
export function traubNaH(vt: number): GateForm {
  return fromRates(
    (v) => 0.128 * Math.exp(-(v - vt - 17) / 18),
    (v) => 4 / (1 + Math.exp(-(v - vt - 40) / 5)),
  );
}

/** Traub IKd activation n. */
export function traubKdN(vt: number): GateForm {
  return fromRates(
    (v) => 0.032 * vtrap(-(v - vt - 15), 5),
    (v) => 0.5 * Math.exp(-(v - vt - 10) / 40),
  );
}

/** Slow non-inactivating K+ (M) activation p; tauMaxMs is the peak of τ_p. */
export function mCurrentP(tauMaxMs: number): GateForm {
  return {
    inf: (v) => 1 / (1 + Math.exp(-(v + 35) / 10)),
    tauMs: (v) => tauMaxMs / (3.3 * Math.exp((v + 35) / 20) + Math.exp(-(v + 35) / 20)),
  };
}

/** Instantaneous IT activation s∞ (enters squared). */
export function tCurrentSInf(vx: number): (vMilli: number) => number {
  return (v) => 1 / (1 + Math.exp(-(v + vx + 57) / 6.2));
}

/** IT inactivation u. */
export function tCurrentU(vx: number): GateForm {
  return {
    inf: (v) => 1 / (1 + Math.exp((v + vx + 81) / 4)),
    tauMs: (v) =>
      v + vx < -80
        ? Math.exp((v + vx + 467) / 66.6) / 3.7
        : (28 + Math.exp(-(v + vx + 22) / 10.5)) / 3.7,
  };
}

/** Hodgkin–Huxley 1952 Na activation m (rest −65 mV convention, 6.3 °C). */
export const hhNaM: GateForm = fromRates(
  (v) => 0.1 * vtrap(-(v + 40), 10),
  (v) => 4 * Math.exp(-(v + 65) / 18),
);

/** Hodgkin–Huxley 1952 Na inactivation h. */
export const hhNaH: GateForm = fromRates(
  (v) => 0.07 * Math.exp(-(v + 65) / 20),
  (v) => 1 / (1 + Math.exp(-(v + 35) / 10)),
);

/** Hodgkin–Huxley 1952 K activation n. */
export const hhKN: GateForm = fromRates(
  (v) => 0.01 * vtrap(-(v + 55), 10),
  (v) => 0.125 * Math.exp(-(v + 65) / 80),
);
