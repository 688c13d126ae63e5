import type { SweepBlock } from '../../acquisition/engine.ts';
import type { ExperimentStatus } from '../../experiments/manager.ts';
import { DEFAULT_SAMPLE_RATE } from '../../../protocols/definitions/index.ts';
import { decimationFactor, minMaxColumns } from './decimate.ts';
import { SIGNAL_COMMAND, SIGNAL_RESPONSE, type TraceSignal, encodeTraceFrame } from './frame.ts';
import { type SubscribeMessage, parseClientMessage } from './messages.ts';
import { type AccessPolicy } from '../access.ts';
import { TEST_PULSE_SWEEP } from '../console-api.ts';
import { ControllerSeat } from '../seat.ts';

/** A block as the hub streams it: the engine's; rate and commands may be left out by other sources. */
export type HubBlock = Omit<SweepBlock, 'sampleRate' | 'commands'> & {
  /** Hz; the hub's `sampleRate` when absent. */
  sampleRate?: number;
  /** Command per headstage, aligned with `headstages` (V in VC, A in IC). */
  commands?: Float32Array[];
};

export interface StreamHubOptions {
  /** Headstages of the rig; subscriptions beyond are refused. */
  headstageCount: number;
  /** Rate of blocks that do not carry theirs, Hz. Default: the protocols' default rate. */
  sampleRate?: number;
  /** Bytes a client may have queued before its frames are skipped. Default 1 MiB. */
  maxBuffered?: number;
  /** How often a skipping client is checked for having drained, ms. Default 20. */
  drainCheckMs?: number;
  /** The controller seat (shared with the REST access check); made here when absent. */
  seat?: ControllerSeat;
  /** Token rules; without it every client may take the seat (loopback). */
  access?: AccessPolicy;
}

/** Version of the JSON part of the protocol, sent in `hello`. */
export const WS_PROTOCOL_VERSION = 2;

/**
 * What the hub uses of a `ws` WebSocket (typed here because ws ships no types and @types/ws is not
 * a dependency).
 */
export interface HubSocket {
  readonly readyState: number;
  readonly OPEN: number;
  /** Bytes queued by ws and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  send(data: string | Buffer, options?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close' | 'error', listener: () => void): unknown;
}

interface Client {
  id: number;
  /** Token the connection was opened with (`?token=`). */
  token: string | undefined;
  socket: HubSocket;
  sub: SubscribeMessage | undefined;
  dropped: number;
  drainTimer: NodeJS.Timeout | undefined;
}

/**
 * Fans acquisition out to the `/ws` clients. Everything here is called from the acquisition path
 * and returns at once: a client over its buffer cap loses frames (and is told how many when it
 * drains) instead of being queued, so a stalled viewer never delays acquisition or the others.
 */
export class StreamHub {
  private readonly clients = new Set<Client>();
  private readonly maxBuffered: number;
  private readonly sampleRate: number;
  private lastState: ExperimentStatus | undefined;
  private lastBlockSweep: number | undefined;
  private nextId = 1;
  readonly seat: ControllerSeat;

  constructor(private readonly opts: StreamHubOptions) {
    this.maxBuffered = opts.maxBuffered ?? 1 << 20;
    this.sampleRate = opts.sampleRate ?? DEFAULT_SAMPLE_RATE;
    this.seat = opts.seat ?? new ControllerSeat();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Per client: bytes queued and frames skipped since it was last told (monitoring, tests). */
  stats(): { bufferedAmount: number; skipping: number }[] {
    return [...this.clients].map((c) => ({ bufferedAmount: c.socket.bufferedAmount, skipping: c.dropped }));
  }

  /** Takes a freshly upgraded socket; call synchronously in the route handler (messages are not buffered). */
  attach(socket: HubSocket, opts: { token?: string } = {}): void {
    const c: Client = { id: this.nextId++, token: opts.token, socket, sub: undefined, dropped: 0, drainTimer: undefined };
    this.clients.add(c);
    socket.on('message', (data, isBinary) => this.onMessage(c, data, isBinary));
    socket.on('close', () => this.detach(c));
    socket.on('error', () => this.detach(c));
    this.sendJson(c, { type: 'hello', version: WS_PROTOCOL_VERSION, role: 'viewer', headstages: this.opts.headstageCount, sampleRate: this.sampleRate });
    if (this.lastState) this.sendJson(c, { type: 'acquisition.state', ...this.lastState });
    this.publishClients();
  }

  /** An analysis result (the analysis layer's own JSON-serialisable payload) to every client. */
  publishAnalysis(payload: Record<string, unknown>): void {
    this.broadcast({ ...payload, type: 'analysis' });
  }

  /** Everyone learns how many watch and whether someone controls. */
  private publishClients(): void {
    const controller = this.seat.held;
    this.broadcast({ type: 'clients', viewers: this.clients.size - (controller ? 1 : 0), controller });
  }

  /** One acquired block: a frame per subscribed headstage and signal to every client that can take it. */
  publishBlock(block: HubBlock): void {
    if (block.sweep !== TEST_PULSE_SWEEP) this.lastBlockSweep = block.sweep;
    const rate = block.sampleRate ?? this.sampleRate;
    // Clients with the same factor share one encoded frame.
    const cache = new Map<string, Buffer>();
    const frame = (signal: TraceSignal, k: number, factor: number): Buffer | undefined => {
      const samples = signal === SIGNAL_RESPONSE ? block.responses[k] : block.commands?.[k];
      const headstage = block.headstages[k];
      if (!samples || headstage === undefined) return undefined;
      const key = `${signal}:${k}:${factor}`;
      let buf = cache.get(key);
      if (!buf) {
        buf = encodeTraceFrame({ headstage, signal, sweep: block.sweep, firstSample: block.firstScan, sampleRate: rate, decimation: factor, sampleCount: samples.length, values: minMaxColumns(samples, factor) });
        cache.set(key, buf);
      }
      return buf;
    };
    for (const c of this.clients) {
      const sub = c.sub;
      if (!sub || c.socket.readyState !== c.socket.OPEN) continue;
      const span = sub.span === undefined ? block.scans : Math.round(sub.span * rate);
      const factor = decimationFactor(span, sub.width);
      for (let k = 0; k < block.headstages.length; k++) {
        if (!sub.headstages.includes(block.headstages[k] as number)) continue;
        for (const signal of [SIGNAL_COMMAND, SIGNAL_RESPONSE] as const) {
          const buf = frame(signal, k, factor);
          if (buf) this.sendFrame(c, buf);
        }
      }
    }
  }

  /** An experiment's state changed: `acquisition.state` to all, and `sweep.done` when a sweep was acquired. */
  publishState(s: ExperimentStatus): void {
    const prev = this.lastState;
    this.lastState = s;
    this.broadcast({ type: 'acquisition.state', ...s });
    const before = prev && prev.id === s.id ? prev.acquired : 0;
    if (s.acquired > before) {
      this.broadcast({ type: 'sweep.done', experiment: s.id, sweep: this.lastBlockSweep ?? s.acquired - 1, acquired: s.acquired, total: s.total });
    }
  }

  /** A JSON event to every client (events are small and rare: they are queued, never skipped). */
  broadcast(event: { type: string } & Record<string, unknown>): void {
    const text = JSON.stringify(event);
    for (const c of this.clients) this.sendText(c, text);
  }

  /** Closes every client (the service stops). */
  close(): void {
    for (const c of this.clients) {
      this.detach(c);
      c.socket.close(1001, 'server shutting down');
    }
  }

  private onMessage(c: Client, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (isBinary) {
      this.sendJson(c, { type: 'error', message: 'message: binary messages are not accepted; send JSON text such as {"type":"subscribe","headstages":[0],"width":1200}' });
      return;
    }
    const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
    const parsed = parseClientMessage(text, this.opts.headstageCount);
    if (!parsed.ok) {
      this.sendJson(c, { type: 'error', ...(parsed.code ? { code: parsed.code } : {}), message: parsed.error });
      return;
    }
    const m = parsed.message;
    switch (m.type) {
      case 'subscribe':
        c.sub = m;
        this.sendJson(c, { ...m, type: 'subscribed' });
        break;
      case 'unsubscribe':
        c.sub = undefined;
        this.sendJson(c, { type: 'unsubscribed' });
        break;
      case 'ping':
        this.sendJson(c, m.id === undefined ? { type: 'pong' } : { type: 'pong', id: m.id });
        break;
      case 'seat.take':
        this.takeSeat(c, m.token, m.force === true);
        break;
      case 'seat.release':
        if (this.seat.release(c.id)) {
          this.sendJson(c, { type: 'seat', role: 'viewer', reason: 'released' });
          this.publishClients();
        } else this.sendJson(c, { type: 'seat', role: 'viewer', reason: 'this connection did not hold the seat' });
        break;
    }
  }

  private takeSeat(c: Client, token: string | undefined, force: boolean): void {
    const access = this.opts.access;
    if (access && access.roleOf(token ?? c.token) !== 'controller') {
      this.sendJson(c, { type: 'error', code: 'TOKEN_REQUIRED', message: 'token: taking the controller seat on this service needs the control token printed at start ({"type":"seat.take","token":"…"})' });
      return;
    }
    const r = this.seat.take(c.id, force);
    if (!r.ok) {
      this.sendJson(c, { type: 'error', code: 'SEAT_HELD', message: 'the controller seat is held by another console: ask its user to release it, or send {"type":"seat.take","force":true} to take it over' });
      return;
    }
    if (r.previous !== undefined) {
      for (const o of this.clients) if (o.id === r.previous) this.sendJson(o, { type: 'seat', role: 'viewer', reason: 'another console took the controller seat over' });
    }
    this.sendJson(c, { type: 'seat', role: 'controller', key: r.key });
    this.publishClients();
  }

  private sendFrame(c: Client, buf: Buffer): void {
    // Once skipping, a client skips until it has drained and been told, so the notice comes first.
    if (c.dropped > 0 || c.socket.bufferedAmount > this.maxBuffered) {
      c.dropped++;
      this.watchDrain(c);
      return;
    }
    try {
      c.socket.send(buf, { binary: true });
    } catch {
      this.detach(c);
    }
  }

  /** Once a skipping client is below half its cap it is told how many frames it lost, then resumes. */
  private watchDrain(c: Client): void {
    if (c.drainTimer) return;
    c.drainTimer = setInterval(() => {
      if (c.socket.readyState !== c.socket.OPEN) return this.detach(c);
      if (c.socket.bufferedAmount > this.maxBuffered / 2) return;
      clearInterval(c.drainTimer);
      c.drainTimer = undefined;
      const frames = c.dropped;
      c.dropped = 0;
      this.sendJson(c, { type: 'dropped', frames });
    }, this.opts.drainCheckMs ?? 20);
    c.drainTimer.unref();
  }

  private sendJson(c: Client, msg: Record<string, unknown>): void {
    this.sendText(c, JSON.stringify(msg));
  }

  private sendText(c: Client, text: string): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    try {
      c.socket.send(text);
    } catch {
      this.detach(c);
    }
  }

  private detach(c: Client): void {
    if (c.drainTimer) clearInterval(c.drainTimer);
    c.drainTimer = undefined;
    if (!this.clients.delete(c)) return;
    // A controller that goes away frees the seat.
    this.seat.release(c.id);
    this.publishClients();
  }
}
