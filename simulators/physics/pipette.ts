import { requireInRange, PhysicsParameterError } from './errors.ts';
import type { PreparationProbe } from './preparation.ts';

/**
 * Where the pipette is in the patching sequence. `bath`: open tip in the bath (pipette
 * resistance to ground); `cell-attached`: tip sealed onto a membrane (pipette + seal resistance to
 * ground; an on-cell 50 MΩ contact and a 2 GΩ gigaseal differ only in `sealResistance`);
 * `whole-cell`: patch ruptured, the cell is reached through the access resistance and the seal
 * leaks from the cell interior to the bath.
 */
export type PatchStage = 'bath' | 'cell-attached' | 'whole-cell';

export const PATCH_STAGES: readonly PatchStage[] = ['bath', 'cell-attached', 'whole-cell'];

/** Everything between the headstage and the cell membrane. SI units. */
export interface PipetteParams {
  stage: PatchStage;
  /** Open-tip resistance in the bath, Ω (typical 3–8 MΩ for cortical whole-cell pipettes). */
  pipetteResistance: number;
  /** Seal resistance (tip to bath once sealed), Ω; Infinity = no leak. */
  sealResistance: number;
  /** Access (series) resistance in whole-cell, Ω. */
  accessResistance: number;
  /** Pipette wall + holder capacitance to the bath, F. */
  pipetteCapacitance: number;
  /** Liquid-junction + electrode offset, V: the potential the tip shows with no current. */
  offsetVoltage: number;
}

/**
 * Defaults: the brief's test circuit (Ra 10 MΩ, Cp 5 pF), no seal leak (so the synphys test-pulse
 * check values of synphys-protocols.md §4.3 hold exactly), zero offset.
 */
export const DEFAULT_PIPETTE: Readonly<PipetteParams> = {
  stage: 'whole-cell',
  pipetteResistance: 5e6,
  sealResistance: Number.POSITIVE_INFINITY,
  accessResistance: 10e6,
  pipetteCapacitance: 5e-12,
  offsetVoltage: 0,
};

/** Fills in defaults and refuses non-physical values, naming the parameter and its range. */
export function resolvePipette(p: Partial<PipetteParams> = {}, prefix = 'pipette'): PipetteParams {
  const r: PipetteParams = { ...DEFAULT_PIPETTE, ...p };
  if (!PATCH_STAGES.includes(r.stage)) {
    throw new PhysicsParameterError(`${prefix}.stage`, r.stage, PATCH_STAGES.join(' | '));
  }
  requireInRange(`${prefix}.pipetteResistance`, r.pipetteResistance, 1e5, 1e9, 'Ω');
  requireInRange(`${prefix}.sealResistance`, r.sealResistance, 1e6, Number.POSITIVE_INFINITY, 'Ω');
  requireInRange(`${prefix}.accessResistance`, r.accessResistance, 1e5, 1e9, 'Ω');
  requireInRange(`${prefix}.pipetteCapacitance`, r.pipetteCapacitance, 0, 1e-10, 'F');
  requireInRange(`${prefix}.offsetVoltage`, r.offsetVoltage, -0.2, 0.2, 'V');
  return r;
}

/**
 * Conductance from the pipette solution to the bath when no cell is reached (bath and
 * cell-attached stages), S.
 */
export function tipConductance(p: PipetteParams): number {
  if (p.stage === 'bath') return 1 / p.pipetteResistance;
  return 1 / (p.pipetteResistance + p.sealResistance); // Infinity seal → 0
}

/** Conductance of the seal leak from the cell interior to the bath in whole-cell, S. */
export function sealConductance(p: PipetteParams): number {
  return 1 / p.sealResistance;
}

/** What an amplifier's auto functions would measure through this pipette. */
export function probePipette(p: PipetteParams, membraneCapacitance: number): PreparationProbe {
  return {
    pipetteOffsetVolts: p.offsetVoltage,
    pipetteCapacitance: p.pipetteCapacitance,
    accessResistance: p.stage === 'whole-cell' ? p.accessResistance : p.pipetteResistance,
    membraneCapacitance: p.stage === 'whole-cell' ? membraneCapacitance : 0,
  };
}

/**
 * A headstage in current clamp driving an open circuit saturates; we stop the pipette potential
 * at ±RAIL instead of integrating towards infinity (typical amplifier output range ±10 V at
 * 10 mV/mV gain ≙ ±1 V at the pipette).
 */
export const PIPETTE_RAIL = 1;

export function clampToRail(v: number): number {
  return v > PIPETTE_RAIL ? PIPETTE_RAIL : v < -PIPETTE_RAIL ? -PIPETTE_RAIL : v;
}

/**
 * One sample of a pipette with no cell behind it (bath / cell-attached): a node with capacitance
 * `cp` to ground and conductance `g` to the bath. VC returns the pipette current; IC / I=0
 * return the measured potential. `state.u` is the solution potential inside the pipette (V, without
 * the offset); `state.vp` the potential the headstage saw at the previous sample.
 */
export interface TipNodeState {
  u: number;
  vp: number;
}

export function tipNodeSample(
  vc: boolean,
  command: number,
  p: PipetteParams,
  g: number,
  decay: number,
  dt: number,
  state: TipNodeState,
): number {
  const cp = p.pipetteCapacitance;
  if (vc) {
    const vp = command;
    const out = (vp - p.offsetVoltage) * g + (cp * (vp - state.vp)) / dt;
    state.vp = vp;
    state.u = vp - p.offsetVoltage;
    return out;
  }
  // Current clamp: exact exponential relaxation of the node towards I/g (τ = cp/g).
  const uInf = g > 0 ? command / g : command >= 0 ? PIPETTE_RAIL : -PIPETTE_RAIL;
  let out: number;
  if (cp === 0) {
    state.u = clampToRail(uInf);
    out = state.u + p.offsetVoltage;
  } else {
    out = state.u + p.offsetVoltage;
    state.u = g > 0 ? clampToRail(uInf + (state.u - uInf) * decay) : clampToRail(state.u + (command * dt) / cp);
  }
  state.vp = out;
  return out;
}
