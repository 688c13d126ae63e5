import type { FastifyInstance } from 'fastify';
import type { ExperimentCommand, ExperimentManager } from '../experiments/manager.ts';
import { sendProblem } from './problem.ts';

const COMMANDS: readonly ExperimentCommand[] = ['start', 'pause', 'resume', 'step', 'skip', 'abort'];

/** Experiment control: one experiment at a time; refusals come from the manager as typed errors. */
export function registerExperimentRoutes(app: FastifyInstance, experiments: ExperimentManager): void {
  app.post('/api/experiments', async (req, reply) => {
    const status = await experiments.create(req.body);
    return reply.code(201).header('location', '/api/experiments/current').send(status);
  });

  app.get('/api/experiments/current', async (_req, reply) => {
    const s = experiments.status();
    if (!s) return sendProblem(reply, 404, 'there is no experiment yet; create one with POST /api/experiments', { code: 'EXPERIMENT_NONE' });
    return s;
  });

  for (const command of COMMANDS) {
    app.post(`/api/experiments/current/${command}`, async () => experiments.control(command));
  }

  app.post('/api/experiments/current/holding', async (req) => experiments.setHolding(req.body));
}
