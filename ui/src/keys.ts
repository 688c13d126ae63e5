/**
 * The console's keyboard map (console criteria 2, 10, 14): a key press to an action, and the
 * cheat sheet built from the same table so the help can never disagree with the keys.
 */
export type KeyAction =
  | { kind: 'select'; headstage: number }
  | { kind: 'mode'; mode: 'VC' | 'IC' | 'I=0' }
  | { kind: 'pauseResume' }
  | { kind: 'abort' }
  | { kind: 'step' }
  | { kind: 'testPulse' }
  | { kind: 'autoscaleAll' }
  | { kind: 'help' };

/** The parts of a KeyboardEvent the map looks at (kept DOM-free so it is testable in Node). */
export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  /** Focus is in a text field, select or editable element: keys belong to it. */
  inEditable?: boolean;
}

export const KEY_HELP: readonly { keys: string; what: string }[] = [
  { keys: '1 – 8', what: 'select headstage 1–8' },
  { keys: 'V', what: 'selected headstage to voltage clamp (via I=0)' },
  { keys: 'I', what: 'selected headstage to current clamp (via I=0)' },
  { keys: '0', what: 'selected headstage to I=0' },
  { keys: 'Space', what: 'pause / resume the protocol' },
  { keys: 'Esc', what: 'abort the protocol (outputs to holding)' },
  { keys: 'S', what: 'step one sweep' },
  { keys: 'T', what: 'test pulse on / off' },
  { keys: 'A', what: 'autoscale every plot' },
  { keys: 'wheel / Shift+wheel', what: 'zoom y / x of the plot under the mouse' },
  { keys: 'drag · double-click', what: 'pan · autoscale that plot' },
  { keys: '?', what: 'this help' },
];

export function keyAction(e: KeyInput, headstageCount = 8): KeyAction | undefined {
  // Browser and OS shortcuts (Ctrl+R, Cmd+1 …) keep their meaning.
  if (e.ctrlKey || e.altKey || e.metaKey) return undefined;
  if (e.inEditable) return undefined;
  const k = e.key;
  if (/^[1-8]$/.test(k)) {
    const hs = Number(k) - 1;
    return hs < headstageCount ? { kind: 'select', headstage: hs } : undefined;
  }
  switch (k.length === 1 ? k.toLowerCase() : k) {
    case 'v':
      return { kind: 'mode', mode: 'VC' };
    case 'i':
      return { kind: 'mode', mode: 'IC' };
    case '0':
      return { kind: 'mode', mode: 'I=0' };
    case ' ':
      return { kind: 'pauseResume' };
    case 'Escape':
      return { kind: 'abort' };
    case 's':
      return { kind: 'step' };
    case 't':
      return { kind: 'testPulse' };
    case 'a':
      return { kind: 'autoscaleAll' };
    case '?':
      return { kind: 'help' };
    default:
      return undefined;
  }
}
