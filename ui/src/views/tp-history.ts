import uPlot from 'uplot';
import { headstageColor } from '../colors.ts';
import { h } from '../dom.ts';
import { type TpHistory, type TpMetric } from '../tp-history.ts';

const PLOTS: { metric: TpMetric; label: string; unit: string; scale: number; log: boolean }[] = [
  { metric: 'Ra', label: 'Ra', unit: 'MΩ', scale: 1e-6, log: true },
  { metric: 'Rm', label: 'Rm', unit: 'MΩ', scale: 1e-6, log: true },
  { metric: 'Cm', label: 'Cm', unit: 'pF', scale: 1e12, log: false },
  { metric: 'Ihold', label: 'I hold (VC)', unit: 'pA', scale: 1e12, log: false },
  { metric: 'Vm', label: 'Vm (IC)', unit: 'mV', scale: 1e3, log: false },
];

const WINDOWS = [
  { id: '1min', label: '1 min', seconds: 60 },
  { id: '10min', label: '10 min', seconds: 600 },
  { id: 'session', label: 'session', seconds: Infinity },
] as const;

/**
 * Test-pulse history of every headstage at once (criterion 4): Ra, Rm (log y), Cm, I_hold and Vm
 * against time, over the last minute, ten minutes or the whole session.
 */
export function createTpHistoryView(history: TpHistory, headstages: number): { el: HTMLElement; render: () => void; resize: () => void } {
  let windowS: number = WINDOWS[0].seconds;
  const buttons = WINDOWS.map((w) => {
    const b = h('button', { class: 'mini', 'data-testid': `tph-${w.id}`, text: w.label });
    b.addEventListener('click', () => {
      windowS = w.seconds;
      buttons.forEach((x, i) => x.classList.toggle('on', WINDOWS[i]?.id === w.id));
      render();
    });
    return b;
  });
  buttons[0]?.classList.add('on');
  const legend = h('div', { class: 'scope-legend' }, ...Array.from({ length: headstages }, (_, hs) => h('span', { style: `color:${headstageColor(hs)}`, text: `■ HS ${hs + 1}` })));
  const grid = h('div', { class: 'tph-grid' });
  const el = h('section', { class: 'tp-history', 'data-testid': 'tp-history' }, h('div', { class: 'row' }, h('span', { class: 'muted small', text: 'window' }), ...buttons, legend), grid);
  const boxes = PLOTS.map((p) => {
    const box = h('div', { class: 'tph-plot' });
    grid.append(h('div', { class: 'tph-cell' }, h('div', { class: 'small muted', text: `${p.label} (${p.unit})` }), box));
    return box;
  });
  let plots: uPlot[] = [];

  const make = () => {
    plots = PLOTS.map((p, i) => {
      const box = boxes[i] as HTMLElement;
      return new uPlot(
        {
          width: Math.max(200, box.clientWidth),
          height: Math.max(80, box.clientHeight),
          legend: { show: false },
          cursor: { points: { show: false } },
          scales: { x: { time: true }, y: p.log ? { distr: 3 } : {} },
          axes: [
            { stroke: '#9aa4b2', grid: { stroke: 'rgba(255,255,255,0.07)' }, ticks: { show: false } },
            { stroke: '#9aa4b2', grid: { stroke: 'rgba(255,255,255,0.07)' }, ticks: { show: false }, size: 56 },
          ],
          series: [{}, ...Array.from({ length: headstages }, (_, hs) => ({ label: `HS ${hs + 1}`, stroke: headstageColor(hs), width: 1.5, spanGaps: true, points: { show: false } }))],
        },
        [[], ...Array.from({ length: headstages }, () => [])],
        box,
      );
    });
  };

  function render(): void {
    if (el.offsetParent === null) return;
    if (plots.length === 0) make();
    const from = Number.isFinite(windowS) ? Date.now() / 1000 - windowS : -Infinity;
    PLOTS.forEach((p, i) => {
      const s = history.series(p.metric, from);
      const ys = s.ys.map((y) => y.map((v) => (v === null || (p.log && v <= 0) ? null : v * p.scale)));
      plots[i]?.setData([s.x, ...ys] as uPlot.AlignedData);
    });
    el.dataset.seconds = String(history.length);
  }

  return {
    el,
    render,
    resize: () => {
      plots.forEach((u, i) => {
        const box = boxes[i] as HTMLElement;
        u.setSize({ width: Math.max(200, box.clientWidth), height: Math.max(80, box.clientHeight) });
      });
    },
  };
}
