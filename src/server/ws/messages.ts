/** Messages of `/ws`: what clients may send (checked here) and what the server sends as JSON. */

export const MAX_WIDTH = 16_384;
/** Longest time one screen width may cover, s: beyond it a column would average minutes away. */
export const MAX_SPAN = 3600;

export interface SubscribeMessage {
  type: 'subscribe';
  headstages: number[];
  /** Screen columns, px. */
  width: number;
  /** Time the width covers, s; without it each block is fitted to the width. */
  span?: number;
}

export type ClientMessage =
  | SubscribeMessage
  | { type: 'unsubscribe' }
  | { type: 'ping'; id?: string | number }
  | { type: 'seat.take'; token?: string; force?: boolean }
  | { type: 'seat.release' };

export const CLIENT_TYPES = ['subscribe', 'unsubscribe', 'ping', 'seat.take', 'seat.release'] as const;

/**
 * Message types a client might send hoping to control the rig over `/ws`: they get a pointer to
 * the seat and the REST API instead of a bare "unknown type".
 */
const CONTROL_LIKE = /^(start|stop|pause|resume|step|skip|abort|mode|holding|set|testpulse|amplifier|experiment|auto|control|command)([.:_-].*)?$/i;

/** A client message, or the sentence that says what to fix (with a code for control attempts). */
export type Parsed = { ok: true; message: ClientMessage } | { ok: false; error: string; code?: 'NOT_CONTROLLER' | 'BAD_MESSAGE' };

const EXAMPLE = '{"type":"subscribe","headstages":[0,1],"width":1200}';

export function parseClientMessage(text: string, headstageCount: number): Parsed {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(`message: not valid JSON (${(e as Error).message}); send a JSON object such as ${EXAMPLE}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(`message: must be a JSON object with a "type", such as ${EXAMPLE}`);
  const m = raw as Record<string, unknown>;
  if (typeof m.type !== 'string') return fail(`type: missing; one of ${CLIENT_TYPES.join(', ')}`);
  switch (m.type) {
    case 'subscribe':
      return parseSubscribe(m, headstageCount);
    case 'unsubscribe':
      return { ok: true, message: { type: 'unsubscribe' } };
    case 'ping': {
      const id = m.id;
      if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') return fail('id: a ping id must be a string or a number');
      return { ok: true, message: id === undefined ? { type: 'ping' } : { type: 'ping', id } };
    }
    case 'seat.take': {
      const problems: string[] = [];
      if (m.token !== undefined && typeof m.token !== 'string') problems.push('token: must be a string (the control token)');
      if (m.force !== undefined && typeof m.force !== 'boolean') problems.push('force: must be true or false');
      if (problems.length > 0) return fail(problems.join('; '));
      return { ok: true, message: { type: 'seat.take', ...(typeof m.token === 'string' ? { token: m.token } : {}), ...(m.force === true ? { force: true } : {}) } };
    }
    case 'seat.release':
      return { ok: true, message: { type: 'seat.release' } };
    default:
      if (CONTROL_LIKE.test(m.type)) {
        return {
          ok: false,
          code: 'NOT_CONTROLLER',
          error: `type: ${JSON.stringify(m.type)} is control, and /ws carries no control: take the controller seat with {"type":"seat.take"} and send the change to the REST API (docs at /docs) with the seat key in X-Patchrig-Seat`,
        };
      }
      return fail(`type: unknown message type ${JSON.stringify(m.type)}; one of ${CLIENT_TYPES.join(', ')}`);
  }
}

function parseSubscribe(m: Record<string, unknown>, headstageCount: number): Parsed {
  const problems: string[] = [];
  const hs = m.headstages;
  if (!Array.isArray(hs)) problems.push(`headstages: required, an array of headstage numbers 0–${headstageCount - 1}`);
  else {
    hs.forEach((h: unknown, i) => {
      if (typeof h !== 'number' || !Number.isInteger(h) || h < 0) problems.push(`headstages[${i}]: ${JSON.stringify(h)} is not a headstage number`);
      else if (h >= headstageCount) problems.push(`headstages[${i}]: headstage ${h} does not exist (the rig has ${headstageCount}: 0–${headstageCount - 1})`);
    });
    if (new Set(hs).size !== hs.length) problems.push('headstages: each headstage may appear once');
  }
  const width = m.width;
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1 || width > MAX_WIDTH) problems.push(`width: required, an integer number of pixels 1–${MAX_WIDTH}, got ${JSON.stringify(width)}`);
  const span = m.span;
  if (span !== undefined && (typeof span !== 'number' || !Number.isFinite(span) || span <= 0 || span > MAX_SPAN)) problems.push(`span: seconds the width covers, > 0 and ≤ ${MAX_SPAN}, got ${JSON.stringify(span)}`);
  if (problems.length > 0) return fail(problems.join('; '));
  return {
    ok: true,
    message: { type: 'subscribe', headstages: hs as number[], width: width as number, ...(span === undefined ? {} : { span: span as number }) },
  };
}

function fail(error: string): Parsed {
  return { ok: false, error, code: 'BAD_MESSAGE' };
}
