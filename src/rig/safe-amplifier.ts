import type { ClampMode } from '../core/clamp.ts';
import type { Amplifier, RequestOptions } from '../../drivers/amplifier/amplifier.ts';
import { checkCommandLevel } from './safety.ts';
import type { SafetyLimits } from './schema.ts';

/**
 * An amplifier whose holding commands pass the rig's safety limits before anything is sent.
 * Every other call goes straight through (a Proxy keeps the driver's full interface).
 */
export function withSafetyLimits(amp: Amplifier, limits: SafetyLimits): Amplifier {
  const setHolding = async (ch: number, value: number, opts?: RequestOptions): Promise<void> => {
    const mode: ClampMode = await amp.getMode(ch, opts);
    checkCommandLevel(limits, mode, value, `holding of ${amp.name} channel ${ch}`);
    await amp.setHolding(ch, value, opts);
  };
  const setMode = async (ch: number, mode: ClampMode, opts?: RequestOptions): Promise<void> => {
    // The device keeps a holding per mode, and the new mode's takes effect at once: switch with
    // holding off, read that holding, and turn it back on only if it passes.
    const current = await amp.getMode(ch, opts);
    if (mode === 'I=0' || current === mode || !(await amp.getHoldingEnabled(ch, opts))) {
      await amp.setMode(ch, mode, opts);
      return;
    }
    await amp.setHoldingEnabled(ch, false, opts);
    await amp.setMode(ch, mode, opts);
    checkCommandLevel(limits, mode, await amp.getHolding(ch, opts), `holding of ${amp.name} channel ${ch} in ${mode} (left disabled)`);
    await amp.setHoldingEnabled(ch, true, opts);
  };
  return new Proxy(amp, {
    get(target, prop, receiver) {
      if (prop === 'setHolding') return setHolding;
      if (prop === 'setMode') return setMode;
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
