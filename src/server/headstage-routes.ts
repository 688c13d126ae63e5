import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { HeadstageControl } from '../control/headstages.ts';
import { AUTO_FUNCTION_NAMES, type AutoFunctionName, type HeadstagePatch, HeadstagePatchSchema } from './console-api.ts';

const Hs = Type.Object({ hs: Type.Integer({ minimum: 0, description: '0-based headstage' }) });
const HsFn = Type.Object({ hs: Type.Integer({ minimum: 0 }), fn: Type.Union(AUTO_FUNCTION_NAMES.map((f) => Type.Literal(f))) });

/** The amplifier panel: every headstage's settings, partial changes and auto functions. */
export function registerHeadstageRoutes(app: FastifyInstance, headstages: HeadstageControl): void {
  app.get('/api/headstages', { schema: { tags: ['headstages'], summary: 'every headstage: mode, holding, compensations, gains (SI)' } }, async () => headstages.list());

  app.get<{ Params: { hs: number } }>('/api/headstages/:hs', { schema: { tags: ['headstages'], summary: 'one headstage', params: Hs } }, async (req) => headstages.state(req.params.hs));

  app.patch<{ Params: { hs: number }; Body: HeadstagePatch }>(
    '/api/headstages/:hs',
    { schema: { tags: ['headstages'], summary: 'change any of the settable fields; mode switches go via I=0 unless viaIZero is false', params: Hs, body: HeadstagePatchSchema } },
    async (req) => headstages.patch(req.params.hs, req.body),
  );

  app.post<{ Params: { hs: number; fn: AutoFunctionName } }>(
    '/api/headstages/:hs/auto/:fn',
    { schema: { tags: ['headstages'], summary: 'run an amplifier auto function', params: HsFn } },
    async (req) => headstages.auto(req.params.hs, req.params.fn),
  );
}
