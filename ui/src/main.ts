/**
 * The rig console: wires the `/ws` stream and the REST API to the views, and the keyboard to the
 * actions below. Views know nothing of the network; every control goes through an action here,
 * which refuses politely for viewers (criterion 24) and reports the service's refusals in the banner.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { Api, ApiError, pageToken } from './api.ts';
import { Connection, wsUrl } from './connection.ts';
import { h } from './dom.ts';
import type { KeyAction } from './keys.ts';
import { installKeyboard } from './keyboard.ts';
import { type RunCommand, allowedCommands, isEnded } from './run-state.ts';
import { Store } from './store.ts';
import type { ExperimentStatus, HeadstagePatch, HeadstageState, RigInfo, TestPulsePut, TestPulseReadingEvent, TestPulseStatus } from './types.ts';
import type { ClampMode } from './units.ts';
import { createAmpPanel } from './views/amp-panel.ts';
import { createHeader } from './views/header.ts';
import { createHelp } from './views/help.ts';
import { Lane } from './views/lane.ts';
import { createProtocolPanel } from './views/protocol-panel.ts';
import { createResultsView } from './views/results.ts';
import { createScope } from './views/scope.ts';
import { createSweepBrowser } from './views/sweep-browser.ts';
import { createTpPanel } from './views/tp-panel.ts';
import { TpHistory } from './tp-history.ts';
import { createTpHistoryView } from './views/tp-history.ts';

const store = new Store();
const token = pageToken(location.search);
const api = new Api({ token, seatKey: () => store.seat.key });
const WANT_SEAT = 'patchrig.wantSeat';
let rigName = '';
const lanes: Lane[] = [];

// ---------------------------------------------------------------- actions

function canControl(what: string): boolean {
  if (store.isController) return true;
  store.error(`View only: take control to ${what}.`, 5000);
  return false;
}

async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    const code = e instanceof ApiError && e.code ? ` [${e.code}]` : '';
    store.error(`${what}: ${(e as Error).message}${code}`);
    return undefined;
  }
}

function setExperiment(s: ExperimentStatus | undefined): void {
  if (s?.phase !== store.experiment?.phase) store.pausePending = false;
  store.experiment = s;
  const running = s !== undefined && !isEnded(s);
  const hint = running && s.sweepDuration ? s.sweepDuration : undefined;
  for (const l of lanes) l.trace.spanHint = hint;
  resubscribe();
  store.emit('experiment');
}

function applyHeadstage(s: HeadstageState): void {
  store.headstages[s.headstage] = s;
  lanes[s.headstage]?.setState(s);
  store.emit('headstages');
}

function select(hs: number): void {
  if (hs >= store.headstageCount) return;
  store.selected = hs;
  lanes.forEach((l) => l.setSelected(l.hs === hs));
  store.emit('selected');
}

async function setMode(mode: ClampMode): Promise<void> {
  const hs = store.selected;
  if (!canControl(`switch HS ${hs + 1} to ${mode}`)) return;
  lanes[hs]?.setPending(mode);
  const s = await attempt(`HS ${hs + 1} → ${mode}`, () => api.patch<HeadstageState>(`/api/headstages/${hs}`, { mode }));
  if (s) applyHeadstage(s);
  else lanes[hs]?.setPending(undefined);
}

async function patchHeadstage(hs: number, body: HeadstagePatch): Promise<void> {
  if (!canControl(`change HS ${hs + 1}`)) return;
  const s = await attempt(`HS ${hs + 1}`, () => api.patch<HeadstageState>(`/api/headstages/${hs}`, body));
  if (s) applyHeadstage(s);
}

async function run(cmd: RunCommand): Promise<void> {
  if (!canControl(cmd)) return;
  const e = store.experiment;
  if ((cmd === 'start' || cmd === 'step') && isEnded(e)) {
    const d = protocolPanel.definition();
    if (!d.ok) return void store.error(d.error);
    const created = await attempt(`start ${d.protocol}`, () => api.post<ExperimentStatus>('/api/experiments', { protocol: d.protocol, definition: d.definition, start: cmd === 'start' }));
    if (created) setExperiment(created);
    if (!created || cmd === 'start') return;
    // A new experiment opens its file and devices first; it takes a step once it is ready.
    if (!(await phaseReached((p) => p !== 'preparing', 60_000))) return void store.error('step: the experiment did not become ready within a minute');
  }
  const s = await attempt(cmd, () => api.post<ExperimentStatus>(`/api/experiments/current/${cmd}`));
  if (s && typeof s === 'object' && 'phase' in s) setExperiment(s);
  // Pause mid-sweep takes effect after the sweep: say so until the phase changes.
  store.pausePending = cmd === 'pause' && store.experiment?.phase === 'acquiring';
  store.emit('experiment');
}

/** Resolves true once the experiment's phase satisfies `pred` (from /ws state events), false on timeout. */
function phaseReached(pred: (phase: string) => boolean, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const check = () => {
      if (store.experiment && pred(store.experiment.phase)) return resolve(true);
      if (Date.now() - t0 > timeoutMs) return resolve(false);
      setTimeout(check, 100);
    };
    check();
  });
}

function pauseResume(): void {
  const allowed = allowedCommands(store.experiment);
  if (allowed.has('resume')) void run('resume');
  else if (allowed.has('pause')) void run('pause');
}

async function putTestPulse(body: TestPulsePut): Promise<void> {
  if (!canControl('change the test pulse')) return;
  const s = await attempt('test pulse', () => api.put<TestPulseStatus>('/api/testpulse', body));
  if (s) {
    store.testpulse = s;
    store.emit('testpulse');
  }
}

function toggleTestPulse(): void {
  void putTestPulse({ running: !(store.testpulse?.running ?? false) });
}

function autoscaleAll(): void {
  for (const l of lanes) l.plot.autoscale();
  scope?.autoscale();
}

function takeSeat(force: boolean): void {
  sessionStorage.setItem(WANT_SEAT, '1');
  if (!conn.send({ type: 'seat.take', ...(token ? { token } : {}), ...(force ? { force: true } : {}) })) store.error('not connected: the seat is taken over /ws');
}

function releaseSeat(): void {
  sessionStorage.removeItem(WANT_SEAT);
  conn.send({ type: 'seat.release' });
}

function dispatch(a: KeyAction): void {
  switch (a.kind) {
    case 'select':
      return select(a.headstage);
    case 'mode':
      return void setMode(a.mode);
    case 'pauseResume':
      return pauseResume();
    case 'abort':
      if (!help.el.hidden) return void (help.el.hidden = true);
      return void run('abort');
    case 'step':
      return void run('step');
    case 'testPulse':
      return toggleTestPulse();
    case 'autoscaleAll':
      return autoscaleAll();
    case 'help':
      return help.toggle();
  }
}

// ---------------------------------------------------------------- stream

const tpTimes: number[] = [];

function onTestPulse(readings: TestPulseReadingEvent[]): void {
  const now = Date.now();
  tpTimes.push(now);
  while (tpTimes.length > 0 && (tpTimes[0] as number) < now - 2000) tpTimes.shift();
  store.tpRate = tpTimes.length / 2;
  store.addTpReadings(now, readings);
  tpHistory?.add(now, readings);
  // Numbers and sparklines are redrawn with the traces, once per animation frame.
  for (const r of readings) tpDirty.add(r.headstage);
}
const tpDirty = new Set<number>();

const conn = new Connection(wsUrl(location, token), {
  onState: (s) => {
    store.connection = s;
    if (s === 'open') {
      resubscribe();
      // Analysis events sent while this console was away are summed up in the latest result.
      void results.refresh();
      if (sessionStorage.getItem(WANT_SEAT)) conn.send({ type: 'seat.take', ...(token ? { token } : {}) });
    } else if (s === 'closed') {
      // The seat belongs to the socket: it is gone with it.
      store.seat = { role: 'viewer', reason: 'disconnected' };
      store.emit('seat');
    }
    store.emit('connection');
  },
  onFrame: (f) => {
    // Lanes show responses; commands appear in the sweep browser.
    if (f.signal !== 1) return;
    lanes[f.headstage]?.trace.add(f);
  },
  onEvent: (e) => {
    switch (e.type) {
      case 'hello':
        if (typeof e.headstages === 'number' && lanes.length === 0) buildLanes(e.headstages);
        break;
      case 'acquisition.state':
        setExperiment(e as unknown as ExperimentStatus);
        break;
      case 'sweep.done':
        // The sweep browser follows stored sweeps (acquisition.state `stored`), not acquired ones.
        break;
      case 'amplifier':
        applyHeadstage((e as unknown as { state: HeadstageState }).state);
        break;
      case 'testpulse':
        onTestPulse((e as unknown as { readings: TestPulseReadingEvent[] }).readings ?? []);
        break;
      case 'seat': {
        const s = e as { role?: string; key?: string; reason?: string };
        store.seat = s.role === 'controller' && typeof s.key === 'string' ? { role: 'controller', key: s.key } : { role: 'viewer', ...(s.reason ? { reason: s.reason } : {}) };
        if (s.role !== 'controller' && s.reason && s.reason !== 'released') store.error(`You are now a viewer: ${s.reason}`);
        store.emit('seat');
        break;
      }
      case 'clients':
        store.clients = { viewers: Number(e.viewers) || 0, controller: Boolean(e.controller) };
        store.emit('clients');
        break;
      case 'qc': {
        const q = e as unknown as { sweep: number; headstages: { headstage: number; pass: boolean; reasons: string[] }[] };
        for (const r of q.headstages ?? []) {
          const lane = lanes[r.headstage];
          if (!lane) continue;
          lane.el.classList.toggle('qc-fail', !r.pass);
          lane.el.title = r.pass ? '' : `sweep #${q.sweep} QC failed: ${r.reasons.join(', ')}`;
        }
        break;
      }
      case 'analysis':
        results.onEvent(e);
        break;
      case 'error': {
        const code = typeof e.code === 'string' ? e.code : '';
        const hint = code === 'SEAT_HELD' ? ' — press "Take over control" to take it anyway' : '';
        store.error(`${String(e.message ?? 'error')}${hint}`);
        break;
      }
      case 'dropped':
        lanesEl.dataset.dropped = String((Number(lanesEl.dataset.dropped) || 0) + (Number(e.frames) || 0));
        break;
    }
  },
});

let subscribed = '';
function resubscribe(): void {
  if (!conn.isOpen || lanes.length === 0) return;
  const width = Math.max(100, ...lanes.map((l) => l.trace.columns));
  const e = store.experiment;
  const span = e && !isEnded(e) && e.sweepDuration ? e.sweepDuration : undefined;
  const msg = { type: 'subscribe', headstages: lanes.map((l) => l.hs), width, ...(span ? { span } : {}) };
  const key = JSON.stringify(msg);
  if (key === subscribed && conn.isOpen) return;
  subscribed = key;
  if (conn.send(msg)) document.body.dataset.subscribedWidth = String(width);
}

// ---------------------------------------------------------------- layout

const help = createHelp();
const header = createHeader(store, () => rigName, { takeSeat, releaseSeat, help: help.toggle });
const protocolPanel = createProtocolPanel(store, api, (cmd) => void run(cmd));
const lanesEl = h('div', { class: 'lanes', 'data-testid': 'lanes' });
let scope: ReturnType<typeof createScope> | undefined;
const sweepBrowser = createSweepBrowser(store, api);
let tpHistory: TpHistory | undefined;
let tpHistoryView: ReturnType<typeof createTpHistoryView> | undefined;
const tpHistoryHolder = h('div', { class: 'tph-holder' });
const results = createResultsView(store, api);
const tabs = ['overview', 'scope', 'tphistory', 'sweeps', 'results'] as const;
type Tab = (typeof tabs)[number];
let tab: Tab = 'overview';
const tabButtons = tabs.map((t) => {
  const names: Record<Tab, string> = { overview: 'Rig overview', scope: 'Oscilloscope', tphistory: 'TP history', sweeps: 'Sweep browser', results: 'Results' };
  const b = h('button', { class: 'tab', 'data-testid': `tab-${t}`, text: names[t] });
  b.addEventListener('click', () => showTab(t));
  return b;
});
const scopeHolder = h('div', { class: 'scope-holder' });
const views: Record<Tab, HTMLElement> = { overview: lanesEl, scope: scopeHolder, tphistory: tpHistoryHolder, sweeps: sweepBrowser.el, results: results.el };
const content = h('div', { class: 'content' }, ...Object.values(views));

function showTab(t: Tab): void {
  tab = t;
  for (const [k, v] of Object.entries(views)) v.hidden = k !== t;
  tabButtons.forEach((b, i) => b.classList.toggle('on', tabs[i] === t));
  if (t === 'sweeps') sweepBrowser.show();
  else sweepBrowser.hide();
  if (t === 'scope') scope?.resize();
  if (t === 'results') results.show();
  else results.hide();
  if (t === 'tphistory') {
    tpHistoryView?.resize();
    tpHistoryView?.render();
  }
  resizeAll();
}

const sidebar = h(
  'aside',
  { class: 'sidebar' },
  protocolPanel.el,
  createTpPanel(store, toggleTestPulse, (b) => void putTestPulse(b)),
  createAmpPanel(store, (m) => void setMode(m), (hs, b) => void patchHeadstage(hs, b)),
);
document.getElementById('app')?.append(header, h('main', { class: 'layout' }, h('div', { class: 'left' }, h('nav', { class: 'tabs' }, ...tabButtons), content), sidebar), help.el);
showTab('overview');

function buildLanes(n: number): void {
  if (lanes.length > 0) return;
  store.setHeadstageCount(n);
  for (let hs = 0; hs < n; hs++) {
    const lane = new Lane(hs, select);
    const s = store.headstages[hs];
    if (s) lane.setState(s);
    lanes.push(lane);
    lanesEl.append(lane.el);
  }
  scope = createScope(lanes);
  scopeHolder.append(scope.el);
  tpHistory = new TpHistory(n);
  tpHistoryView = createTpHistoryView(tpHistory, n);
  tpHistoryHolder.append(tpHistoryView.el);
  select(0);
  requestAnimationFrame(() => resizeAll());
  store.emit('connection');
}

function resizeAll(): void {
  if (tab === 'overview') for (const l of lanes) l.resize();
  if (tab === 'scope') scope?.resize();
  if (tab === 'tphistory') tpHistoryView?.resize();
  if (tab === 'results') results.resize();
  resubscribe();
}
new ResizeObserver(() => resizeAll()).observe(content);

// Drawing is throttled to the display: frames merge into the trace windows as they arrive and
// each lane redraws at most once per animation frame (uPlot has no append API, stack.md §2.9),
// capped at ~30 fps — the test pulse itself runs at ~30/s, and a rig PC has other work to do.
// Numbers are redrawn at ≤ 10 Hz: faster than that they cannot be read anyway.
const TRACE_MS = 30;
const NUMBERS_MS = 100;
let lastTrace = 0;
let lastNumbers = 0;
function frame(t: number): void {
  if (t - lastNumbers >= NUMBERS_MS && tpDirty.size > 0) {
    lastNumbers = t;
    const now = Date.now();
    for (const hs of tpDirty) lanes[hs]?.updateTp(store.tp[hs] ?? [], now);
    tpDirty.clear();
  }
  if (t - lastTrace >= TRACE_MS) {
    lastTrace = t;
    if (tab === 'overview') for (const l of lanes) l.render();
    else {
      if (tab === 'scope') scope?.render();
      // Lanes' frame counters stay current for tests and the "live" check while hidden.
      for (const l of lanes) l.el.dataset.frames = String(l.trace.frames);
    }
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

// The history plots move by one point a second.
setInterval(() => {
  if (tab === 'tphistory') tpHistoryView?.render();
}, 1000);

setInterval(() => {
  const now = Date.now();
  protocolPanel.tick(now);
  for (const l of lanes) l.updateAge(store.tp[l.hs]?.at(-1)?.t, now);
  if (tpTimes.length > 0 && (tpTimes[tpTimes.length - 1] as number) < now - 2000) {
    tpTimes.length = 0;
    store.tpRate = 0;
    store.emit('testpulse');
  }
}, 250);

// ---------------------------------------------------------------- keyboard

installKeyboard(dispatch);

// ---------------------------------------------------------------- start

async function load(): Promise<void> {
  const rig = await attempt('rig', () => api.get<RigInfo>('/api/rig'));
  rigName = rig?.name ?? '';
  if (rig) buildLanes(rig.headstages.length);
  const [hss, tp, exp] = await Promise.all([
    attempt('headstages', () => api.get<HeadstageState[]>('/api/headstages')),
    attempt('test pulse', () => api.get<TestPulseStatus>('/api/testpulse')),
    api.get<ExperimentStatus>('/api/experiments/current').catch(() => undefined),
  ]);
  for (const s of hss ?? []) applyHeadstage(s);
  if (tp) {
    store.testpulse = tp;
    store.emit('testpulse');
  }
  if (exp && !store.experiment) setExperiment(exp);
  store.emit('connection');
}

conn.start();
void load();
