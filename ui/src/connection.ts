import { parseTraceFrame, type TraceFrame } from './frame.ts';
export { wsUrl } from './ws-url.ts';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface ConnectionHandlers {
  onEvent: (e: { type: string } & Record<string, unknown>) => void;
  onFrame: (f: TraceFrame) => void;
  onState: (s: ConnectionState) => void;
}

/**
 * The `/ws` link: JSON events and binary trace frames in, subscribe and seat messages out.
 * Reconnects with back-off, since a console left open at the rig must survive a service restart;
 * `onOpen` work (subscribing, re-taking the seat) is the caller's, via `onState('open')`.
 */
export class Connection {
  private ws: WebSocket | undefined;
  private retryMs = 500;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly url: string, private readonly h: ConnectionHandlers) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  send(msg: { type: string } & Record<string, unknown>): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  private open(): void {
    this.h.onState('connecting');
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.h.onState('open');
    };
    ws.onmessage = (m: MessageEvent<ArrayBuffer | string>) => {
      if (typeof m.data === 'string') {
        let e: unknown;
        try {
          e = JSON.parse(m.data);
        } catch {
          return;
        }
        if (typeof e === 'object' && e !== null && typeof (e as { type?: unknown }).type === 'string') this.h.onEvent(e as { type: string } & Record<string, unknown>);
        return;
      }
      try {
        this.h.onFrame(parseTraceFrame(m.data));
      } catch (err) {
        console.warn('bad trace frame', err);
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.h.onState('closed');
      if (this.stopped) return;
      this.timer = setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }
}
