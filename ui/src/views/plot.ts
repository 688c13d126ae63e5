import uPlot from 'uplot';
import { niceStep } from '../units.ts';
import { type YMode, intervalRange } from '../y-mode.ts';

/**
 * A plot's view of its axes: Auto follows the data, Fixed keeps what the user zoomed/panned to,
 * Interval (y only) keeps the span `yInterval` centred on the data.
 */
export interface AxisState {
  x: [number, number] | undefined;
  y: [number, number] | undefined;
  yInterval: number | undefined;
}

export interface TracePlotOptions {
  width: number;
  height: number;
  series: { label: string; color: string; scale?: string; width?: number }[];
  /** Display unit per y scale key ('y' by default); shown on the axis and the scale bar. */
  unit: (scale: string) => string;
  /** x range when not zoomed (the sweep or test-pulse window), s. */
  autoX: () => [number, number] | undefined;
  /** The y scales this plot has (each gets an axis): default ['y']. */
  scales?: string[];
  showXAxis?: boolean;
  /** Put the unit on each y axis (plots whose units never change, e.g. the scope's pA and mV axes). */
  axisLabels?: boolean;
  /** Called after each draw with the scale bars' text (a hook for tests and screen readers). */
  onScaleBar?: (text: string) => void;
  /** The user zoomed, panned or autoscaled, or `setYMode` was called: the y mode now in force. */
  onAxisMode?: (mode: YMode) => void;
  /** Two draggable measurement cursors A and B (x, s); called when they move (criterion 13). */
  onCursors?: (a: number, b: number) => void;
}

export interface TracePlot {
  u: uPlot;
  axes: AxisState;
  /** Cursor positions (s) when the plot has cursors and has drawn once. */
  cursors: { a: number | undefined; b: number | undefined };
  setData(data: uPlot.AlignedData): void;
  autoscale(): void;
  /** The y mode in force. */
  yMode(): YMode;
  /**
   * Switches the y mode: Fixed freezes the range shown; Interval keeps `span` (display units;
   * default the span shown now) re-centred on the data each draw.
   */
  setYMode(mode: YMode, span?: number): void;
  setSize(width: number, height: number): void;
  destroy(): void;
}

const AXIS_STROKE = '#9aa4b2';
const GRID = { stroke: 'rgba(255,255,255,0.07)', width: 1 };

function pad([lo, hi]: [number, number]): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [-1, 1];
  if (hi - lo < 1e-9) return [lo - 1, hi + 1];
  const p = (hi - lo) * 0.06;
  return [lo - p, hi + p];
}

function msLabel(s: number): string {
  const ms = s * 1e3;
  return Math.abs(ms) >= 1000 ? `${+(ms / 1000).toFixed(3)} s` : `${+ms.toFixed(2)} ms`;
}

/**
 * A uPlot chart for min/max traces with the rig-scope interactions of criterion 14: wheel zooms y
 * (Shift+wheel zooms x) about the pointer, drag pans, double-click returns to Auto; scale bars are
 * drawn on the canvas (criterion 16). uPlot's own drag-to-zoom is off: a drag pans, as in ACQ4.
 */
export function createTracePlot(el: HTMLElement, o: TracePlotOptions): TracePlot {
  const scaleKeys = o.scales ?? ['y'];
  const axes: AxisState = { x: undefined, y: undefined, yInterval: undefined };
  const cursors: { a: number | undefined; b: number | undefined } = { a: undefined, b: undefined };
  // Fixed ranges of the extra y scales (the scope's second axis).
  const fixed = new Map<string, [number, number]>();
  const yRange = (key: string) => (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => {
    const f = key === 'y' ? axes.y : fixed.get(key);
    if (f) return f;
    // uPlot hands over the data's min/max in view: Interval re-centres its span on them.
    if (key === 'y' && axes.yInterval !== undefined) return intervalRange(min, max, axes.yInterval);
    return pad([min, max]);
  };
  const opts: uPlot.Options = {
    width: o.width,
    height: o.height,
    legend: { show: false },
    padding: [6, 8, o.showXAxis ? 0 : 6, 0],
    cursor: {
      drag: { x: false, y: false, setScale: false },
      points: { show: false },
      // Double-click is ours (autoscale); uPlot's would reset to the data range only.
      bind: { dblclick: () => null },
    },
    scales: {
      x: { time: false, range: (_u, min, max) => axes.x ?? o.autoX() ?? pad([min, max]) },
      ...Object.fromEntries(scaleKeys.map((k) => [k, { range: yRange(k) }])),
    },
    axes: [
      { show: o.showXAxis ?? false, stroke: AXIS_STROKE, grid: GRID, ticks: { show: false }, size: 28, values: (_u, vals) => vals.map(msLabel) },
      ...scaleKeys.map((k, i) => ({
        scale: k,
        side: i === 0 ? 3 : 1,
        stroke: AXIS_STROKE,
        grid: i === 0 ? GRID : { show: false },
        ticks: { show: false },
        size: 56,
        ...(o.axisLabels ? { label: o.unit(k), labelSize: 16 } : {}),
        values: (_u: uPlot, vals: number[]) => vals.map((v) => String(+v.toPrecision(4))),
      })),
    ],
    series: [{}, ...o.series.map((s) => ({ label: s.label, stroke: s.color, width: s.width ?? 1, scale: s.scale ?? 'y', spanGaps: false, points: { show: false } }))],
    hooks: {
      draw: [
        (u: uPlot) => drawScaleBars(u, o, scaleKeys[0] as string),
        ...(o.onCursors ? [(u: uPlot) => drawCursors(u, cursors, o.onCursors as (a: number, b: number) => void)] : []),
      ],
    },
  };
  const u = new uPlot(opts, [[], ...o.series.map(() => [])], el);
  let last: uPlot.AlignedData = [[], ...o.series.map(() => [])];

  const setFixed = (key: string, r: [number, number]) => {
    if (key === 'y') {
      // A pan sets where y is, which Interval would undo on the next frame: it becomes Fixed.
      axes.y = r;
      axes.yInterval = undefined;
    } else fixed.set(key, r);
  };
  const yMode = (): YMode => (axes.y ? 'fixed' : axes.yInterval !== undefined ? 'interval' : 'auto');
  const current = (key: string): [number, number] => [u.scales[key]?.min ?? 0, u.scales[key]?.max ?? 1];

  u.over.addEventListener('wheel', (e) => {
    e.preventDefault();
    const k = e.deltaY > 0 ? 1.25 : 0.8;
    if (e.shiftKey) {
      const at = u.posToVal(e.offsetX, 'x');
      const [a, b] = current('x');
      axes.x = [at - (at - a) * k, at + (b - at) * k];
      u.setScale('x', { min: axes.x[0], max: axes.x[1] });
      return;
    }
    for (const key of scaleKeys) {
      if (key === 'y' && axes.yInterval !== undefined) {
        // Interval stays Interval: the wheel changes its span, the data keeps it centred.
        axes.yInterval *= k;
        u.setData(last, true);
        continue;
      }
      const at = u.posToVal(e.offsetY, key);
      const [a, b] = current(key);
      setFixed(key, [at - (at - a) * k, at + (b - at) * k]);
      const r = key === 'y' ? axes.y : fixed.get(key);
      if (r) u.setScale(key, { min: r[0], max: r[1] });
    }
    o.onAxisMode?.(yMode());
  }, { passive: false });

  // A press within a few pixels of a cursor drags that cursor instead of panning.
  const grabCursor = (e: MouseEvent): boolean => {
    if (!o.onCursors) return false;
    const left = u.over.getBoundingClientRect().left;
    const near = (['a', 'b'] as const).find((k) => {
      const v = cursors[k];
      return v !== undefined && Math.abs(u.valToPos(v, 'x') - (e.clientX - left)) < 6;
    });
    if (!near) return false;
    const move = (m: MouseEvent) => {
      cursors[near] = u.posToVal(m.clientX - left, 'x');
      u.redraw(false, false);
    };
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
    return true;
  };

  u.over.addEventListener('mousedown', (e) => {
    if (e.button !== 0) return;
    if (grabCursor(e)) return;
    const x0 = e.clientX;
    const y0 = e.clientY;
    const start = new Map(['x', ...scaleKeys].map((k) => [k, current(k)]));
    const w = u.over.clientWidth || 1;
    const h = u.over.clientHeight || 1;
    let moved = false;
    const move = (m: MouseEvent) => {
      const dx = m.clientX - x0;
      const dy = m.clientY - y0;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 3) return;
      moved = true;
      const [xa, xb] = start.get('x') as [number, number];
      const sx = (-dx / w) * (xb - xa);
      axes.x = [xa + sx, xb + sx];
      u.batch(() => {
        u.setScale('x', { min: axes.x?.[0] ?? xa, max: axes.x?.[1] ?? xb });
        for (const key of scaleKeys) {
          const [ya, yb] = start.get(key) as [number, number];
          const sy = (dy / h) * (yb - ya);
          setFixed(key, [ya + sy, yb + sy]);
          u.setScale(key, { min: ya + sy, max: yb + sy });
        }
      });
      o.onAxisMode?.(yMode());
    };
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  });

  const autoscale = () => {
    axes.x = undefined;
    axes.y = undefined;
    axes.yInterval = undefined;
    fixed.clear();
    u.setData(last, true);
    o.onAxisMode?.('auto');
  };
  const setYMode = (mode: YMode, span?: number) => {
    if (mode === 'auto') return autoscale();
    const [lo, hi] = current('y');
    if (mode === 'fixed') {
      axes.y = [lo, hi];
      axes.yInterval = undefined;
    } else {
      axes.y = undefined;
      axes.yInterval = span !== undefined && Number.isFinite(span) && span > 0 ? span : hi - lo > 0 ? hi - lo : undefined;
      // No usable span (nothing drawn yet): stay in Auto rather than invent a scale.
      if (axes.yInterval === undefined) return autoscale();
    }
    u.setData(last, true);
    o.onAxisMode?.(yMode());
  };
  u.over.addEventListener('dblclick', autoscale);

  return {
    u,
    axes,
    cursors,
    setData(data) {
      last = data;
      // Reset scales only where Auto: a zoomed plot keeps its view while data streams in.
      u.setData(data, true);
    },
    autoscale,
    yMode,
    setYMode,
    setSize(width, height) {
      u.setSize({ width, height });
    },
    destroy() {
      u.destroy();
    },
  };
}

/** An L-shaped scale bar in the lower right: a 1-2-5 length of about a quarter of each axis. */
function drawScaleBars(u: uPlot, o: TracePlotOptions, yKey: string): void {
  const xs = u.scales.x;
  const ys = u.scales[yKey];
  if (!xs || !ys || xs.min === undefined || xs.max === undefined || ys.min === undefined || ys.max === undefined || xs.min === null || xs.max === null || ys.min === null || ys.max === null) return;
  const dy = niceStep((ys.max - ys.min) / 4);
  const dx = niceStep((xs.max - xs.min) / 5);
  if (!(dy > 0) || !(dx > 0)) return;
  const ctx = u.ctx;
  const pr = devicePixelRatio || 1;
  const right = u.bbox.left + u.bbox.width - 10 * pr;
  const bottom = u.bbox.top + u.bbox.height - 8 * pr;
  const lx = Math.abs(u.valToPos(xs.min + dx, 'x', true) - u.valToPos(xs.min, 'x', true));
  const ly = Math.abs(u.valToPos(ys.min + dy, yKey, true) - u.valToPos(ys.min, yKey, true));
  ctx.save();
  ctx.strokeStyle = '#e6e9ef';
  ctx.lineWidth = 2 * pr;
  ctx.beginPath();
  ctx.moveTo(right - lx, bottom);
  ctx.lineTo(right, bottom);
  ctx.lineTo(right, bottom - ly);
  ctx.stroke();
  ctx.fillStyle = '#e6e9ef';
  ctx.font = `${11 * pr}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  const yText = `${+dy.toPrecision(3)} ${o.unit(yKey)}`;
  const xText = msLabel(dx);
  // y label above the vertical bar, x label left of the horizontal one: they never overlap.
  ctx.textBaseline = 'bottom';
  ctx.fillText(yText, right + 2 * pr, bottom - ly - 2 * pr);
  ctx.textBaseline = 'middle';
  ctx.fillText(xText, right - lx - 5 * pr, bottom);
  ctx.restore();
  o.onScaleBar?.(`${yText} · ${xText}`);
}

/** Cursors A and B as dashed vertical lines; first placed at a quarter and three quarters of x. */
function drawCursors(u: uPlot, c: { a: number | undefined; b: number | undefined }, changed: (a: number, b: number) => void): void {
  const xs = u.scales.x;
  if (xs?.min == null || xs.max == null) return;
  if (c.a === undefined || c.b === undefined) {
    c.a = xs.min + (xs.max - xs.min) * 0.25;
    c.b = xs.min + (xs.max - xs.min) * 0.75;
  }
  const ctx = u.ctx;
  const pr = devicePixelRatio || 1;
  ctx.save();
  ctx.setLineDash([4 * pr, 3 * pr]);
  ctx.lineWidth = pr;
  ctx.font = `${11 * pr}px system-ui, sans-serif`;
  for (const [name, v, color] of [['A', c.a, '#e6e9ef'], ['B', c.b, '#ffca28']] as const) {
    const px = u.valToPos(v, 'x', true);
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(px, u.bbox.top);
    ctx.lineTo(px, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.fillText(name, px + 3 * pr, u.bbox.top + 11 * pr);
  }
  ctx.restore();
  changed(c.a, c.b);
}
