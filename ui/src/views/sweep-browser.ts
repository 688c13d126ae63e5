import type uPlot from 'uplot';
import type { Api } from '../api.ts';
import { headstageColor } from '../colors.ts';
import { download, h } from '../dom.ts';
import type { Store } from '../store.ts';
import { averageColumns, sweepFrame } from '../sweep-data.ts';
import { MAX_OVERLAY, selectSweeps, stimulusNames } from '../sweep-select.ts';
import type { MinMaxColumns } from '../sweep-types.ts';
import { measure } from '../cursors.ts';
import { TraceWindow } from '../trace-window.ts';
import type { SweepData, SweepSummary } from '../types.ts';
import { traceUnit } from '../units.ts';
import { type TracePlot, createTracePlot } from './plot.ts';

interface Trace {
  sweep: number | 'avg';
  headstage: number;
  /** 'mV' or 'pA': which y axis. */
  unit: string;
  scale: number;
  frame: ReturnType<typeof sweepFrame>;
  /** Older overlays are drawn fainter than the newest. */
  alpha: number;
}

/**
 * Past sweeps (criterion 12): pick sweeps by hand or by rule (stimulus, from sweep k, every k-th,
 * the last N: `selectSweeps`), overlay or average them, follow the last sweep as it arrives,
 * response and stimulus per headstage in the headstage's colour. A new experiment clears the
 * selection and the "from sweep" offset (its sweep numbers start again).
 */
export function createSweepBrowser(store: Store, api: Api): { el: HTMLElement; show: () => void; hide: () => void } {
  const list = h('div', { class: 'sweep-list', 'data-testid': 'sweep-list' });
  const follow = h('input', { type: 'checkbox', checked: true, 'data-testid': 'sb-follow' });
  const overlay = h('input', { type: 'number', min: 1, max: MAX_OVERLAY, value: 1, 'data-testid': 'sb-overlay' });
  // Select by protocol/offset/step (criterion 12): which stimulus, from which sweep, every k-th.
  const stimulus = h('select', { 'data-testid': 'sb-stimulus' }, h('option', { value: '', text: 'all' }));
  const fromSweep = h('input', { type: 'number', min: 0, placeholder: 'first', class: 'sb-num', 'data-testid': 'sb-from' });
  const step = h('input', { type: 'number', min: 1, value: 1, class: 'sb-num', 'data-testid': 'sb-step' });
  const average = h('input', { type: 'checkbox', 'data-testid': 'sb-average' });
  const hsBoxes = h('div', { class: 'hs-boxes' });
  const info = h('div', { class: 'small muted', 'data-testid': 'sb-info' });
  const cursorTable = h('table', { class: 'cursor-table', 'data-testid': 'cursor-table' });
  const copy = h('button', { class: 'mini', title: 'copy the cursor measurements (tab-separated)', text: 'Copy' });
  let cursorTsv = '';
  copy.addEventListener('click', () => void navigator.clipboard?.writeText(cursorTsv));
  const respBox = h('div', { class: 'sb-plot' });
  const cmdBox = h('div', { class: 'sb-plot cmd' });
  const png = h('button', { class: 'mini', text: 'PNG' });
  const controls = h(
    'div',
    { class: 'row wrap' },
    h('label', {}, follow, ' follow last sweep'),
    h('label', {}, 'stimulus ', stimulus),
    h('label', {}, 'from sweep ', fromSweep),
    h('label', {}, 'every ', step),
    h('label', {}, 'overlay last ', overlay),
    h('label', {}, average, ' average'),
    hsBoxes,
    png,
  );
  const el = h('section', { class: 'sweep-browser', 'data-testid': 'sweep-browser' }, controls, h('div', { class: 'sb-main' }, list, h('div', { class: 'sb-plots' }, h('div', { class: 'small muted', text: 'response' }), respBox, h('div', { class: 'small muted', text: 'stimulus' }), cmdBox, info, h('div', { class: 'row' }, h('span', { class: 'small muted', text: 'cursors A–B on the response (drag the dashed lines)' }), copy), cursorTable)));

  let sweeps: SweepSummary[] = [];
  let experiment: string | undefined;
  const selected = new Set<number>();
  const shownHs = new Set<number>();
  const cache = new Map<string, SweepData>();
  let plots: TracePlot[] = [];
  let visible = false;

  png.addEventListener('click', () => {
    const p = plots[0];
    if (p) download('sweeps.png', p.u.ctx.canvas.toDataURL('image/png'));
  });

  const renderHsBoxes = () => {
    hsBoxes.replaceChildren();
    // Every headstage is shown until the user unticks some.
    if (shownHs.size === 0) for (let k = 0; k < store.headstageCount; k++) shownHs.add(k);
    for (let hs = 0; hs < store.headstageCount; hs++) {
      const box = h('input', { type: 'checkbox', checked: shownHs.has(hs), 'data-testid': `sb-hs-${hs}` });
      box.addEventListener('change', () => {
        if (box.checked) shownHs.add(hs);
        else shownHs.delete(hs);
        void draw();
      });
      hsBoxes.append(h('label', { style: `color:${headstageColor(hs)}` }, box, `HS ${hs + 1}`));
    }
  };

  // An empty field is "no bound" (NaN), which selectSweeps reads as its default.
  const num = (i: HTMLInputElement) => (i.value.trim() === '' ? NaN : Number(i.value));
  const applyRule = () => {
    selected.clear();
    for (const n of selectSweeps(sweeps, { stimulus: stimulus.value, from: num(fromSweep), count: num(overlay), step: num(step) })) selected.add(n);
  };
  const applyFollow = () => {
    if (follow.checked) applyRule();
  };
  /** The stimulus picker lists this experiment's stimuli; a choice no longer there falls back to all. */
  const renderStimuli = () => {
    const names = stimulusNames(sweeps);
    const current = stimulus.value;
    if (names.join('\n') === [...stimulus.options].slice(1).map((o) => o.value).join('\n')) return;
    stimulus.replaceChildren(h('option', { value: '', text: 'all' }), ...names.map((n) => h('option', { value: n, text: n })));
    stimulus.value = names.includes(current) ? current : '';
  };

  const renderList = () => {
    list.replaceChildren(
      ...sweeps
        .slice()
        .reverse()
        .map((s) => {
          const qcFail = s.qc.filter((q) => !q.pass);
          const row = h(
            'label',
            { class: `sweep-row ${selected.has(s.sweep) ? 'sel' : ''}`, 'data-testid': `sweep-row-${s.sweep}` },
            h('input', { type: 'checkbox', checked: selected.has(s.sweep) }),
            h('span', { text: `#${s.sweep}` }),
            h('span', { class: 'muted', text: s.stimulusName }),
            h('span', { class: qcFail.length ? 'bad' : 'good', title: qcFail.map((q) => `HS ${q.headstage + 1}: ${q.reasons.join(', ')}`).join('\n'), text: s.aborted ? 'aborted' : qcFail.length ? `QC ✕${qcFail.length}` : 'QC ✓' }),
          );
          const box = row.querySelector('input') as HTMLInputElement;
          box.addEventListener('change', () => {
            follow.checked = false;
            if (box.checked) selected.add(s.sweep);
            else selected.delete(s.sweep);
            renderList();
            void draw();
          });
          return row;
        }),
    );
    if (sweeps.length === 0) list.append(h('div', { class: 'muted small', text: 'no sweeps in this experiment yet' }));
  };

  const refresh = async () => {
    if (!store.experiment) {
      sweeps = [];
      renderList();
      return;
    }
    if (store.experiment.id !== experiment) {
      // A new run starts a clean browser (criterion 12: auto-clear on a new protocol run).
      experiment = store.experiment.id;
      selected.clear();
      cache.clear();
      fromSweep.value = '';
    }
    try {
      sweeps = await api.get<SweepSummary[]>('/api/experiments/current/sweeps');
    } catch (e) {
      info.textContent = (e as Error).message;
      return;
    }
    renderStimuli();
    applyFollow();
    renderList();
    await draw();
  };

  const fetchSweep = async (sweep: number, width: number): Promise<SweepData> => {
    const key = `${experiment}:${sweep}:${width}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const d = await api.get<SweepData>(`/api/experiments/current/sweeps/${sweep}?width=${width}`);
    cache.set(key, d);
    return d;
  };

  const draw = async () => {
    if (!visible) return;
    const width = Math.max(200, Math.floor(respBox.clientWidth || 800));
    const chosen = [...selected].sort((a, b) => a - b);
    const t0 = performance.now();
    let data: SweepData[];
    try {
      data = await Promise.all(chosen.map((s) => fetchSweep(s, width)));
    } catch (e) {
      info.textContent = (e as Error).message;
      return;
    }
    const hsList = [...shownHs].sort((a, b) => a - b);
    const traces: [Trace[], Trace[]] = [[], []];
    for (const [signal, out] of [[1, traces[0]], [0, traces[1]]] as const) {
      for (const hs of hsList) {
        const per = data.map((d) => ({ d, ch: d.headstages.find((c) => c.headstage === hs) })).filter((x) => x.ch !== undefined);
        if (per.length === 0) continue;
        const pick = (x: (typeof per)[number]): MinMaxColumns => (signal === 1 ? x.ch?.response : x.ch?.command) ?? { min: [], max: [] };
        const first = per[per.length - 1];
        if (!first?.ch) continue;
        const u = traceUnit(first.ch.mode, signal === 1 ? 'response' : 'command');
        if (average.checked && per.length > 1) {
          const longest = per.reduce((a, b) => (b.d.scans > a.d.scans ? b : a));
          out.push({ sweep: 'avg', headstage: hs, unit: u.unit, scale: u.scale, alpha: 1, frame: sweepFrame(longest.d, hs, signal, averageColumns(per.map(pick))) });
        } else {
          per.forEach((x, i) => out.push({ sweep: x.d.sweep, headstage: hs, unit: u.unit, scale: u.scale, alpha: i === per.length - 1 ? 1 : 0.35, frame: sweepFrame(x.d, hs, signal, pick(x)) }));
        }
      }
    }
    const span = Math.max(1e-3, ...data.map((d) => d.to - d.from));
    const from = Math.min(...data.map((d) => d.from), 0);
    for (const p of plots) p.destroy();
    plots = [];
    for (const [i, box] of [respBox, cmdBox].entries()) {
      box.replaceChildren();
      const ts = traces[i as 0 | 1].filter((t) => t.frame.values.length > 0);
      if (ts.length === 0) continue;
      const units = [...new Set(ts.map((t) => t.unit))];
      const drawn: { t: Trace; x: number[]; y: (number | null)[] }[] = [];
      let lastCursors = '';
      const plot = createTracePlot(box, {
        width,
        height: i === 0 ? 300 : 140,
        series: ts.map((t) => ({ label: `HS ${t.headstage + 1} ${t.sweep}`, color: withAlpha(headstageColor(t.headstage), t.alpha), scale: t.unit })),
        scales: units,
        axisLabels: true,
        showXAxis: true,
        unit: (k) => k,
        autoX: () => [from, from + span],
        ...(i === 0
          ? {
              onCursors: (ca: number, cb: number) => {
                const key = `${ca},${cb},${drawn.length}`;
                if (key !== lastCursors) {
                  lastCursors = key;
                  renderCursorTable(drawn, ca, cb);
                }
              },
            }
          : {}),
      });
      const xs: number[][] = [];
      const ys: (number | null)[][] = [];
      for (const t of ts) {
        const w = new TraceWindow(width, span);
        w.add(t.frame);
        const d = w.drawable(t.scale, true);
        xs.push(d.x);
        ys.push(d.y);
        drawn.push({ t, x: d.x, y: d.y });
      }
      plot.setData([xs[0] ?? [], ...ys] as uPlot.AlignedData);
      plots.push(plot);
    }
    el.dataset.shown = String(chosen.length);
    info.textContent = chosen.length === 0 ? 'select sweeps on the left' : `${chosen.length} sweep${chosen.length === 1 ? '' : 's'} (${chosen.map((s) => `#${s}`).join(', ')}) · ${hsList.length} HS · ${data[0]?.resolution ?? ''} · drawn in ${Math.round(performance.now() - t0)} ms`;
  };

  function renderCursorTable(rows: { t: Trace; x: number[]; y: (number | null)[] }[], ca: number, cb: number): void {
    const fmt = (v: number | null) => (v === null ? '–' : String(+v.toPrecision(4)));
    const head = ['trace', 'Δt (ms)', 'Δ (B−A)', 'mean', 'peak', 'unit'];
    const body = rows.map(({ t, x, y }) => {
      const m = measure(x, y, ca, cb);
      return [`HS ${t.headstage + 1} ${t.sweep === 'avg' ? 'average' : `#${t.sweep}`}`, fmt(m.dt * 1e3), fmt(m.dy), fmt(m.mean), fmt(m.peak), t.unit];
    });
    cursorTsv = [head, ...body].map((r) => r.join('\t')).join('\n');
    cursorTable.replaceChildren(h('tr', {}, ...head.map((c) => h('th', { text: c }))), ...body.map((r, k) => h('tr', { style: `color:${headstageColor(rows[k]?.t.headstage ?? 0)}` }, ...r.map((c) => h('td', { text: c })))));
  }

  follow.addEventListener('change', () => {
    applyFollow();
    renderList();
    void draw();
  });
  // Changing the rule applies it at once, replacing hand-picked sweeps; follow keeps it applied
  // as new sweeps arrive.
  for (const input of [overlay, stimulus, fromSweep, step]) {
    input.addEventListener('change', () => {
      applyRule();
      renderList();
      void draw();
    });
  }
  average.addEventListener('change', () => void draw());

  let lastId: string | undefined;
  let lastStored = -1;
  // A stored sweep (not an acquired one) is what the sweeps route can serve.
  store.on('experiment', () => {
    const e = store.experiment;
    if (!e) return;
    if (e.id !== lastId || e.stored !== lastStored) {
      lastId = e.id;
      lastStored = e.stored;
      if (visible) void refresh();
    }
  });

  renderHsBoxes();
  store.on('connection', () => {
    if (hsBoxes.childElementCount !== store.headstageCount) renderHsBoxes();
  });
  return {
    el,
    show: () => {
      visible = true;
      if (hsBoxes.childElementCount !== store.headstageCount) renderHsBoxes();
      void refresh();
    },
    hide: () => {
      visible = false;
    },
  };
}

function withAlpha(hex: string, a: number): string {
  if (a >= 1) return hex;
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}
