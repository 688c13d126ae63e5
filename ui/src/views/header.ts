import { h } from '../dom.ts';
import { isRecording, phaseLabel, recordingText } from '../run-state.ts';
import type { Store } from '../store.ts';

export interface HeaderActions {
  takeSeat: (force: boolean) => void;
  releaseSeat: () => void;
  help: () => void;
}

/**
 * The always-visible bar: connection, run state, recording state (criterion 25), test pulse, seat
 * and viewers (criterion 24), and the error banner under it.
 */
export function createHeader(store: Store, rigName: () => string, a: HeaderActions): HTMLElement {
  const conn = h('span', { class: 'pill', 'data-testid': 'connection' });
  const run = h('span', { class: 'pill run', 'data-testid': 'run-state' });
  const rec = h('span', { class: 'recording', 'data-testid': 'recording' });
  const tp = h('span', { class: 'pill', 'data-testid': 'tp-state' });
  const seat = h('span', { class: 'seat', 'data-testid': 'seat' });
  const take = h('button', { class: 'primary', 'data-testid': 'take-control', text: 'Take control' });
  const release = h('button', { 'data-testid': 'release-control', text: 'Release' });
  const help = h('button', { title: 'keyboard shortcuts', text: '?' });
  const title = h('span', { class: 'brand', text: 'patchrig' });
  const banner = h('div', { class: 'banner', 'data-testid': 'error-banner', role: 'alert' });
  take.addEventListener('click', () => a.takeSeat(store.clients.controller && !store.isController));
  release.addEventListener('click', () => a.releaseSeat());
  help.addEventListener('click', () => a.help());

  const bar = h('header', { class: 'topbar' }, title, conn, run, rec, h('span', { class: 'spacer' }), tp, seat, take, release, help);
  const root = h('div', { class: 'top' }, bar, banner);

  const renderConn = () => {
    const s = store.connection;
    conn.dataset.state = s;
    conn.textContent = s === 'open' ? `● live · ${rigName()}` : s === 'connecting' ? '○ connecting…' : '✕ disconnected — retrying';
  };
  let lastError: string | undefined;
  const renderRun = () => {
    const e = store.experiment;
    run.dataset.state = e?.phase ?? 'none';
    run.textContent = phaseLabel(e) + (store.pausePending ? ' · pausing after this sweep' : '');
    rec.textContent = recordingText(e);
    rec.title = rec.textContent;
    rec.dataset.recording = String(isRecording(e));
    if (e?.error && e.error !== lastError) store.error(`experiment ${e.protocol}: ${e.error}`, 0);
    lastError = e?.error;
  };
  const renderTp = () => {
    const t = store.testpulse;
    tp.dataset.running = String(t?.running ?? false);
    tp.textContent = t?.running ? `TP on · ${store.tpRate.toFixed(0)}/s` : 'TP off';
  };
  const renderSeat = () => {
    const c = store.clients;
    seat.dataset.role = store.seat.role;
    const viewers = `${c.viewers} viewer${c.viewers === 1 ? '' : 's'}`;
    seat.textContent = store.isController ? `Controller · ${viewers} watching` : `Viewer — controls disabled · ${c.controller ? 'another console controls' : 'no controller'} · ${viewers}`;
    take.hidden = store.isController;
    take.textContent = c.controller && !store.isController ? 'Take over control' : 'Take control';
    release.hidden = !store.isController;
    document.body.classList.toggle('viewer', !store.isController);
  };
  const renderErrors = () => {
    banner.replaceChildren(
      ...store.errors.map((e) => {
        const x = h('button', { class: 'mini', title: 'dismiss', text: '✕' });
        x.addEventListener('click', () => store.dismiss(e.id));
        return h('div', { class: 'banner-item' }, h('span', { text: e.text }), x);
      }),
    );
    banner.hidden = store.errors.length === 0;
  };
  store.on('connection', renderConn);
  store.on('experiment', renderRun);
  store.on('testpulse', renderTp);
  store.on('tp', renderTp);
  store.on('seat', renderSeat);
  store.on('clients', renderSeat);
  store.on('errors', renderErrors);
  renderConn();
  renderRun();
  renderTp();
  renderSeat();
  renderErrors();
  return root;
}
