import type { ClampMode } from '../core/clamp.ts';
import type { Epoch } from '../core/sweep.ts';
import { SafetyLimitError } from '../rig/safety.ts';
import type { SafetyLimits } from '../rig/schema.ts';
import type { PlannedHeadstage } from '../../protocols/plan.ts';

/** One headstage's composed command for a sweep, in SI, and the epochs it adds. */
export interface ComposedCommand {
  /** holding + stimulus × scale + inserted test pulse: V in VC, A in IC. */
  command: Float32Array;
  epochs: Epoch[];
}

/**
 * Builds the command a headstage receives (DESIGN §3): its holding level, the planned stimulus
 * times the stimulus scale, and the inserted test pulse; checks every sample against the rig's
 * safety limits before anything is sent (DESIGN §9), naming the headstage and the sample.
 */
export function composeCommand(
  hs: PlannedHeadstage,
  scans: number,
  sampleRate: number,
  holding: number,
  stimScale: number,
  limits: SafetyLimits,
): ComposedCommand {
  if (hs.stimulus.length !== scans) {
    throw new RangeError(`headstage ${hs.headstage}: stimulus has ${hs.stimulus.length} samples, the sweep ${scans}`);
  }
  if (!Number.isFinite(stimScale)) throw new RangeError(`headstage ${hs.headstage}: stimulus scale ${stimScale} is not a number`);
  const command = new Float32Array(scans);
  for (let i = 0; i < scans; i++) command[i] = holding + (hs.stimulus[i] as number) * stimScale;
  const epochs: Epoch[] = [];
  const tp = hs.testPulse;
  if (tp) {
    const a = Math.round(tp.start * sampleRate);
    const b = Math.round((tp.start + tp.width) * sampleRate);
    if (a < 0 || b > scans || b <= a) throw new RangeError(`headstage ${hs.headstage}: test pulse ${tp.start}+${tp.width} s does not fit the sweep`);
    for (let i = a; i < b; i++) command[i] = (command[i] as number) + tp.amplitude;
    // A plan may already list the inserted pulse among its epochs; it is recorded once.
    if (!hs.epochs.some((e) => e.kind === 'test-pulse')) epochs.push({ start: a / sampleRate, stop: b / sampleRate, kind: 'test-pulse', headstage: hs.headstage, params: { amplitude: tp.amplitude } });
  }
  checkWaveform(command, hs.mode, limits, `headstage ${hs.headstage} command`);
  return { command, epochs };
}

/** Refuses a waveform any sample of which breaks the limits; the message names the worst sample. */
export function checkWaveform(w: Float32Array, mode: ClampMode, limits: SafetyLimits, what: string): void {
  if (mode === 'I=0') return;
  const limit = mode === 'VC' ? limits.maxVoltage : limits.maxCurrent;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < w.length; i++) {
    const v = w[i] as number;
    if (!Number.isFinite(v)) throw new SafetyLimitError(`${what}: sample ${i} is not a finite number`);
    if (Math.abs(v) > Math.abs(worst)) {
      worst = v;
      at = i;
    }
  }
  if (Math.abs(worst) > limit) {
    const [scale, unit] = mode === 'VC' ? [1e3, 'mV'] : [1e12, 'pA'];
    throw new SafetyLimitError(
      `${what}: sample ${at} is ${(worst * scale).toFixed(1)} ${unit}, beyond the rig's limit of ±${(limit * scale).toFixed(1)} ${unit}; nothing was sent`,
    );
  }
}
