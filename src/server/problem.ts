import type { FastifyReply } from 'fastify';
import { ExperimentError, type ExperimentErrorCode } from '../experiments/errors.ts';

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
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
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
}

/** The problem document for anything a handler or fastify threw. */
export function problemOf(error: unknown): { status: number; detail: string; code?: string; problems?: string[] } {
  if (error instanceof ExperimentError) return { status: STATUS[error.code], detail: error.message, code: error.code, problems: error.problems };
  const e = (error ?? {}) as FastifyLikeError;
  const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  // Fastify's body-parser errors speak of the content-type; say which part of the request to fix.
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (status === 400 && e instanceof SyntaxError)) {
    return { status: 400, detail: `body: not valid JSON (${e.message ?? 'parse error'})`, code: 'BAD_JSON' };
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { status: 400, detail: 'body: empty, but the content-type says JSON; send a JSON object or no content-type', code: 'BAD_JSON' };
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, detail: `body: ${e.message ?? 'unsupported content-type'}; send application/json`, code: e.code };
  return { status, detail: e.message ?? 'unknown error', ...(e.code ? { code: e.code } : {}) };
}
