import type { FastifyInstance } from 'fastify';
import { WebSocket as WsClient } from 'ws';

/** What the tests use of a `ws` client. */
interface RawClient {
  on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'open' | 'close', fn: () => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  on(event: 'unexpected-response', fn: (req: unknown, res: { statusCode: number; headers: Record<string, string> }) => void): void;
  send(data: string | Buffer): void;
  close(): void;
  pause(): void;
  resume(): void;
}

export type Received = { kind: 'json'; at: number; msg: Record<string, unknown> } | { kind: 'binary'; at: number; data: Buffer };

/** A real ws client that records what it receives, with waits on that record. */
export class TestClient {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly raw: RawClient) {
    raw.on('message', (data, isBinary) => {
      this.received.push(isBinary ? { kind: 'binary', at: performance.now(), data } : { kind: 'json', at: performance.now(), msg: JSON.parse(data.toString('utf8')) as Record<string, unknown> });
      for (const w of this.waiters) w();
    });
  }

  json(type?: string): Record<string, unknown>[] {
    return this.received.flatMap((r) => (r.kind === 'json' && (type === undefined || r.msg.type === type) ? [r.msg] : []));
  }

  frames(): Buffer[] {
    return this.received.flatMap((r) => (r.kind === 'binary' ? [r.data] : []));
  }

  send(msg: unknown): void {
    this.raw.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  /** Resolves once `pred` holds on what was received. */
  async until(pred: (c: TestClient) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const t0 = Date.now();
    while (!pred(this)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
      this.waiters = [];
    }
  }

  /** Sends `msg` and resolves with the next JSON message of `type`. */
  async request(msg: unknown, type: string): Promise<Record<string, unknown>> {
    const before = this.json(type).length;
    this.send(msg);
    await this.until((c) => c.json(type).length > before, `a ${type} reply`);
    return this.json(type)[before] as Record<string, unknown>;
  }

  close(): void {
    this.raw.close();
  }
}

/** The base ws:// URL of an app listening on 127.0.0.1. */
export async function listen(app: FastifyInstance): Promise<string> {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return address.replace(/^http/, 'ws');
}

/** Connects and waits for `hello`; rejects with the HTTP status when the upgrade is refused. */
export function connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const raw = new WsClient(url, { headers }) as RawClient;
    const client = new TestClient(raw);
    raw.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    raw.on('error', reject);
    client.until((c) => c.json('hello').length > 0, 'hello').then(() => resolve(client), reject);
  });
}
