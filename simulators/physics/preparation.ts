import type { ClampMode } from '../../src/core/clamp.ts';

/**
 * What the pipettes touch, seen from the amplifier's headstages: the analog boundary between the
 * amplifier simulator and the physics. One instance serves every channel of an amplifier, so
 * cells that are synaptically coupled advance together.
 *
 * Per channel and sample the amplifier supplies the clamp mode and the command at the pipette
 * (V in VC: the pipette potential the amplifier imposes; A in IC: the injected current; ignored
 * in I=0) and receives the measured quantity (A in VC: pipette current; V in IC / I=0: pipette
 * potential). Everything between the headstage and the cell — access resistance, pipette
 * capacitance, seal — belongs to the preparation; gain, filter, command sensitivity and
 * compensation circuits belong to the amplifier.
 */
export interface Preparation {
  readonly channelCount: number;
  /**
   * Advances simulated time by `n` samples of `dt` seconds. `command[ch][i]` is channel ch's
   * command at sample i; `measured[ch][i]` receives the measurement. Arrays are at least `n` long.
   */
  advance(
    mode: readonly ClampMode[],
    command: readonly Float64Array[],
    measured: Float64Array[],
    n: number,
    dt: number,
  ): void;
  /**
   * What an amplifier's auto functions would find on a channel (they measure the preparation
   * through the pipette); values in SI.
   */
  probe(channel: number): PreparationProbe;
}

export interface PreparationProbe {
  /** Potential at the pipette tip with no current (junction + offset), V: what OFFSET nulls. */
  pipetteOffsetVolts: number;
  /** Pipette capacitance to bath, F: what CFAST / NEUT compensate. */
  pipetteCapacitance: number;
  /** Access (series) resistance, Ω: what BRIDGE and Rs compensation use. */
  accessResistance: number;
  /** Whole-cell capacitance, F (0 when not broken in): what CSLOW / WC compensate. */
  membraneCapacitance: number;
}
