import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AccessPolicy } from '../access.ts';
import { sendProblem } from '../problem.ts';
import type { StreamHub } from './hub.ts';

export interface WsRouteOptions {
  /** Browser origins allowed besides the service's own host, e.g. `http://localhost:5173` (Vite dev). */
  allowedOrigins?: string[];
  /** Largest client message, bytes; a bigger one closes the socket with 1009. Default 64 KiB. */
  maxPayload?: number;
  /** Off loopback, connecting needs `?token=` (view or control token). */
  access?: AccessPolicy;
}

function queryToken(req: FastifyRequest): string | undefined {
  const q = req.query as Record<string, unknown> | undefined;
  return typeof q?.token === 'string' ? q.token : undefined;
}

/**
 * `/ws` (DESIGN §6): JSON events and binary trace frames from `hub`. The Origin is checked before
 * the upgrade, so a page on another site cannot read the rig through the visitor's browser.
 */
export function registerWsRoute(app: FastifyInstance, hub: StreamHub, opts: WsRouteOptions = {}): void {
  // Deflate stays off (ws' server default): traces barely compress and zlib costs CPU and memory.
  void app.register(websocket, { options: { maxPayload: opts.maxPayload ?? 64 * 1024 } });
  void app.register(async (scope) => {
    scope.addHook('onClose', async () => hub.close());
    scope.get('/ws', {
      websocket: true,
      onRequest: async (req, reply) => {
        const refusal = originRefusal(req, opts.allowedOrigins ?? []);
        if (refusal) return sendProblem(reply, 403, refusal, { code: 'WS_ORIGIN' });
        // Browsers cannot set headers on a WebSocket: the token comes in the query.
        if (opts.access && opts.access.roleOf(queryToken(req)) === 'none') {
          return sendProblem(reply, 401, 'this service is not on loopback: open /ws?token=<token> with the view or control token printed at start', { code: 'TOKEN_REQUIRED' });
        }
        return undefined;
      },
    }, (socket, req) => {
      hub.attach(socket, { token: queryToken(req) });
    });
  });
}

/** Why this request's Origin is refused, or undefined when it may connect. */
export function originRefusal(req: FastifyRequest, allowed: readonly string[]): string | undefined {
  const origin = req.headers.origin;
  // Non-browser clients (CLI, scripts) send no Origin; browsers always do on WebSocket upgrades.
  if (origin === undefined) return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `Origin ${JSON.stringify(origin)} is not a URL; open the console from this service's own address`;
  }
  if (host !== '' && host === req.headers.host) return undefined;
  if (allowed.includes(origin)) return undefined;
  return `Origin ${origin} may not open /ws: only pages served by this service (${req.headers.host ?? 'its own host'}) may; open the console from there or add the origin to the allowed origins`;
}
