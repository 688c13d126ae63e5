import { h } from '../dom.ts';
import { KEY_HELP } from '../keys.ts';

/** The `?` cheat sheet, built from the key map itself. */
export function createHelp(): { el: HTMLElement; toggle: () => void } {
  const el = h(
    'div',
    { class: 'help', 'data-testid': 'help', hidden: true },
    h('div', { class: 'help-card' }, h('h2', { text: 'Keyboard' }), h('table', {}, ...KEY_HELP.map((k) => h('tr', {}, h('td', {}, h('kbd', { text: k.keys })), h('td', { text: k.what })))), h('p', { class: 'muted small', text: 'Keys act when no text field has focus. Headstages are numbered 1–8 on screen (0–7 in files and the API). Press ? or Esc to close.' })),
  );
  el.addEventListener('click', () => (el.hidden = true));
  return { el, toggle: () => (el.hidden = !el.hidden) };
}
