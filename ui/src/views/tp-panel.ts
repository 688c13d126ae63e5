import { h } from '../dom.ts';
import type { Store } from '../store.ts';
import type { TestPulsePut, TestPulseStatus } from '../types.ts';

interface SettingField {
  key: string;
  label: string;
  unit: string;
  scale: number;
  get: (s: TestPulseStatus) => number;
  put: (v: number) => TestPulsePut;
}

const FIELDS: SettingField[] = [
  { key: 'vc-amplitude', label: 'VC amplitude', unit: 'mV', scale: 1e3, get: (s) => s.settings.vc.amplitude, put: (v) => ({ vc: { amplitude: v } }) },
  { key: 'vc-width', label: 'VC width', unit: 'ms', scale: 1e3, get: (s) => s.settings.vc.width, put: (v) => ({ vc: { width: v } }) },
  { key: 'ic-amplitude', label: 'IC amplitude', unit: 'pA', scale: 1e12, get: (s) => s.settings.ic.amplitude, put: (v) => ({ ic: { amplitude: v } }) },
  { key: 'ic-width', label: 'IC width', unit: 'ms', scale: 1e3, get: (s) => s.settings.ic.width, put: (v) => ({ ic: { width: v } }) },
  { key: 'average', label: 'average', unit: 'TPs', scale: 1, get: (s) => s.settings.average, put: (v) => ({ average: Math.round(v) }) },
];

/**
 * Test pulse on/off (`T`) and its settings; a change is sent on Enter/blur and applies from the
 * next cycle (criterion 5). Shows the received TP rate.
 */
export function createTpPanel(store: Store, toggle: () => void, put: (body: TestPulsePut) => void): HTMLElement {
  const btn = h('button', { class: 'control', 'data-testid': 'btn-tp', title: 'test pulse on/off (T)' });
  btn.addEventListener('click', toggle);
  const rate = h('span', { class: 'muted small', 'data-testid': 'tp-rate' });
  const inputs = new Map<string, HTMLInputElement>();
  const grid = h('div', { class: 'params' });
  for (const f of FIELDS) {
    const input = h('input', { type: 'text', inputmode: 'decimal', 'data-testid': `tp-${f.key}` });
    const send = () => {
      const x = Number(input.value);
      const cur = store.testpulse;
      if (!Number.isFinite(x) || (cur && Math.abs(f.get(cur) * f.scale - x) < 1e-9)) return;
      put(f.put(x / f.scale));
    };
    input.addEventListener('change', send);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') send();
    });
    inputs.set(f.key, input);
    grid.append(h('label', {}, h('span', { class: 'pname', text: f.label }), input, h('span', { class: 'unit', text: f.unit })));
  }
  const render = () => {
    const s = store.testpulse;
    btn.dataset.running = String(s?.running ?? false);
    btn.replaceChildren(s?.running ? 'Test pulse: ON' : 'Test pulse: off', h('kbd', { text: 'T' }));
    btn.classList.toggle('on', s?.running ?? false);
    btn.disabled = !store.isController || s === undefined;
    for (const f of FIELDS) {
      const input = inputs.get(f.key);
      if (!input || !s || document.activeElement === input) continue;
      input.value = String(+(f.get(s) * f.scale).toPrecision(6));
      input.disabled = !store.isController;
    }
    const active = s?.active === false && s.running ? ' · held while the experiment runs' : '';
    rate.textContent = s ? `${store.tpRate.toFixed(1)} TP/s per HS received${active}${s.error ? ` · ${s.error}` : ''}` : 'test pulse unavailable';
  };
  store.on('testpulse', render);
  store.on('seat', render);
  let lastRate = -1;
  store.on('tp', () => {
    if (Math.round(store.tpRate) !== lastRate) {
      lastRate = Math.round(store.tpRate);
      render();
    }
  });
  render();
  return h('section', { class: 'panel', 'data-testid': 'tp-panel' }, h('h2', { text: 'Test pulse' }), h('div', { class: 'row' }, btn, rate), h('details', {}, h('summary', { text: 'Settings' }), grid));
}
