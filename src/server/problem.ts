import type { FastifyReply } from 'fastify';
import { ControlError, type ControlErrorCode } from '../control/errors.ts';
import { ExperimentError, type ExperimentErrorCode } from '../experiments/errors.ts';
import { SweepViewError } from '../experiments/sweep-store.ts';

/** Problem details (RFC 9457) as every error of the API is sent (DESIGN §9). */
export interface Problem {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  /** Stable code of a typed error, when there is one. */
  code?: string;
  /** One sentence per bad field, when there are several. */
  problems?: string[];
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  503: 'Service unavailable',
};

const CONTROL_STATUS: Record<ControlErrorCode, number> = {
  HEADSTAGE_NOT_FOUND: 404,
  ACQUIRING: 409,
  SAFETY_LIMIT: 422,
  DEVICE_REFUSED: 422,
  BAD_REQUEST: 400,
};

const STATUS: Record<ExperimentErrorCode, number> = {
  EXPERIMENT_INVALID: 400,
  EXPERIMENT_BUSY: 409,
  EXPERIMENT_NONE: 409,
  EXPERIMENT_STATE: 409,
  SAFETY_LIMIT: 422,
  FILE_NAME: 400,
  FILE_NOT_FOUND: 404,
  FILE_BUSY: 409,
};

export function sendProblem(reply: FastifyReply, status: number, detail: string, extra: { code?: string; problems?: string[] } = {}): FastifyReply {
  const body: Problem = {
    type: 'about:blank',
    title: TITLES[status] ?? (status >= 500 ? 'Internal error' : 'Bad request'),
    status,
    detail,
    ...(extra.code ? { code: extra.code } : {}),
    ...(extra.problems && extra.problems.length > 1 ? { problems: extra.problems } : {}),
  };
  return reply.code(status).type('application/problem+json').send(body);
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
  validation?: { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

/** Schema-validation failures as one sentence per field: `body.holding.vc: must be number`. */
function validationProblems(e: FastifyLikeError): string[] {
  const part = e.validationContext ?? 'body';
  const errors = e.validation ?? [];
  // A union of literals fails once per literal and once more for the union: say "one of" once.
  const choices = new Map<string, unknown[]>();
  for (const v of errors) if (v.keyword === 'const') choices.set(v.instancePath ?? '', [...(choices.get(v.instancePath ?? '') ?? []), v.params?.allowedValue]);
  const out: string[] = [];
  for (const v of errors) {
    const path = v.instancePath ?? '';
    const field = `${part}${path.replace(/\//g, '.')}`;
    const extra = v.params?.additionalProperty;
    const oneOf = choices.get(path);
    let line: string;
    if (typeof extra === 'string') line = `${field}.${extra}: not a known field; remove it (see /docs for the fields)`;
    else if (oneOf && (v.keyword === 'const' || v.keyword === 'anyOf')) line = `${field}: must be one of ${oneOf.map((x) => JSON.stringify(x)).join(', ')}`;
    else line = `${field}: ${v.message ?? 'invalid'}`;
    if (!out.includes(line)) out.push(line);
  }
  return out;
}

/** The problem document for anything a handler or fastify threw. */
export function problemOf(error: unknown): { status: number; detail: string; code?: string; problems?: string[] } {
  if (error instanceof ExperimentError) return { status: STATUS[error.code], detail: error.message, code: error.code, problems: error.problems };
  if (error instanceof ControlError) return { status: CONTROL_STATUS[error.code], detail: error.message, code: error.code };
  if (error instanceof SweepViewError) return { status: error.code === 'SWEEP_NOT_FOUND' ? 404 : 400, detail: error.message, code: error.code };
  const e = (error ?? {}) as FastifyLikeError;
  if (e.validation && e.validation.length > 0) {
    const problems = validationProblems(e);
    return { status: 400, detail: problems.join('; '), code: 'BAD_REQUEST', problems };
  }
  const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  // Fastify's body-parser errors speak of the content-type; say which part of the request to fix.
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (status === 400 && e instanceof SyntaxError)) {
    return { status: 400, detail: `body: not valid JSON (${e.message ?? 'parse error'})`, code: 'BAD_JSON' };
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { status: 400, detail: 'body: empty, but the content-type says JSON; send a JSON object or no content-type', code: 'BAD_JSON' };
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, detail: `body: ${e.message ?? 'unsupported content-type'}; send application/json`, code: e.code };
  return { status, detail: e.message ?? 'unknown error', ...(e.code ? { code: e.code } : {}) };
}
