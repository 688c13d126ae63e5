import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SEAT_HEADER } from './console-api.ts';
import { sendProblem } from './problem.ts';
import type { ControllerSeat } from './seat.ts';

/**
 * Who may do what (docs/decisions/0006-console-access.md). On loopback anyone on the machine may
 * view and control; bound elsewhere, viewing needs the view or control token and control the
 * control token.
 */
export interface AccessOptions {
  /** Bound to a non-loopback address: tokens are required. */
  exposed: boolean;
  controlToken?: string;
  viewToken?: string;
}

export type Role = 'none' | 'viewer' | 'controller';

/** A fresh random token (128 bit). */
export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function same(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AccessPolicy {
  constructor(readonly opts: AccessOptions) {
    if (opts.exposed && (!opts.controlToken || !opts.viewToken)) throw new Error('an exposed service needs both a control and a view token');
  }

  get exposed(): boolean {
    return this.opts.exposed;
  }

  /** What a token allows (everything on loopback). */
  roleOf(token: string | undefined): Role {
    if (!this.opts.exposed) return 'controller';
    if (this.opts.controlToken && same(this.opts.controlToken, token)) return 'controller';
    if (this.opts.viewToken && same(this.opts.viewToken, token)) return 'viewer';
    return 'none';
  }
}

/** The token of a request: `Authorization: Bearer …` or `?token=…`. */
export function tokenOf(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = req.query as Record<string, unknown> | undefined;
  return typeof q?.token === 'string' ? q.token : undefined;
}

const CONTROL_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The pattern of the route a request matched (e.g. `/api/headstages/:hs`), or undefined when none
 * did. Access is decided on this, never on the raw URL: the router decodes `%61pi` to `api`, so a
 * check of the raw text could be walked around.
 */
export function routeOf(req: FastifyRequest): string | undefined {
  return req.routeOptions.url;
}

/** Control requests: every POST/PUT/PATCH/DELETE except validating a protocol definition. */
export function isControlRequest(req: FastifyRequest): boolean {
  const route = routeOf(req) ?? '';
  return CONTROL_METHODS.has(req.method) && route !== '/api/protocols/:id/validate';
}

/**
 * The `onRequest` check of every `/api/*` request: tokens off loopback, then the seat rule for
 * control requests. `/ws` checks its own token before the upgrade; `/api/health`, the docs and the
 * UI's static files are open (they hold no rig data).
 */
export function accessHook(policy: AccessPolicy, seat: ControllerSeat) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const route = routeOf(req);
    // No route matched: the 404 handler answers and there is nothing to protect.
    if (route === undefined || !route.startsWith('/api/') || route === '/api/health') return undefined;
    const role = policy.roleOf(tokenOf(req));
    const control = isControlRequest(req);
    const seatKey = req.headers[SEAT_HEADER];
    const key = typeof seatKey === 'string' ? seatKey : undefined;
    // The seat key is a secret handed only to a control-token holder: it stands for the token.
    if (control && seat.authorises(key)) return undefined;
    if (role === 'none') {
      return sendProblem(reply, 401, 'this service is not on loopback: send the access token printed at start as "Authorization: Bearer <token>" or "?token=<token>"', { code: 'TOKEN_REQUIRED' });
    }
    if (!control) return undefined;
    if (role !== 'controller') {
      return sendProblem(reply, 403, 'this is a control request and the token given is the view token: use the control token printed at start', { code: 'TOKEN_REQUIRED' });
    }
    if (seat.held) {
      return sendProblem(reply, 409, `the controller seat is held by another console: ask its user to release it, or take it over on /ws with {"type":"seat.take","force":true} and send the key it returns as "${SEAT_HEADER}"`, { code: 'SEAT_HELD' });
    }
    return undefined;
  };
}
