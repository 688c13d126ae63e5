/**
 * The compensation circuits of one amplifier channel, MultiClamp-700B-like, as per-sample
 * recursions around the preparation (which owns Ra, Cp and the cell). SI units throughout.
 *
 * Voltage clamp (sources: MultiClamp 700B Theory and Operation manual, "Series resistance
 * compensation" and "Whole-cell capacitance compensation"; Sherman-Gold, The Axon Guide, ch. 4
 * "Series resistance compensation"; Sigworth 1995, "Electronic design of the patch clamp", in
 * Single-Channel Recording):
 * - Rs **correction** α (RSCOMP): positive feedback of the measured current, Vp = Vc + α·Rs·I_lag,
 *   where I_lag is the current low-passed at RSBW (a one-pole lag, as the Axon Guide's "lag"
 *   control) and Rs is the series resistance of the whole-cell compensation (WCRES): like on a
 *   MultiClamp, Rs compensation acts on the Rs found by whole-cell compensation. The cell then
 *   sees an effective series resistance Rs·(1 − α): the steady-state error ΔV·Rs/(Rs + Rm) shrinks
 *   to ΔV·Rs(1 − α)/(Rs(1 − α) + Rm) and the clamp time constant to ≈ (1 − α)·Rs·Cm. The feedback
 *   acts one sample late (the simulation's loop delay), so, as on a real amplifier, too much
 *   correction or bandwidth, or correction without CFAST, rings and ends at the headstage rail.
 * - Rs **prediction** β (RSPRED, "supercharging"): feed-forward through a model cell (WCCAP in
 *   series with WCRES·(1 − α)) driven by the boosted command Vc' = Vc + k·(Vc − Vmodel), with
 *   1 + k = (1 − α)/(1 − max(α, β)); the model — and the real cell when the settings match it —
 *   then charges with τ = (1 − max(α, β))·Rs·Cm. β is capped at PREDICTION_MAX (k stays finite).
 * - **Whole-cell compensation** (WCCOMP, enabled): the headstage supplies the model cell's charging
 *   current (Vc' − Vmodel)/(Rs(1 − α)) itself, so it is missing from the measured current; the
 *   model ignores Rm, so a small slow residue remains, as on a real amplifier.
 * - **CFAST**: the charge CFAST·ΔVp of a command change is injected within the sample of the change
 *   (the preparation delivers the pipette's Cp·ΔVp the same way); **CSLOW** injects CSLOW·ΔVp with
 *   the time constant SLOW_TAU. The preparation has one pipette capacitance, so CFAST + CSLOW beyond
 *   it over-compensates (an inverted transient), as it would on a rig.
 * - The pipette command is held within ±PIPETTE_COMMAND_RAIL (the headstage's output range), which
 *   bounds an oscillating loop instead of letting it diverge.
 *
 * Current clamp: **neutralisation** (NEUT) is positive feedback of the pipette potential's slope,
 * I_neut = Cn·dVp/dt, which removes Cn from the capacitance the headstage charges (MultiClamp 700B
 * manual, "Pipette capacitance neutralization"). The slope is known only up to the previous sample
 * (two-sample delay: measured V[i] is read while command[i] is applied), so neutralisation is
 * effective when the pipette time constant Ra·Cp spans several samples; Cn > Cp oscillates to the
 * rail, as on a rig.
 */

/** Compensation settings of one channel (all off: `NO_COMPENSATION`). */
export interface CompensationSettings {
  /** Fast pipette capacitance compensation, F (VC). */
  cFast: number;
  /** Slow pipette capacitance compensation, F (VC). */
  cSlow: number;
  /** Whole-cell compensation: membrane capacitance, F, and series resistance, Ω (also the Rs of Rs compensation). */
  wholeCellCapacitance: number;
  wholeCellResistance: number;
  wholeCellEnabled: boolean;
  /** Rs correction and prediction as fractions (RSCOMP/100, RSPRED/100), lag bandwidth Hz, enable. */
  rsCorrection: number;
  rsPrediction: number;
  rsBandwidthHz: number;
  rsEnabled: boolean;
  /** Pipette capacitance neutralisation, F (IC). */
  neutralisation: number;
}

export const NO_COMPENSATION: Readonly<CompensationSettings> = {
  cFast: 0,
  cSlow: 0,
  wholeCellCapacitance: 0,
  wholeCellResistance: 0,
  wholeCellEnabled: false,
  rsCorrection: 0,
  rsPrediction: 0,
  rsBandwidthHz: 1e3,
  rsEnabled: false,
  neutralisation: 0,
};

/** Headstage command range at the pipette, V (±10 V amplifier output at 20 mV/V would be ±200 mV; GUESS: ±1 V like the preparation's pipette rail). */
export const PIPETTE_COMMAND_RAIL = 1;
/** Largest prediction fraction used: at 100 % the supercharging gain would be infinite. */
export const PREDICTION_MAX = 0.98;
/** Smallest 1 − α the model cell uses, so its time constant stays positive at 100 % correction. */
const MIN_RESIDUAL = 0.02;
/** Time constant of the slow pipette capacitance compensation, s (GUESS: MultiClamp's Cp slow τ starts at 10 µs). */
export const SLOW_TAU = 10e-6;

const rail = (v: number): number => (v > PIPETTE_COMMAND_RAIL ? PIPETTE_COMMAND_RAIL : v < -PIPETTE_COMMAND_RAIL ? -PIPETTE_COMMAND_RAIL : v);

/** Whether Rs correction feeds the measured current back (then samples must be computed one by one). */
export function correctionActive(c: CompensationSettings): boolean {
  return c.rsEnabled && c.rsCorrection > 0 && c.wholeCellResistance > 0;
}

/** Voltage-clamp compensation state of one channel. */
export class VoltageClampCompensator {
  /** Potential of the model cell, V (NaN: the model is off and restarts settled). */
  private vModel = Number.NaN;
  /** Pipette command of the previous sample, V (NaN: none yet). */
  private vpPrev = Number.NaN;
  /** Charge CSLOW still has to deliver, C. */
  private qSlow = 0;
  /** Correction signal: the lagged current through Rs, A. */
  private iLag = 0;

  /** Forget the history (mode change): the next sample starts settled. */
  reset(): void {
    this.vModel = Number.NaN;
    this.vpPrev = Number.NaN;
    this.qSlow = 0;
    this.iLag = 0;
  }

  /**
   * The pipette command for a sample whose amplifier command is `vc`; writes the currents the
   * compensation circuits inject in that sample (`cap[i]`: CFAST + CSLOW, `wc[i]`: whole cell).
   */
  command(vc: number, c: CompensationSettings, dt: number, cap: Float64Array, wc: Float64Array, i: number): number {
    const alpha = c.rsEnabled ? Math.min(Math.max(c.rsCorrection, 0), 1) : 0;
    const beta = c.rsEnabled ? Math.min(Math.max(c.rsPrediction, 0), PREDICTION_MAX) : 0;
    const rs = c.wholeCellResistance;
    const cm = c.wholeCellCapacitance;
    let vcP = vc;
    let iWc = 0;
    if (rs > 0 && cm > 0 && (c.wholeCellEnabled || alpha > 0 || beta > 0)) {
      if (Number.isNaN(this.vModel)) this.vModel = vc;
      const residual = Math.max(1 - alpha, MIN_RESIDUAL);
      const target = Math.max(1 - Math.max(alpha, beta), MIN_RESIDUAL);
      const vm = this.vModel;
      vcP = vc + (residual / target - 1) * (vc - vm);
      const rEff = rs * residual;
      if (c.wholeCellEnabled) iWc = (vcP - vm) / rEff;
      this.vModel = vcP + (vm - vcP) * Math.exp(-dt / (rEff * cm));
    } else {
      this.vModel = Number.NaN;
    }
    const vp = rail(vcP + (alpha > 0 && rs > 0 ? alpha * rs * this.iLag : 0));
    const dv = Number.isNaN(this.vpPrev) ? 0 : vp - this.vpPrev;
    this.vpPrev = vp;
    let iCap = (c.cFast * dv) / dt;
    if (c.cSlow > 0 || this.qSlow !== 0) {
      this.qSlow += c.cSlow * dv;
      const released = this.qSlow * -Math.expm1(-dt / SLOW_TAU);
      this.qSlow -= released;
      iCap += released / dt;
    }
    cap[i] = iCap;
    wc[i] = iWc;
    return vp;
  }

  /**
   * The measured current of sample i once the preparation gave the pipette current `iPipette`;
   * updates the correction signal the next sample's command uses.
   */
  measure(iPipette: number, c: CompensationSettings, dt: number, cap: Float64Array, wc: Float64Array, i: number): number {
    const capI = cap[i] as number;
    if (correctionActive(c)) {
      // The correction circuit sees the current through Rs: pipette capacitance currents excluded,
      // whole-cell compensation added back (Axon Guide ch. 4).
      const iRs = iPipette - capI;
      this.iLag = iRs + (this.iLag - iRs) * Math.exp(-2 * Math.PI * c.rsBandwidthHz * dt);
    } else {
      this.iLag = 0;
    }
    return iPipette - capI - (wc[i] as number);
  }
}

/** Current-clamp neutralisation state of one channel. */
export class CurrentClampCompensator {
  private v1 = Number.NaN;
  private v2 = Number.NaN;

  reset(): void {
    this.v1 = Number.NaN;
    this.v2 = Number.NaN;
  }

  /** The current the headstage injects for a command current `iCmd`. */
  inject(iCmd: number, c: CompensationSettings, dt: number): number {
    if (!(c.neutralisation > 0) || Number.isNaN(this.v2)) return iCmd;
    return iCmd + (c.neutralisation * ((this.v1 as number) - this.v2)) / dt;
  }

  /** Records the measured pipette potential of a sample. */
  measure(v: number): void {
    this.v2 = Number.isNaN(this.v1) ? v : this.v1;
    this.v1 = v;
  }
}
