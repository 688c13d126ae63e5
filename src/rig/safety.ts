import type { ClampMode } from '../core/clamp.ts';
import type { SafetyLimits } from './schema.ts';

/** A command that would exceed the rig's safety limits; nothing was sent. */
export class SafetyLimitError extends Error {
  readonly code = 'SAFETY_LIMIT';
  constructor(message: string) {
    super(message);
    this.name = 'SafetyLimitError';
  }
}

/**
 * Checks a level (holding, or any sample of a command) against the rig's limits: |V| in voltage
 * clamp, |I| in current clamp. Returns quietly or throws SafetyLimitError saying what and why.
 */
export function checkCommandLevel(limits: SafetyLimits, mode: ClampMode, value: number, what: string): void {
  if (!Number.isFinite(value)) throw new SafetyLimitError(`${what}: ${value} is not a finite number`);
  if (mode === 'VC' && Math.abs(value) > limits.maxVoltage) {
    throw new SafetyLimitError(`${what}: ${(value * 1e3).toFixed(1)} mV exceeds the rig's limit of ±${(limits.maxVoltage * 1e3).toFixed(1)} mV`);
  }
  if (mode === 'IC' && Math.abs(value) > limits.maxCurrent) {
    throw new SafetyLimitError(`${what}: ${(value * 1e12).toFixed(1)} pA exceeds the rig's limit of ±${(limits.maxCurrent * 1e12).toFixed(1)} pA`);
  }
}
