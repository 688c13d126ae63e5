import Fastify, { type FastifyInstance } from 'fastify';
import { identifyDevices } from '../cli/devices.ts';
import type { Rig } from '../rig/open-rig.ts';

export interface AppOptions {
  rig: Rig;
  logger?: boolean;
}

/**
 * The service's HTTP app. This first version answers what the rig is and whether it is up; the
 * console, control and streaming routes are built on it (see the console issue).
 */
export function buildApp(opts: AppOptions): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false });
  app.setErrorHandler((error, _req, reply) => {
    const err = error as { statusCode?: number; message?: string };
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    void reply
      .code(status)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: status >= 500 ? 'Internal error' : 'Bad request', status, detail: err.message ?? 'unknown error' });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Not found', status: 404, detail: `no route ${req.method} ${req.url}` });
  });
  app.get('/api/health', async () => ({ status: 'ok' }));
  app.get('/api/rig', async () => ({
    name: opts.rig.config.name,
    safety: opts.rig.safety,
    devices: await identifyDevices(opts.rig),
    headstages: opts.rig.headstages,
  }));
  return app;
}
