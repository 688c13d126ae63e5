import type { Api } from '../api.ts';
import { h } from '../dom.ts';
import { type Field, fieldsOf, fromFieldText, toFieldText } from '../param-form.ts';
import { type RunCommand, allowedCommands, nextInfo } from '../run-state.ts';
import type { Store } from '../store.ts';
import type { ProtocolDetail, ProtocolSummary } from '../types.ts';

export interface ProtocolPanel {
  el: HTMLElement;
  /** The chosen protocol and its edited definition (SI), or an error sentence. */
  definition(): { ok: true; protocol: string; definition: Record<string, unknown> } | { ok: false; error: string };
  /** Updates the countdowns (called a few times a second). */
  tick(now: number): void;
}

const BUTTONS: { cmd: RunCommand; label: string; key?: string }[] = [
  { cmd: 'start', label: 'Start' },
  { cmd: 'pause', label: 'Pause', key: 'Space' },
  { cmd: 'resume', label: 'Resume', key: 'Space' },
  { cmd: 'step', label: 'Step', key: 'S' },
  { cmd: 'abort', label: 'Abort', key: 'Esc' },
];

/**
 * Choose a protocol, edit its parameters (from its schema and defaults), run it — and beside
 * Start, what runs next: protocol, sweep k of N, next sweep, ITI countdown, ETA (criteria 8, 10).
 */
export function createProtocolPanel(store: Store, api: Api, run: (cmd: RunCommand) => void): ProtocolPanel {
  const select = h('select', { 'data-testid': 'protocol-select', 'aria-label': 'protocol' });
  const about = h('p', { class: 'muted small' });
  const form = h('div', { class: 'params', 'data-testid': 'params' });
  const check = h('div', { class: 'small', 'data-testid': 'param-check' });
  const buttons = new Map<RunCommand, HTMLButtonElement>();
  const btnRow = h('div', { class: 'run-buttons' });
  for (const b of BUTTONS) {
    const el = h('button', { 'data-testid': `btn-${b.cmd}`, class: `control ${b.cmd === 'abort' ? 'danger' : b.cmd === 'start' ? 'primary' : ''}`, title: b.key ? `${b.label} (${b.key})` : b.label });
    el.append(b.label, ...(b.key ? [h('kbd', { text: b.key })] : []));
    el.addEventListener('click', () => run(b.cmd));
    buttons.set(b.cmd, el);
    btnRow.append(el);
  }
  const nProtocol = h('div', { class: 'next-protocol', 'data-testid': 'next-protocol' });
  const nProgress = h('div', { class: 'next-progress', 'data-testid': 'sweep-progress' });
  const nNext = h('div', { 'data-testid': 'next-sweep' });
  const nCountdown = h('div', { class: 'countdown', 'data-testid': 'iti-countdown' });
  const nEta = h('div', { 'data-testid': 'eta' });
  const next = h('div', { class: 'next-info', 'data-testid': 'next-info' }, h('div', { class: 'muted small', text: 'What runs next' }), nProtocol, nProgress, nNext, nCountdown, nEta);
  const el = h(
    'section',
    { class: 'panel protocol-panel', 'data-testid': 'protocol-panel' },
    h('h2', { text: 'Protocol' }),
    select,
    about,
    h('div', { class: 'run-row' }, btnRow, next),
    h('details', { class: 'param-details', open: true }, h('summary', { text: 'Parameters' }), form, check),
  );

  let detail: ProtocolDetail | undefined;
  let fields: Field[] = [];
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>();

  const validate = debounce(async () => {
    const d = definition();
    if (!d.ok) {
      check.textContent = d.error;
      check.className = 'small bad';
      return;
    }
    try {
      const r = await api.post<{ ok: boolean; errors: (string | { path?: string; message?: string })[] }>(`/api/protocols/${encodeURIComponent(d.protocol)}/validate`, d.definition);
      check.textContent = r.ok ? '✓ valid for this rig' : r.errors.map((e) => (typeof e === 'string' ? e : `${e.path ?? ''} ${e.message ?? ''}`.trim())).join('; ');
      check.className = r.ok ? 'small good' : 'small bad';
    } catch (e) {
      check.textContent = (e as Error).message;
      check.className = 'small bad';
    }
  }, 250);

  const renderForm = () => {
    form.replaceChildren();
    inputs.clear();
    if (!detail) return;
    fields = fieldsOf(detail.schema);
    const defaults = detail.defaults ?? {};
    for (const f of fields) {
      const value = toFieldText(f, defaults[f.name]);
      let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
      if (f.kind === 'enum' || f.kind === 'boolean') {
        input = h('select');
        for (const o of f.options ?? ['true', 'false']) input.append(h('option', { value: o, text: o }));
        input.value = value;
      } else if (f.kind === 'json') {
        input = h('textarea', { rows: 2, spellcheck: 'false' });
        input.value = value;
      } else {
        input = h('input', { type: 'text', inputmode: 'decimal', value });
      }
      input.dataset.testid = `param-${f.name}`;
      input.addEventListener('input', () => validate());
      inputs.set(f.name, input);
      form.append(h('label', { title: f.description }, h('span', { class: 'pname', text: f.name }), input, h('span', { class: 'unit', text: f.unit })));
    }
    validate();
  };

  const choose = async (id: string) => {
    try {
      detail = await api.get<ProtocolDetail>(`/api/protocols/${encodeURIComponent(id)}`);
      about.textContent = detail.description;
      renderForm();
    } catch (e) {
      store.error(`protocol ${id}: ${(e as Error).message}`);
    }
  };
  select.addEventListener('change', () => void choose(select.value));

  void api
    .get<ProtocolSummary[]>('/api/protocols')
    .then((list) => {
      select.replaceChildren(...list.map((p) => h('option', { value: p.id, text: p.title || p.id })));
      const first = list.find((p) => p.id === 'synphys-probe') ?? list[0];
      if (first) {
        select.value = first.id;
        return choose(first.id);
      }
      return undefined;
    })
    .catch((e: Error) => store.error(`protocols: ${e.message}`));

  function definition(): ReturnType<ProtocolPanel['definition']> {
    if (!detail) return { ok: false, error: 'no protocol chosen' };
    const out: Record<string, unknown> = { protocol: detail.id };
    for (const f of fields) {
      const input = inputs.get(f.name);
      if (!input) continue;
      const r = fromFieldText(f, input.value);
      if (!r.ok) return r;
      if (r.value !== undefined) out[f.name] = r.value;
    }
    return { ok: true, protocol: detail.id, definition: out };
  }

  const renderButtons = () => {
    const allowed = allowedCommands(store.experiment);
    for (const [cmd, b] of buttons) {
      b.disabled = !store.isController || !allowed.has(cmd);
      // Pause and Resume share Space: show the one that applies.
      if (cmd === 'resume') b.hidden = !allowed.has('resume');
      if (cmd === 'pause') b.hidden = allowed.has('resume');
    }
  };

  const tick = (now: number) => {
    const n = nextInfo(store.experiment, now);
    nProtocol.textContent = n ? n.protocol : detail ? `${detail.id} (not started)` : '–';
    nProgress.textContent = n?.progress ?? '';
    nNext.textContent = n?.next ?? '';
    nCountdown.textContent = n?.countdown ?? '';
    nEta.textContent = n?.eta ?? '';
  };

  store.on('experiment', () => {
    renderButtons();
    tick(Date.now());
  });
  store.on('seat', renderButtons);
  renderButtons();
  return { el, definition, tick };
}

function debounce(fn: () => Promise<void> | void, ms: number): () => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (t) clearTimeout(t);
    t = setTimeout(() => void fn(), ms);
  };
}
