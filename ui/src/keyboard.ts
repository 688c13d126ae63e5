import { type KeyAction, keyAction } from './keys.ts';

/** Typing in a form field must not fire shortcuts. */
function inEditable(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/**
 * The console's shortcuts (keys.ts maps keys to actions): every mapped key goes to `dispatch`.
 * Also a test hook for criterion 2's input latency: key event to handled (the lane already shows
 * the pending switch) and to the next painted frame, on `document.body.dataset`.
 */
export function installKeyboard(dispatch: (a: KeyAction) => void): void {
  window.addEventListener('keydown', (e) => {
    const a = keyAction({ key: e.key, ctrlKey: e.ctrlKey, altKey: e.altKey, metaKey: e.metaKey, inEditable: inEditable(e.target) });
    if (!a) return;
    // Space must not also press a focused button or scroll the page.
    e.preventDefault();
    dispatch(a);
    const at = e.timeStamp;
    document.body.dataset.keyLatency = String(Math.round(performance.now() - at));
    requestAnimationFrame(() => setTimeout(() => (document.body.dataset.keyPaintLatency = String(Math.round(performance.now() - at))), 0));
  });
  window.addEventListener('keyup', (e) => {
    if (e.key === ' ' && !inEditable(e.target)) e.preventDefault();
  });
}
