import type { FastifyInstance } from 'fastify';
import type { ExperimentManager } from '../experiments/manager.ts';
import type { AnalysisFeed } from './analysis-feed.ts';
import { sendProblem } from './problem.ts';

/** The latest online-analysis result of the current experiment, for consoles that join late. */
export function registerAnalysisRoutes(app: FastifyInstance, experiments: ExperimentManager, feed: AnalysisFeed | undefined): void {
  app.get('/api/experiments/current/analysis', { schema: { tags: ['experiments'], summary: "the latest online analysis of the current experiment (the last `analysis` event)" } }, async (_req, reply) => {
    const id = experiments.status()?.id;
    if (id === undefined) return sendProblem(reply, 404, 'there is no experiment yet; create one with POST /api/experiments', { code: 'EXPERIMENT_NONE' });
    if (!feed) return sendProblem(reply, 404, 'online analysis is off in this service', { code: 'ANALYSIS_OFF' });
    const event = feed.latest(id);
    if (!event) return sendProblem(reply, 404, `no analysis result for ${id} yet: one arrives after each analysed sweep (also as the /ws "analysis" event)`, { code: 'ANALYSIS_PENDING' });
    return event;
  });
}
