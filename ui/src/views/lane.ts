import { headstageColor } from '../colors.ts';
import { download, h } from '../dom.ts';
import type { TpSample } from '../store.ts';
import { TraceWindow } from '../trace-window.ts';
import type { HeadstageState, TestPulseReadingEvent } from '../types.ts';
import { type ClampMode, formatAge, formatCapacitance, formatCurrent, formatResistance, formatTime, formatVoltage, traceUnit } from '../units.ts';
import { type YMode, Y_MODE_LABEL, nextYMode } from '../y-mode.ts';
import { drawSparkline } from './sparkline.ts';
import { type TracePlot, createTracePlot } from './plot.ts';

interface Metric {
  key: string;
  label: string;
  value: (r: TestPulseReadingEvent) => number | null | undefined;
  format: (v: number | null | undefined) => string;
  /** Has a sparkline; `log` for resistances. */
  spark?: { log: boolean };
}

const RA: Metric = { key: 'Ra', label: 'Ra', value: (r) => r.Ra, format: formatResistance, spark: { log: true } };
const RM: Metric = { key: 'Rm', label: 'Rm', value: (r) => r.Ri, format: formatResistance, spark: { log: true } };
const CM: Metric = { key: 'Cm', label: 'Cm', value: (r) => r.Cm, format: formatCapacitance, spark: { log: false } };
const TAU: Metric = { key: 'tau', label: 'τ', value: (r) => r.tau, format: formatTime };
const RSS: Metric = { key: 'Rss', label: 'Rss', value: (r) => r.Rss, format: formatResistance };
const RPEAK: Metric = { key: 'Rpeak', label: 'Rpk', value: (r) => r.Rpeak, format: formatResistance };
const IHOLD: Metric = { key: 'hold', label: 'Ihold', value: (r) => r.holdingCurrent ?? (r.mode === 'VC' ? r.baseline : undefined), format: formatCurrent, spark: { log: false } };
const VM: Metric = { key: 'hold', label: 'Vm', value: (r) => r.vm ?? (r.mode === 'IC' ? r.baseline : undefined), format: formatVoltage, spark: { log: false } };

/** The numbers a lane shows in each mode (criterion 3: I_hold in VC, Vm in IC). */
function metricsFor(mode: 'VC' | 'IC'): Metric[] {
  return mode === 'VC' ? [RA, RM, CM, TAU, RSS, RPEAK, IHOLD] : [RA, RM, CM, TAU, RSS, VM];
}

/** History shown in the sparklines: the last minute. */
const SPARK_MS = 60_000;

/**
 * One headstage's lane in the rig overview (criteria 1, 3): "HS n · cell · mode · unit", its live
 * trace, its test-pulse numbers with sparklines and the age of the last reading. Test hooks:
 * `data-frames` counts trace frames drawn into the lane, `data-mode` and `data-unit` say what the
 * trace is, `tp-<hs>-<metric>` hold the numbers.
 */
export class Lane {
  readonly el: HTMLElement;
  readonly trace: TraceWindow;
  readonly plot: TracePlot;
  private readonly title: HTMLElement;
  private readonly yMode: HTMLButtonElement;
  /** Interval mode's span, typed in display units; shown only in Interval. */
  private readonly ySpan: HTMLInputElement;
  private readonly plotBox: HTMLElement;
  private readonly tpBox: HTMLElement;
  private readonly age: HTMLElement;
  private readonly scaleBar: HTMLElement;
  private cells = new Map<string, { value: HTMLElement; spark?: HTMLCanvasElement; metric: Metric }>();
  private tpMode: 'VC' | 'IC' | undefined;
  private drawnVersion = -1;
  private sparkAt = 0;
  mode: ClampMode = 'VC';
  label = '';
  pending: ClampMode | undefined;
  readonly color: string;

  constructor(readonly hs: number, onSelect: (hs: number) => void) {
    this.color = headstageColor(hs);
    this.trace = new TraceWindow(600);
    this.title = h('span', { class: 'lane-title', 'data-testid': `lane-title-${hs}` });
    this.yMode = h('button', { class: 'ymode', title: 'y range (click to cycle): Auto follows the data; Fixed keeps your zoom; Interval keeps the span but follows a drifting trace (double-click the plot: Auto)', 'data-testid': `ymode-${hs}`, text: 'Auto' });
    this.yMode.addEventListener('click', (e) => {
      e.stopPropagation();
      this.plot.setYMode(nextYMode(this.plot.yMode()));
    });
    this.ySpan = h('input', { class: 'yspan', type: 'number', min: 0, step: 'any', hidden: true, title: 'Interval: y span shown (in the trace unit)', 'data-testid': `yspan-${hs}` });
    this.ySpan.addEventListener('mousedown', (e) => e.stopPropagation());
    this.ySpan.addEventListener('change', () => {
      const v = Number(this.ySpan.value);
      if (this.ySpan.value.trim() !== '' && v > 0) this.plot.setYMode('interval', v);
      else this.showYMode(this.plot.yMode());
    });
    const png = h('button', { class: 'mini', title: 'export this trace as PNG', text: 'PNG' });
    png.addEventListener('click', (e) => {
      e.stopPropagation();
      download(`HS${hs + 1}.png`, this.plot.u.ctx.canvas.toDataURL('image/png'));
    });
    const csv = h('button', { class: 'mini', title: 'export what is shown as CSV (min/max per column)', text: 'CSV' });
    csv.addEventListener('click', (e) => {
      e.stopPropagation();
      download(`HS${hs + 1}.csv`, new Blob([this.csv()], { type: 'text/csv' }));
    });
    this.age = h('span', { class: 'tp-age', 'data-testid': `tp-age-${hs}`, text: 'no TP yet' });
    this.scaleBar = h('span', { class: 'scalebar-text', 'data-testid': `scalebar-${hs}` });
    this.tpBox = h('div', { class: 'tp-grid', 'data-testid': `tp-${hs}` });
    this.plotBox = h('div', { class: 'lane-plot' });
    this.el = h(
      'section',
      { class: 'lane', 'data-testid': `lane-${hs}`, 'data-hs': hs, 'data-frames': 0, style: `--hs-color:${this.color}` },
      h('header', { class: 'lane-head' }, h('span', { class: 'swatch' }), this.title, this.age, h('span', { class: 'spacer' }), this.scaleBar, this.yMode, this.ySpan, png, csv),
      h('div', { class: 'lane-body' }, h('div', { class: 'tp-panel' }, this.tpBox), this.plotBox),
    );
    this.el.addEventListener('mousedown', () => onSelect(hs));
    this.plot = createTracePlot(this.plotBox, {
      width: 600,
      height: 80,
      series: [{ label: `HS ${hs + 1}`, color: this.color }],
      unit: () => this.unit().unit,
      autoX: () => (this.trace.span > 0 ? [this.trace.origin, this.trace.origin + this.trace.span] : undefined),
      onScaleBar: (t) => {
        if (this.scaleBar.textContent !== t) this.scaleBar.textContent = t;
      },
      onAxisMode: (mode) => this.showYMode(mode),
    });
    this.el.dataset.ymode = 'auto';
    this.setMetrics('VC');
    this.updateTitle();
  }

  unit() {
    return traceUnit(this.mode, 'response');
  }

  /** New amplifier state: a mode change clears the trace (its samples are in the old unit). */
  setState(s: HeadstageState): void {
    const changed = s.mode !== this.mode;
    this.mode = s.mode;
    this.label = s.label ?? '';
    if (this.pending === s.mode) this.pending = undefined;
    if (changed) {
      this.trace.clear();
      this.plot.autoscale();
    }
    this.updateTitle();
  }

  setPending(mode: ClampMode | undefined): void {
    this.pending = mode;
    this.updateTitle();
  }

  setSelected(sel: boolean): void {
    this.el.classList.toggle('selected', sel);
    this.el.dataset.selected = String(sel);
  }

  private updateTitle(): void {
    const u = this.unit().unit;
    const parts = [`HS ${this.hs + 1}`, this.label || 'no cell label', this.mode, u];
    this.title.textContent = parts.join(' · ') + (this.pending ? `  → ${this.pending}…` : '');
    this.el.dataset.mode = this.mode;
    this.el.dataset.pending = this.pending ?? '';
    this.el.dataset.unit = u;
  }

  private showYMode(mode: YMode): void {
    this.yMode.textContent = Y_MODE_LABEL[mode];
    this.el.dataset.ymode = mode;
    this.ySpan.hidden = mode !== 'interval';
    const span = this.plot.axes.yInterval;
    if (mode === 'interval' && span !== undefined && document.activeElement !== this.ySpan) this.ySpan.value = String(+span.toPrecision(3));
  }

  /** Redraws the trace if frames arrived since the last animation frame. */
  render(): void {
    if (this.trace.version === this.drawnVersion) return;
    this.drawnVersion = this.trace.version;
    const d = this.trace.drawable(this.unit().scale);
    this.plot.setData([d.x, d.y]);
    this.el.dataset.frames = String(this.trace.frames);
  }

  resize(): void {
    const w = Math.max(100, Math.floor(this.plotBox.clientWidth));
    const hgt = Math.max(40, Math.floor(this.plotBox.clientHeight));
    if (w === this.plot.u.width && hgt === this.plot.u.height) return;
    this.plot.setSize(w, hgt);
    this.trace.resize(w);
  }

  private setMetrics(mode: 'VC' | 'IC'): void {
    this.tpMode = mode;
    this.cells.clear();
    this.tpBox.replaceChildren();
    for (const m of metricsFor(mode)) {
      const value = h('span', { class: 'tp-value', 'data-testid': `tp-${this.hs}-${m.key}`, text: m.format(undefined) });
      const spark = m.spark ? h('canvas', { class: 'spark', 'data-testid': `spark-${this.hs}-${m.key}` }) : undefined;
      this.tpBox.append(h('span', { class: 'tp-label', text: m.label }), value, spark ?? h('span'));
      this.cells.set(m.key, { value, metric: m, ...(spark ? { spark } : {}) });
    }
  }

  /** New test-pulse readings for this headstage (oldest first). */
  updateTp(history: readonly TpSample[], now: number): void {
    const last = history[history.length - 1];
    if (!last) return;
    if (last.reading.mode !== this.tpMode) this.setMetrics(last.reading.mode);
    // Sparklines move slowly: redrawn at most 4×/s.
    const sparks = now - this.sparkAt >= 250;
    if (sparks) this.sparkAt = now;
    const recent = sparks ? history.filter((s) => now - s.t <= SPARK_MS) : [];
    for (const { value, spark, metric } of this.cells.values()) {
      const text = metric.format(metric.value(last.reading));
      if (value.textContent !== text) value.textContent = text;
      if (spark && sparks) drawSparkline(spark, recent.map((s) => metric.value(s.reading)), this.color, metric.spark?.log ?? false);
    }
    this.el.dataset.tp = String(history.length);
    this.updateAge(last.t, now);
  }

  updateAge(lastT: number | undefined, now: number): void {
    const text = lastT === undefined ? 'no TP yet' : `TP ${formatAge(now - lastT)} ago`;
    if (this.age.textContent !== text) this.age.textContent = text;
    // A reading older than 2 s is stale: the numbers stay but are greyed.
    this.el.classList.toggle('tp-stale', lastT === undefined || now - lastT > 2000);
  }

  private csv(): string {
    const u = this.unit();
    const rows = [`# HS ${this.hs + 1} ${this.mode} sweep ${this.trace.sweep ?? ''}`, `t_s,min_${u.unit},max_${u.unit}`];
    for (const [t, lo, hi] of this.trace.rows(u.scale)) rows.push(`${t},${lo},${hi}`);
    return rows.join('\n') + '\n';
  }
}
