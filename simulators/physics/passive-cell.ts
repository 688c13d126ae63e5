import type { ClampMode } from '../../src/core/clamp.ts';
import { PhysicsParameterError, requireInRange, requireSampleInterval } from './errors.ts';
import { expm2x2 } from './matrix-exponential.ts';
import {
  clampToRail,
  probePipette,
  resolvePipette,
  sealConductance,
  tipConductance,
  tipNodeSample,
  type PipetteParams,
  type TipNodeState,
} from './pipette.ts';
import type { Preparation, PreparationProbe } from './preparation.ts';

/** A passive (RC) cell. SI units. */
export interface PassiveCellParams {
  /** Membrane (input) resistance, Ω. */
  membraneResistance: number;
  /** Membrane capacitance, F. */
  membraneCapacitance: number;
  /** Resting (leak reversal) potential, V. */
  restingPotential: number;
}

/** The brief's reference cell: Rm 200 MΩ, Cm 100 pF, E −70 mV (synphys-protocols.md §4.3). */
export const DEFAULT_PASSIVE_CELL: Readonly<PassiveCellParams> = {
  membraneResistance: 200e6,
  membraneCapacitance: 100e-12,
  restingPotential: -0.07,
};

export interface PassiveChannelConfig {
  cell?: Partial<PassiveCellParams>;
  pipette?: Partial<PipetteParams>;
}

export function resolvePassiveCell(p: Partial<PassiveCellParams> = {}, prefix = 'cell'): PassiveCellParams {
  const r = { ...DEFAULT_PASSIVE_CELL, ...p };
  requireInRange(`${prefix}.membraneResistance`, r.membraneResistance, 1e6, 1e11, 'Ω');
  requireInRange(`${prefix}.membraneCapacitance`, r.membraneCapacitance, 1e-13, 1e-8, 'F');
  requireInRange(`${prefix}.restingPotential`, r.restingPotential, -0.15, 0.1, 'V');
  return r;
}

/**
 * Passive cells behind pipettes, one per channel: the reference preparation for the amplifier
 * simulator and for test-pulse analysis.
 *
 * Circuit per channel (whole-cell): headstage → pipette node (solution potential u = Vp − offset,
 * capacitance Cp to bath) → Ra → cell node Vm (Cm ∥ Rm to E, ∥ seal leak to bath).
 * - VC: the headstage imposes Vp; measured I = (u − Vm)/Ra + Cp·ΔVp/dt (the Cp term is the charge
 *   Cp·ΔVp delivered within the sample of the step, what CFAST cancels).
 * - IC / I=0: the command current charges the pipette node; measured V = u + offset. With Cp = 0 the
 *   node follows instantly: V = Vm + I·Ra + offset (the bridge error).
 *
 * Sampling convention (both modes): `measured[i]` is read at time t_i with `command[i]` already
 * applied and the membrane state of t_i; the state then advances over [t_i, t_i + dt] with the
 * command held (zero-order hold). So a VC step shows its full ΔV/Ra on its first sample.
 *
 * Integration is exact for piecewise-constant commands: a scalar exponential in VC, the 2×2 matrix
 * exponential of the (u, Vm) system in IC. Any dt in [0.1 µs, 1 ms] is stable and exact.
 */
export class PassivePreparation implements Preparation {
  readonly channelCount: number;
  private readonly cells: PassiveCellParams[];
  private readonly pipettes: PipetteParams[];
  /** Membrane potential, V. */
  private readonly vm: Float64Array;
  /** Pipette node (solution) potential and last headstage potential, V. */
  private readonly tip: TipNodeState[];
  /** Per-channel propagators, valid for `cachedDt[ch]`. */
  private readonly cachedDt: Float64Array;
  private readonly vcDecay: Float64Array;
  private readonly tipDecay: Float64Array;
  private readonly icPhi: Float64Array; // 4 per channel

  constructor(channels: number | readonly PassiveChannelConfig[] = 1) {
    const configs: readonly PassiveChannelConfig[] =
      typeof channels === 'number' ? Array.from({ length: checkCount(channels) }, () => ({})) : channels;
    if (configs.length < 1 || configs.length > 64) {
      throw new PhysicsParameterError('channels.length', configs.length, 'integers in [1, 64]');
    }
    this.channelCount = configs.length;
    this.cells = configs.map((c, i) => resolvePassiveCell(c.cell, `channels[${i}].cell`));
    this.pipettes = configs.map((c, i) => resolvePipette(c.pipette, `channels[${i}].pipette`));
    this.vm = Float64Array.from(this.cells, (c) => c.restingPotential);
    this.tip = this.pipettes.map((p, i) => {
      const u = p.stage === 'whole-cell' ? (this.vm[i] ?? 0) : 0;
      return { u, vp: u + p.offsetVoltage };
    });
    this.cachedDt = new Float64Array(this.channelCount).fill(Number.NaN);
    this.vcDecay = new Float64Array(this.channelCount);
    this.tipDecay = new Float64Array(this.channelCount);
    this.icPhi = new Float64Array(4 * this.channelCount);
  }

  /** Changes the pipette of a channel (e.g. bath → cell-attached → whole-cell while patching). */
  setPipette(channel: number, params: Partial<PipetteParams>): void {
    const ch = this.checkChannel(channel);
    const old = this.pipettes[ch] as PipetteParams;
    const next = resolvePipette({ ...old, ...params }, `channels[${ch}].pipette`);
    this.pipettes[ch] = next;
    if (old.stage !== 'whole-cell' && next.stage === 'whole-cell') {
      // Break-in: the cell was resting while the pipette was outside it.
      this.vm[ch] = (this.cells[ch] as PassiveCellParams).restingPotential;
    }
    this.cachedDt[ch] = Number.NaN;
  }

  pipette(channel: number): Readonly<PipetteParams> {
    return this.pipettes[this.checkChannel(channel)] as PipetteParams;
  }

  cell(channel: number): Readonly<PassiveCellParams> {
    return this.cells[this.checkChannel(channel)] as PassiveCellParams;
  }

  /** Membrane potential of a channel's cell, V (for tests and ground truth). */
  membranePotential(channel: number): number {
    return this.vm[this.checkChannel(channel)] as number;
  }

  probe(channel: number): PreparationProbe {
    const ch = this.checkChannel(channel);
    return probePipette(this.pipettes[ch] as PipetteParams, (this.cells[ch] as PassiveCellParams).membraneCapacitance);
  }

  advance(
    mode: readonly ClampMode[],
    command: readonly Float64Array[],
    measured: Float64Array[],
    n: number,
    dt: number,
  ): void {
    requireSampleInterval(dt);
    for (let ch = 0; ch < this.channelCount; ch++) {
      const m = mode[ch];
      const cmd = command[ch];
      const out = measured[ch];
      if (m === undefined || cmd === undefined || out === undefined) {
        throw new PhysicsParameterError(`mode/command/measured[${ch}]`, 'missing', `one entry per channel (${this.channelCount})`);
      }
      if (cmd.length < n || out.length < n) {
        throw new PhysicsParameterError(`command/measured[${ch}].length`, Math.min(cmd.length, out.length), `≥ n = ${n}`);
      }
      if (this.cachedDt[ch] !== dt) this.prepare(ch, dt);
      const p = this.pipettes[ch] as PipetteParams;
      if (p.stage === 'whole-cell') this.advanceWholeCell(ch, m, cmd, out, n, dt);
      else {
        const g = tipConductance(p);
        const decay = this.tipDecay[ch] as number;
        const st = this.tip[ch] as TipNodeState;
        const vc = m === 'VC';
        for (let i = 0; i < n; i++) {
          const c = vc ? (cmd[i] as number) : m === 'IC' ? (cmd[i] as number) : 0;
          out[i] = tipNodeSample(vc, finite(c), p, g, decay, dt, st);
        }
        this.relaxCell(ch, n * dt);
      }
    }
  }

  /** The unpatched cell relaxes to rest (exactly) while the pipette is elsewhere. */
  private relaxCell(ch: number, t: number): void {
    const c = this.cells[ch] as PassiveCellParams;
    const e = c.restingPotential;
    const vm = this.vm[ch] as number;
    this.vm[ch] = e + (vm - e) * Math.exp(-t / (c.membraneResistance * c.membraneCapacitance));
  }

  private advanceWholeCell(ch: number, m: ClampMode, cmd: Float64Array, out: Float64Array, n: number, dt: number): void {
    const c = this.cells[ch] as PassiveCellParams;
    const p = this.pipettes[ch] as PipetteParams;
    const ga = 1 / p.accessResistance;
    const gm = 1 / c.membraneResistance;
    const gs = sealConductance(p);
    const gt = ga + gm + gs;
    const e = c.restingPotential;
    const off = p.offsetVoltage;
    const cp = p.pipetteCapacitance;
    const st = this.tip[ch] as TipNodeState;
    let vm = this.vm[ch] as number;
    let u = st.u;
    let vpPrev = st.vp;
    if (m === 'VC') {
      const decay = this.vcDecay[ch] as number;
      for (let i = 0; i < n; i++) {
        const vp = finite(cmd[i] as number);
        u = vp - off;
        out[i] = (u - vm) * ga + (cp * (vp - vpPrev)) / dt;
        vpPrev = vp;
        const vInf = (u * ga + e * gm) / gt;
        vm = vInf + (vm - vInf) * decay;
      }
    } else if (cp === 0) {
      // No pipette capacitance: the pipette node follows the cell instantly, u = Vm + I·Ra.
      const gIC = gm + gs;
      const kIC = Math.exp((-dt * gIC) / c.membraneCapacitance);
      const ra = p.accessResistance;
      for (let i = 0; i < n; i++) {
        const iCmd = m === 'IC' ? finite(cmd[i] as number) : 0;
        u = clampToRail(vm + iCmd * ra);
        out[i] = u + off;
        vpPrev = out[i] as number;
        const vInf = (iCmd + e * gm) / gIC;
        vm = vInf + (vm - vInf) * kIC;
      }
    } else {
      const o = 4 * ch;
      const p00 = this.icPhi[o] as number;
      const p01 = this.icPhi[o + 1] as number;
      const p10 = this.icPhi[o + 2] as number;
      const p11 = this.icPhi[o + 3] as number;
      const gIC = gm + gs;
      for (let i = 0; i < n; i++) {
        const iCmd = m === 'IC' ? finite(cmd[i] as number) : 0;
        out[i] = u + off;
        vpPrev = out[i] as number;
        // Fixed point of the (u, Vm) system for this command, then exact relaxation towards it.
        const vmInf = (iCmd + e * gm) / gIC;
        const uInf = vmInf + iCmd / ga;
        const du = u - uInf;
        const dv = vm - vmInf;
        u = clampToRail(uInf + p00 * du + p01 * dv);
        vm = vmInf + p10 * du + p11 * dv;
      }
    }
    this.vm[ch] = vm;
    st.u = u;
    st.vp = vpPrev;
  }

  private prepare(ch: number, dt: number): void {
    const c = this.cells[ch] as PassiveCellParams;
    const p = this.pipettes[ch] as PipetteParams;
    const ga = 1 / p.accessResistance;
    const gm = 1 / c.membraneResistance;
    const gs = sealConductance(p);
    const cm = c.membraneCapacitance;
    const cp = p.pipetteCapacitance;
    this.vcDecay[ch] = Math.exp((-dt * (ga + gm + gs)) / cm);
    const gTip = tipConductance(p);
    this.tipDecay[ch] = cp > 0 ? Math.exp((-dt * gTip) / cp) : 0;
    if (cp > 0) {
      const phi = new Float64Array(4);
      // d/dt [u, Vm] = A·[u, Vm] + b with A = [[−Ga/Cp, Ga/Cp], [Ga/Cm, −(Ga+Gm+Gs)/Cm]].
      expm2x2(-ga / cp, ga / cp, ga / cm, -(ga + gm + gs) / cm, dt, phi);
      this.icPhi.set(phi, 4 * ch);
    }
    this.cachedDt[ch] = dt;
  }

  private checkChannel(channel: number): number {
    if (!Number.isInteger(channel) || channel < 0 || channel >= this.channelCount) {
      throw new PhysicsParameterError('channel', channel, `integers in [0, ${this.channelCount - 1}]`);
    }
    return channel;
  }
}

function checkCount(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new PhysicsParameterError('channels', n, 'integers in [1, 64]');
  return n;
}

/** A NaN or infinite command is treated as 0 so that nothing non-finite ever reaches a trace. */
function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
