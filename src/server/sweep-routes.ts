import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { ExperimentManager } from '../experiments/manager.ts';
import { type SweepQuery, SweepQuerySchema } from './console-api.ts';
import { sendProblem } from './problem.ts';

const SweepParams = Type.Object({ sweep: Type.Integer({ minimum: 0 }) });

/** The sweep browser: the current experiment's sweeps, and one sweep decimated to a width. */
export function registerSweepRoutes(app: FastifyInstance, experiments: ExperimentManager): void {
  app.get('/api/experiments/current/sweeps', { schema: { tags: ['experiments'], summary: "the current experiment's sweeps with their recording QC" } }, async (_req, reply) => {
    if (!experiments.status()) return sendProblem(reply, 404, 'there is no experiment yet; create one with POST /api/experiments', { code: 'EXPERIMENT_NONE' });
    return experiments.sweeps.list();
  });

  app.get<{ Params: { sweep: number }; Querystring: SweepQuery }>(
    '/api/experiments/current/sweeps/:sweep',
    { schema: { tags: ['experiments'], summary: 'one sweep, min/max per column, decimated to `width`', params: SweepParams, querystring: SweepQuerySchema } },
    async (req) => {
      const q = req.query;
      const headstages = q.headstages === undefined ? undefined : q.headstages.split(',').map(Number);
      return experiments.sweeps.view(req.params.sweep, { width: q.width, headstages, from: q.from, to: q.to });
    },
  );
}
