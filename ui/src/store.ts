import type { ConnectionState } from './connection.ts';
import type { ExperimentStatus, HeadstageState, TestPulseReadingEvent, TestPulseStatus } from './types.ts';

export interface TpSample {
  /** Receive time, ms epoch (the console's clock, so ages never depend on clock skew). */
  t: number;
  reading: TestPulseReadingEvent;
}

export type Topic = 'connection' | 'seat' | 'clients' | 'headstages' | 'selected' | 'experiment' | 'testpulse' | 'tp' | 'errors';

/** Readings kept per headstage for the sparklines: ≈ 1 min at 30 TP/s. */
export const TP_HISTORY = 2000;

/**
 * Everything the views show that is not a trace, with a topic per part so a view redraws only
 * when its part changed. Traces live in the lanes' TraceWindows (they change 100s of times a second).
 */
export class Store {
  connection: ConnectionState = 'connecting';
  headstageCount = 0;
  headstages: (HeadstageState | undefined)[] = [];
  selected = 0;
  seat: { role: 'controller' | 'viewer'; key?: string; reason?: string } = { role: 'viewer' };
  clients: { viewers: number; controller: boolean } = { viewers: 0, controller: false };
  experiment: ExperimentStatus | undefined;
  /** Pause was asked for during a sweep: it takes effect when the sweep ends. */
  pausePending = false;
  testpulse: TestPulseStatus | undefined;
  /** Per headstage: the readings received, oldest first (capped at TP_HISTORY). */
  tp: TpSample[][] = [];
  /** Test-pulse events per second as received (criterion 5). */
  tpRate = 0;
  errors: { id: number; text: string }[] = [];
  private nextErrorId = 1;
  private readonly listeners = new Map<Topic, Set<() => void>>();

  on(topic: Topic, fn: () => void): void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(fn);
  }

  emit(topic: Topic): void {
    for (const fn of this.listeners.get(topic) ?? []) fn();
  }

  get isController(): boolean {
    return this.seat.role === 'controller';
  }

  setHeadstageCount(n: number): void {
    this.headstageCount = n;
    while (this.tp.length < n) this.tp.push([]);
    if (this.headstages.length < n) this.headstages.length = n;
  }

  addTpReadings(at: number, readings: TestPulseReadingEvent[]): void {
    for (const r of readings) {
      const h = this.tp[r.headstage];
      if (!h) continue;
      h.push({ t: at, reading: r });
      if (h.length > TP_HISTORY) h.splice(0, h.length - TP_HISTORY);
    }
    this.emit('tp');
  }

  /** Shows an error in the banner until dismissed (or `ttlMs` passes). */
  error(text: string, ttlMs = 15_000): void {
    const id = this.nextErrorId++;
    this.errors.push({ id, text });
    if (this.errors.length > 5) this.errors.shift();
    this.emit('errors');
    if (ttlMs > 0) setTimeout(() => this.dismiss(id), ttlMs);
  }

  dismiss(id: number): void {
    const before = this.errors.length;
    this.errors = this.errors.filter((e) => e.id !== id);
    if (this.errors.length !== before) this.emit('errors');
  }
}
