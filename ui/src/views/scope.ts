import type uPlot from 'uplot';
import { h } from '../dom.ts';
import type { Lane } from './lane.ts';
import { type TracePlot, createTracePlot } from './plot.ts';

/**
 * Every headstage's live response on one oscilloscope, currents on the left axis (pA) and
 * voltages on the right (mV), in the headstage colours. It reads the lanes' trace windows: one
 * copy of the data, two views.
 */
export function createScope(lanes: readonly Lane[]): { el: HTMLElement; render: () => void; resize: () => void; autoscale: () => void } {
  const box = h('div', { class: 'scope-plot', 'data-testid': 'scope' });
  const legend = h('div', { class: 'scope-legend' });
  const el = h('section', { class: 'scope' }, legend, box);
  let legendKey = '';
  const renderLegend = () => {
    const key = lanes.map((l) => l.mode).join();
    if (key === legendKey) return;
    legendKey = key;
    legend.replaceChildren(...lanes.map((l) => h('span', { style: `color:${l.color}`, text: `■ HS ${l.hs + 1} ${l.mode} (${l.unit().unit === 'pA' ? 'left axis' : 'right axis'})` })));
  };
  let plot: TracePlot | undefined;
  let drawn = '';
  const ensure = () => {
    if (plot) return plot;
    plot = createTracePlot(box, {
      width: Math.max(300, box.clientWidth),
      height: Math.max(200, box.clientHeight),
      series: lanes.map((l) => ({ label: `HS ${l.hs + 1}`, color: l.color, scale: 'pA' })),
      scales: ['pA', 'mV'],
      axisLabels: true,
      showXAxis: true,
      unit: (k) => k,
      autoX: () => {
        const w = lanes.find((l) => l.trace.span > 0)?.trace;
        return w ? [w.origin, w.origin + w.span] : undefined;
      },
    });
    return plot;
  };
  const render = () => {
    const versions = lanes.map((l) => `${l.trace.version}${l.mode}`).join(',');
    if (versions === drawn) return;
    drawn = versions;
    renderLegend();
    const p = ensure();
    const ref = lanes.find((l) => l.trace.span > 0)?.trace;
    if (!ref) return;
    const x = ref.drawable(1, true).x;
    const ys = lanes.map((l) => {
      const w = l.trace;
      // Only windows on the same time grid can share the x array; others wait for the next sweep.
      if (w.span !== ref.span || w.origin !== ref.origin || w.columns !== ref.columns) return x.map(() => null);
      return w.drawable(l.unit().scale, true).y;
    });
    // A headstage's series follows its mode onto the pA or mV axis.
    lanes.forEach((l, i) => {
      const s = p.u.series[i + 1];
      if (s) s.scale = l.unit().unit;
    });
    p.setData([x, ...ys] as uPlot.AlignedData);
  };
  return {
    el,
    render,
    resize: () => {
      if (!plot) return;
      plot.setSize(Math.max(300, box.clientWidth), Math.max(200, box.clientHeight));
      drawn = '';
    },
    autoscale: () => plot?.autoscale(),
  };
}
