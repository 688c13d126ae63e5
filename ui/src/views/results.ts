import uPlot from 'uplot';
import { type Api, ApiError } from '../api.ts';
import { headstageColor } from '../colors.ts';
import { h } from '../dom.ts';
import {
  type AnalysisUpdate,
  type MatrixCell,
  EXCITATORY,
  INHIBITORY,
  NEUTRAL,
  UNCERTAIN,
  countsText,
  defaultPair,
  matrixModel,
  nextResult,
  pairDetails,
  parseAnalysis,
  plasticitySeries,
  postUnits,
} from '../results.ts';
import type { Store } from '../store.ts';
import { type DisplayUnit, MILLIVOLT } from '../units.ts';

/** The service's 404 codes of `GET /api/experiments/current/analysis`, said for the bench. */
const NOT_YET: Record<string, string> = {
  EXPERIMENT_NONE: 'No analysis yet: no experiment has been run since the service started.',
  ANALYSIS_PENDING: 'No analysis yet: a result arrives after each analysed sweep.',
  ANALYSIS_OFF: 'No analysis: online analysis is off in this service.',
};

/** Condition colours of the plasticity plot: apart from each other on the dark background. */
const CONDITION_COLORS = ['#4fc3f7', '#ffb74d', '#81c784', '#f06292', '#b39ddb', '#fff176', '#4db6ac', '#ff8a65', '#90a4ae', '#e57373', '#aed581', '#9575cd'];

export interface ResultsView {
  el: HTMLElement;
  show: () => void;
  hide: () => void;
  /** A `/ws` `analysis` event (shown whether or not the tab is open, so it is current when opened). */
  onEvent: (e: unknown) => void;
  /** Fetches the latest result (tab opened, /ws (re)connected): events missed meanwhile are in it. */
  refresh: () => Promise<void>;
  resize: () => void;
}

/**
 * The online analysis of the current experiment (issue 7): the connectivity matrix of its
 * headstages (pre rows × post columns), what was analysed and left out, the numbers of a pair on
 * hover or click, and the selected pair's short-term plasticity per condition. Test hooks:
 * `results[data-sweeps|data-source|data-experiment]`, `cm-<pre>-<post>[data-status]`,
 * `results-counts`.
 */
export function createResultsView(store: Store, api: Api): ResultsView {
  const status = h('div', { class: 'small muted', 'data-testid': 'results-status' });
  const counts = h('div', { class: 'results-counts', 'data-testid': 'results-counts' });
  const sweepLine = h('div', { class: 'small muted', 'data-testid': 'results-sweep' });
  const matrix = h('table', { class: 'cmatrix', 'data-testid': 'cmatrix' });
  const swatch = (color: string, text: string, cls = '') => h('span', { class: 'cm-key' }, h('span', { class: `cm-swatch ${cls}`, style: `background:${color}` }), text);
  const key = h(
    'div',
    { class: 'row small muted cm-legend' },
    swatch(EXCITATORY, 'excitatory'),
    swatch(INHIBITORY, 'inhibitory'),
    h('span', { text: '(brighter = larger PSP)' }),
    swatch(UNCERTAIN, 'uncertain ?', 'uncertain'),
    swatch(NEUTRAL, 'unconnected'),
    swatch('transparent', 'not analysed yet', 'none'),
  );
  const details = h('table', { class: 'pair-details', 'data-testid': 'pair-details' });
  const detailsTitle = h('div', { class: 'pair-title', 'data-testid': 'pair-title' });
  const normalise = h('input', { type: 'checkbox', 'data-testid': 'stp-normalise' });
  const plotTitle = h('div', { class: 'small muted', 'data-testid': 'stp-title' });
  const plotBox = h('div', { class: 'stp-plot', 'data-testid': 'stp-plot' });
  const plotLegend = h('div', { class: 'scope-legend', 'data-testid': 'stp-legend' });
  const el = h(
    'section',
    { class: 'results', 'data-testid': 'results' },
    h('div', { class: 'row' }, h('strong', { text: 'Connectivity' }), counts),
    h('div', { class: 'row' }, sweepLine, status),
    h(
      'div',
      { class: 'results-main' },
      h('div', { class: 'cm-box' }, h('div', { class: 'small muted', text: 'rows: presynaptic · columns: postsynaptic' }), matrix, key),
      h(
        'div',
        { class: 'results-side' },
        detailsTitle,
        details,
        h('div', { class: 'row' }, h('strong', { text: 'Short-term plasticity' }), h('label', { class: 'small' }, normalise, ' normalise to pulse 1')),
        plotTitle,
        plotBox,
        plotLegend,
      ),
    ),
  );

  let result: AnalysisUpdate | undefined;
  let units = new Map<number, DisplayUnit>();
  let cells: MatrixCell[][] = [];
  /** The clicked pair (pinned); hovering shows another pair's numbers without moving the plot. */
  let selected: { pre: number; post: number } | undefined;
  let visible = false;
  let plot: uPlot | undefined;
  let plotKey = '';

  const unitOf = (post: number) => units.get(post) ?? MILLIVOLT;
  const cellAt = (pre: number, post: number) => cells.flat().find((c) => c.pre === pre && c.post === post);
  const hsName = (hs: number) => `HS ${hs + 1}`;
  const cellLabel = (hs: number) => store.headstages[hs]?.label ?? '';

  /** The experiment's headstages; the pairs' own when the console has not learned them yet. */
  const headstages = (): number[] => {
    const e = store.experiment;
    if (e && result && e.id === result.experiment && e.headstages.length > 0) return [...e.headstages].sort((a, b) => a - b);
    const seen = new Set<number>();
    for (const p of result?.pairs ?? []) seen.add(p.pre).add(p.post);
    return [...seen].sort((a, b) => a - b);
  };

  function accept(u: AnalysisUpdate, source: 'event' | 'fetch'): void {
    const next = nextResult(result, u, store.experiment?.id);
    if (next === result) return;
    if (result?.experiment !== next?.experiment) selected = undefined;
    result = next;
    el.dataset.source = source;
    render();
  }

  function clear(why: string): void {
    result = undefined;
    selected = undefined;
    status.textContent = why;
    render();
  }

  function render(): void {
    el.dataset.experiment = result?.experiment ?? '';
    el.dataset.sweeps = String(result?.counts.sweeps ?? 0);
    if (!result) {
      counts.textContent = '';
      sweepLine.textContent = '';
      cells = [];
      matrix.replaceChildren();
      renderDetails(undefined);
      renderPlot();
      return;
    }
    status.textContent = '';
    counts.textContent = countsText(result.counts);
    sweepLine.textContent = `after sweep #${result.sweep}${result.included ? '' : ` (excluded: ${result.exclusion ?? 'no reason given'})`}`;
    units = postUnits(result.pairs, (hs) => store.headstages[hs]?.mode);
    const hss = headstages();
    cells = matrixModel(hss, result.pairs, units);
    if (selected && !cellAt(selected.pre, selected.post)?.pair) selected = undefined;
    if (!selected) {
      const d = defaultPair(cells);
      if (d) selected = { pre: d.pre, post: d.post };
    }
    renderMatrix(hss);
    renderDetails(selected && cellAt(selected.pre, selected.post));
    renderPlot();
  }

  const headCell = (hs: number, tag: 'th') =>
    h(tag, { class: 'cm-head', style: `color:${headstageColor(hs)}`, title: cellLabel(hs) }, hsName(hs), cellLabel(hs) ? h('div', { class: 'cm-label', text: cellLabel(hs) }) : undefined);

  function renderMatrix(hss: number[]): void {
    const head = h('tr', {}, h('th', { class: 'cm-corner', text: 'pre ↓ post →' }), ...hss.map((hs) => headCell(hs, 'th')));
    const rows = cells.map((row, i) =>
      h(
        'tr',
        {},
        headCell(hss[i] as number, 'th'),
        ...row.map((c) => {
          const td = h('td', {
            class: `cm-cell ${c.kind}${selected?.pre === c.pre && selected.post === c.post ? ' sel' : ''}`,
            style: `background-color:${c.color}`,
            'data-testid': `cm-${c.pre}-${c.post}`,
            'data-status': c.kind,
            title: c.pair ? tooltip(c) : c.kind === 'none' ? `${hsName(c.pre)} → ${hsName(c.post)}: not analysed yet` : '',
            text: c.mark,
          });
          if (c.pair) {
            td.addEventListener('mouseenter', () => renderDetails(c));
            td.addEventListener('mouseleave', () => renderDetails(selected && cellAt(selected.pre, selected.post)));
            td.addEventListener('click', () => {
              selected = { pre: c.pre, post: c.post };
              for (const x of matrix.querySelectorAll('.cm-cell.sel')) x.classList.remove('sel');
              td.classList.add('sel');
              renderDetails(c);
              renderPlot();
            });
          }
          return td;
        }),
      ),
    );
    matrix.replaceChildren(head, ...rows);
  }

  function tooltip(c: MatrixCell): string {
    if (!c.pair) return '';
    return [`${hsName(c.pre)} → ${hsName(c.post)}`, ...pairDetails(c.pair, unitOf(c.post)).map(([k, v]) => `${k}: ${v}`)].join('\n');
  }

  function renderDetails(c: MatrixCell | undefined): void {
    if (!c?.pair) {
      detailsTitle.textContent = result ? 'hover or click a pair for its numbers' : '';
      details.replaceChildren();
      return;
    }
    detailsTitle.replaceChildren(h('span', { style: `color:${headstageColor(c.pre)}`, text: hsName(c.pre) }), ' → ', h('span', { style: `color:${headstageColor(c.post)}`, text: hsName(c.post) }));
    details.replaceChildren(...pairDetails(c.pair, unitOf(c.post)).map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: v }))));
  }

  function renderPlot(): void {
    const c = selected && cellAt(selected.pre, selected.post);
    const curves = c?.pair?.plasticity ?? [];
    el.dataset.stpSeries = String(curves.length);
    if (!c?.pair || curves.length === 0) {
      plot?.destroy();
      plot = undefined;
      plotKey = '';
      plotBox.replaceChildren();
      plotLegend.replaceChildren();
      plotTitle.textContent = !result ? '' : c?.pair ? `${hsName(c.pre)} → ${hsName(c.post)}: no plasticity curves (connected pairs only)` : 'no connected pair to show';
      return;
    }
    if (!visible) return;
    const unit = unitOf(c.post);
    const s = plasticitySeries(curves, unit, normalise.checked);
    const yLabel = normalise.checked ? '× pulse 1' : unit.unit;
    plotTitle.textContent = `${hsName(c.pre)} → ${hsName(c.post)}: amplitude (${yLabel}) against pulse number`;
    plotLegend.replaceChildren(...s.series.map((x, i) => h('span', { style: `color:${CONDITION_COLORS[i % CONDITION_COLORS.length]}`, text: `■ ${x.label}` })));
    const width = Math.max(240, plotBox.clientWidth);
    const height = Math.max(160, plotBox.clientHeight);
    // The plot is rebuilt only when its series or y label change; new numbers are setData.
    const key = `${s.series.map((x) => x.label).join('|')}|${yLabel}`;
    if (!plot || key !== plotKey) {
      plot?.destroy();
      plotBox.replaceChildren();
      plotKey = key;
      plot = new uPlot(
        {
          width,
          height,
          legend: { show: false },
          cursor: { points: { show: true } },
          scales: { x: { time: false, range: [0.5, 12.5] } },
          axes: [
            { stroke: '#9aa4b2', grid: { stroke: 'rgba(255,255,255,0.07)' }, ticks: { show: false }, splits: () => s.x, label: 'pulse', labelSize: 18 },
            { stroke: '#9aa4b2', grid: { stroke: 'rgba(255,255,255,0.07)' }, ticks: { show: false }, size: 56, label: yLabel, labelSize: 18 },
          ],
          series: [{}, ...s.series.map((x, i) => ({ label: x.label, stroke: CONDITION_COLORS[i % CONDITION_COLORS.length], width: 1.5, spanGaps: true, points: { show: true, size: 6 } }))],
        },
        [s.x, ...s.series.map((x) => x.values)] as uPlot.AlignedData,
        plotBox,
      );
    } else {
      plot.setSize({ width, height });
      plot.setData([s.x, ...s.series.map((x) => x.values)] as uPlot.AlignedData);
    }
  }

  normalise.addEventListener('change', () => renderPlot());

  async function refresh(): Promise<void> {
    const exp = store.experiment;
    try {
      const u = parseAnalysis(await api.get<unknown>('/api/experiments/current/analysis'));
      if (u) accept(u, 'fetch');
      else if (!result) status.textContent = 'the service sent an analysis result this console cannot read';
    } catch (e) {
      // 404 until the first analysed sweep (or no experiment / analysis off): say so, keep what a
      // newer event of this experiment may already have brought.
      if (e instanceof ApiError && e.status === 404) {
        if (!result || (exp !== undefined && result.experiment !== exp.id)) clear(NOT_YET[e.code ?? ''] ?? `No analysis yet: ${e.message}`);
      } else status.textContent = `analysis: ${(e as Error).message}`;
    }
  }

  // A new experiment starts from an empty matrix; its first event comes after its first sweep.
  store.on('experiment', () => {
    const id = store.experiment?.id;
    if (id !== undefined && result && result.experiment !== id) clear(NOT_YET.ANALYSIS_PENDING as string);
    else if (result && store.experiment && headstages().length !== cells.length) render();
  });
  // Lane labels can change while the matrix is shown (amplifier events come often: only then redraw).
  let labels = '';
  store.on('headstages', () => {
    const now = store.headstages.map((s) => s?.label ?? '').join('\u0000');
    if (now === labels) return;
    labels = now;
    if (visible && result) render();
  });

  status.textContent = 'No analysis yet.';
  return {
    el,
    show: () => {
      visible = true;
      render();
      void refresh();
    },
    hide: () => {
      visible = false;
    },
    onEvent: (e) => {
      const u = parseAnalysis(e);
      if (u) accept(u, 'event');
    },
    refresh,
    resize: () => {
      if (visible) renderPlot();
    },
  };
}
