import Fastify, { type FastifyInstance } from 'fastify';
import { identifyDevices } from '../cli/devices.ts';
import { ExperimentManager } from '../experiments/manager.ts';
import type { Rig } from '../rig/open-rig.ts';
import { registerExperimentRoutes } from './experiment-routes.ts';
import { registerFileRoutes } from './file-routes.ts';
import { problemOf, sendProblem } from './problem.ts';
import { registerProtocolRoutes } from './protocol-routes.ts';
import { type HubBlock, StreamHub } from './ws/hub.ts';
import { registerWsRoute } from './ws/route.ts';

export interface AppOptions {
  rig: Rig;
  logger?: boolean;
  /**
   * Where experiments write their NWB files; with it the app has experiment control and file
   * routes. Created when missing.
   */
  dataDir?: string;
  /** How experiments' rests pass: `max` only for simulated devices at max speed. Default `realtime`. */
  speed?: 'max' | 'realtime';
  /**
   * An experiment manager made by the caller (tests keep a handle on it); replaces `dataDir`. Its
   * `onBlock` should feed `hub` for live traces; its state reaches `/ws` either way.
   */
  experiments?: ExperimentManager;
  /** The `/ws` hub; made here when absent. */
  hub?: StreamHub;
  /** Browser origins allowed on `/ws` besides the service's own host. */
  allowedOrigins?: string[];
}

/**
 * The service's HTTP app: what the rig is, protocols, experiment control and the NWB files. The
 * console and streaming routes are built on it (see the console issue).
 */
export function buildApp(opts: AppOptions): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false });
  app.setErrorHandler((error, req, reply) => {
    const p = problemOf(error);
    if (p.status >= 500) req.log.error(error);
    void sendProblem(reply, p.status, p.detail, p);
  });
  app.setNotFoundHandler((req, reply) => {
    void sendProblem(reply, 404, `no route ${req.method} ${req.url}`);
  });
  app.get('/api/health', async () => ({ status: 'ok' }));
  app.get('/api/rig', async () => ({
    name: opts.rig.config.name,
    safety: opts.rig.safety,
    devices: await identifyDevices(opts.rig),
    headstages: opts.rig.headstages,
  }));
  registerProtocolRoutes(app, opts.rig);
  const hub = opts.hub ?? new StreamHub({ headstageCount: opts.rig.headstages.length });
  registerWsRoute(app, hub, { allowedOrigins: opts.allowedOrigins });
  const onBlock = (block: HubBlock): void => {
    // Live display must never fail a sweep: report and go on.
    try {
      hub.publishBlock(block);
    } catch (e) {
      app.log.error(e, 'streaming a block to /ws failed');
    }
  };
  const experiments = opts.experiments ?? (opts.dataDir !== undefined ? new ExperimentManager({ rig: opts.rig, dataDir: opts.dataDir, speed: opts.speed, onBlock }) : undefined);
  if (experiments) {
    const unsubscribe = experiments.subscribe((s) => hub.publishState(s));
    app.addHook('onClose', async () => unsubscribe());
    registerExperimentRoutes(app, experiments);
    registerFileRoutes(app, experiments);
    // A stopping service aborts the running experiment and closes its file before the rig closes.
    app.addHook('onClose', async () => experiments.close());
  }
  return app;
}
