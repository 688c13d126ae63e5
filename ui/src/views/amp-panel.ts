import { h } from '../dom.ts';
import type { Store } from '../store.ts';
import type { HeadstagePatch } from '../types.ts';
import { formatCurrent, formatVoltage } from '../units.ts';
import type { ClampMode } from '../units.ts';
import { headstageColor } from '../colors.ts';

/**
 * The selected headstage: clamp mode buttons (same as `V` / `0` / `I`), cell label, holding. Only
 * ever acts on the headstage named in its title, which follows the selection (unlike a slider
 * that can leave edits on the wrong headstage, MIES #133).
 */
export function createAmpPanel(store: Store, setMode: (mode: ClampMode) => void, patch: (hs: number, body: HeadstagePatch) => void): HTMLElement {
  const title = h('h2', { 'data-testid': 'amp-title' });
  const modes = new Map<ClampMode, HTMLButtonElement>();
  const row = h('div', { class: 'row' });
  for (const [mode, key] of [['VC', 'V'], ['I=0', '0'], ['IC', 'I']] as const) {
    const b = h('button', { class: 'control', 'data-testid': `mode-${mode}`, title: `${mode} (${key})` });
    b.append(mode, h('kbd', { text: key }));
    b.addEventListener('click', () => setMode(mode));
    modes.set(mode, b);
    row.append(b);
  }
  const label = h('input', { type: 'text', placeholder: 'cell label', 'data-testid': 'cell-label', maxlength: 200 });
  label.addEventListener('change', () => patch(store.selected, { label: label.value }));
  const holding = h('div', { class: 'small muted', 'data-testid': 'amp-holding' });
  const render = () => {
    const hs = store.selected;
    const s = store.headstages[hs];
    title.textContent = `Headstage ${hs + 1}`;
    title.style.color = headstageColor(hs);
    for (const [mode, b] of modes) {
      b.classList.toggle('on', s?.mode === mode);
      b.disabled = !store.isController;
    }
    label.disabled = !store.isController;
    if (document.activeElement !== label) label.value = s?.label ?? '';
    holding.textContent = s ? `holding VC ${formatVoltage(s.holding.vc)} · IC ${formatCurrent(s.holding.ic)} · gain ${s.primaryGain} · LPF ${s.lpf / 1000} kHz` : 'amplifier state unavailable';
  };
  store.on('selected', render);
  store.on('headstages', render);
  store.on('seat', render);
  render();
  return h('section', { class: 'panel', 'data-testid': 'amp-panel' }, title, row, label, holding);
}
