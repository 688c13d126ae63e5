/** Clamp mode of one amplifier channel. `I=0` disconnects the command (zero current, voltage follower). */
export type ClampMode = 'VC' | 'IC' | 'I=0';

export const CLAMP_MODES: readonly ClampMode[] = ['VC', 'IC', 'I=0'];

/** SI unit of the command a channel receives in a mode: volts in voltage clamp, amperes otherwise. */
export function commandUnit(mode: ClampMode): 'V' | 'A' {
  return mode === 'VC' ? 'V' : 'A';
}

/** SI unit of what a channel measures in a mode: amperes in voltage clamp, volts otherwise. */
export function responseUnit(mode: ClampMode): 'V' | 'A' {
  return mode === 'VC' ? 'A' : 'V';
}
