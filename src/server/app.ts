import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { identifyDevices } from '../cli/devices.ts';
import { AcquisitionEngine } from '../acquisition/engine.ts';
import { HeadstageControl } from '../control/headstages.ts';
import { TestPulseControl } from '../control/test-pulse-control.ts';
import { ENDED_PHASES, ExperimentManager } from '../experiments/manager.ts';
import type { Rig } from '../rig/open-rig.ts';
import { AnalysisFeed } from './analysis-feed.ts';
import { registerAnalysisRoutes } from './analysis-routes.ts';
import { AccessPolicy, type AccessOptions, accessHook } from './access.ts';
import { TEST_PULSE_SWEEP } from './console-api.ts';
import { registerExperimentRoutes } from './experiment-routes.ts';
import { registerFileRoutes } from './file-routes.ts';
import { registerHeadstageRoutes } from './headstage-routes.ts';
import { problemOf, sendProblem } from './problem.ts';
import { registerProtocolRoutes } from './protocol-routes.ts';
import { registerSweepRoutes } from './sweep-routes.ts';
import { registerTestPulseRoutes } from './testpulse-routes.ts';
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
   * `onBlock` should feed `hub` for live traces; its state reaches `/ws` either way. Made without
   * the app's test pulse as its gate, it may collide with a running test pulse.
   */
  experiments?: ExperimentManager;
  /** The `/ws` hub; made here when absent. */
  hub?: StreamHub;
  /** Browser origins allowed on `/ws` besides the service's own host. */
  allowedOrigins?: string[];
  /**
   * Bound to a non-loopback address (`exposed`): viewing needs the view or control token and
   * control the control token (docs/protocols/console-api.md). Default: loopback, no tokens.
   */
  access?: AccessOptions;
  /** The built console; default `ui/dist` of this repository. */
  uiDir?: string;
  /** Analyse every sweep online in a worker thread and publish `analysis` events. Default true. */
  analysis?: boolean;
}

/** The handles a caller (CLI, tests) may need besides the HTTP app. */
export interface AppParts {
  hub: StreamHub;
  testPulse: TestPulseControl;
  headstages: HeadstageControl;
  experiments: ExperimentManager | undefined;
}

const DEFAULT_UI = fileURLToPath(new URL('../../ui/dist', import.meta.url));

/**
 * The service's HTTP app: rig and headstages, test pulse, protocols, experiment control, sweeps,
 * NWB files, `/ws`, OpenAPI at `/docs` and the console at `/`.
 */
export function buildApp(opts: AppOptions): FastifyInstance {
  return buildService(opts).app;
}

export function buildService(opts: AppOptions): AppParts & { app: FastifyInstance } {
  // Fastify's default silently drops unknown fields; the API names them instead.
  const app = Fastify({ logger: opts.logger ?? false, ajv: { customOptions: { removeAdditional: false, allErrors: true } } });
  app.setErrorHandler((error, req, reply) => {
    const p = problemOf(error);
    if (p.status >= 500) req.log.error(error);
    void sendProblem(reply, p.status, p.detail, p);
  });
  app.setNotFoundHandler((req, reply) => {
    void sendProblem(reply, 404, `no route ${req.method} ${req.url.split('?')[0] ?? ''}; the API is listed at /docs`);
  });
  const policy = new AccessPolicy(opts.access ?? { exposed: false });
  // A caller's hub knows nothing of the tokens: its seat would be open to view-token clients.
  if (opts.hub && policy.exposed) throw new Error('access.exposed needs the hub the app makes itself: leave out `hub`');
  const hub = opts.hub ?? new StreamHub({ headstageCount: opts.rig.headstages.length, access: policy });
  app.addHook('onRequest', accessHook(policy, hub.seat));

  const onBlock = (block: HubBlock): void => {
    // Live display must never fail a sweep: report and go on.
    try {
      hub.publishBlock(block);
    } catch (e) {
      app.log.error(e, 'streaming a block to /ws failed');
    }
  };
  const engine = new AcquisitionEngine(opts.rig);
  // The headstage panel, the test pulse and the experiments refer to each other: bound once made.
  const late: { experiments?: ExperimentManager; testPulse?: TestPulseControl } = {};
  const acquiring = () => late.experiments?.status()?.phase === 'acquiring';
  const headstages = new HeadstageControl({
    rig: opts.rig,
    acquiring,
    onChange: (state) => hub.broadcast({ type: 'amplifier', state }),
    // While the test pulse plays, its next acquisition applies the new holding; the digitizer's
    // idle output is only set directly when nothing acquires.
    applyHolding: async (hs, mode, value) => {
      if (!late.testPulse?.status().active) await engine.applyHolding(hs, mode, value);
    },
    experimentHolding: (hs, mode, value) => {
      const x = late.experiments;
      const s = x?.status();
      if (!x || !s || !x.busy || ENDED_PHASES.includes(s.phase) || !s.headstages.includes(hs)) return false;
      x.setHolding({ headstage: hs, mode, value });
      return true;
    },
    aroundModeChange: (fn) => (late.testPulse ? late.testPulse.paused(fn) : fn()),
  });
  const testPulse = new TestPulseControl({
    rig: opts.rig,
    modes: () => headstages.modeList(),
    holding: (hs, mode) => headstages.holdingOf(hs, mode),
    bridgeBalance: (hs) => headstages.bridgeOf(hs),
    onReadings: (at, rate, readings) => hub.broadcast({ type: 'testpulse', at, rate, readings }),
    beforeStart: () => headstages.init(),
    onTrace: (t) => onBlock({ sweep: TEST_PULSE_SWEEP, firstScan: 0, scans: t.scans, sampleRate: t.sampleRate, headstages: t.headstages, responses: t.responses, commands: t.commands }),
  });
  late.testPulse = testPulse;
  const analysis =
    opts.analysis === false
      ? undefined
      : new AnalysisFeed({
          publish: (event) => hub.publishAnalysis({ ...event }),
          onError: (e, experiment, sweep) => app.log.error(e, `online analysis of ${experiment} sweep ${sweep} failed`),
        });
  const exp =
    opts.experiments ??
    (opts.dataDir !== undefined
      ? new ExperimentManager({
          rig: opts.rig,
          dataDir: opts.dataDir,
          speed: opts.speed,
          onBlock,
          gate: testPulse,
          onStored: (experiment, sweep, qc) => hub.broadcast({ type: 'qc', experiment, sweep, headstages: qc }),
          onSweep: analysis ? (experiment, sweep) => analysis.onSweep(experiment, sweep) : undefined,
        })
      : undefined);
  late.experiments = exp;

  void app.register(swagger, {
    openapi: {
      info: { title: 'patchrig', version: '1', description: 'Multipatch patch-clamp rig service. SI units throughout. Errors are application/problem+json. Contract: docs/protocols/console-api.md; live stream: /ws (docs/protocols/websocket.md).' },
      components: {
        securitySchemes: {
          token: { type: 'http', scheme: 'bearer', description: 'off loopback: the view or control token printed at start' },
          seat: { type: 'apiKey', in: 'header', name: 'X-Patchrig-Seat', description: 'the controller seat key (from /ws seat.take)' },
        },
      },
    },
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });
  void app.register(async (api) => {
    api.get('/api/health', { schema: { tags: ['rig'], summary: 'liveness' } }, async () => ({ status: 'ok' }));
    api.get('/api/rig', { schema: { tags: ['rig'], summary: 'devices (identified), headstages and safety limits' } }, async () => ({
      name: opts.rig.config.name,
      safety: opts.rig.safety,
      devices: await identifyDevices(opts.rig),
      headstages: opts.rig.headstages,
    }));
    registerHeadstageRoutes(api, headstages);
    registerTestPulseRoutes(api, testPulse);
    registerProtocolRoutes(api, opts.rig);
    registerWsRoute(api, hub, { allowedOrigins: opts.allowedOrigins, access: policy });
    if (exp) {
      registerExperimentRoutes(api, exp);
      registerSweepRoutes(api, exp);
      registerAnalysisRoutes(api, exp, analysis);
      registerFileRoutes(api, exp);
    }
  });
  registerUi(app, opts.uiDir ?? DEFAULT_UI);

  app.addHook('onReady', async () => {
    // The cached modes must match the devices before the test pulse uses them.
    await headstages.init();
  });
  if (exp) {
    const unsubscribe = exp.subscribe((s) => hub.publishState(s));
    app.addHook('onClose', async () => unsubscribe());
  }
  // Stopping: the test pulse ends, the running experiment is aborted and its file closed, before the rig closes.
  app.addHook('onClose', async () => {
    await testPulse.close();
    await exp?.close();
    await analysis?.close();
    headstages.close();
  });
  return { app, hub, testPulse, headstages, experiments: exp };
}

/** The built console at `/`, or a 503 that says how to build it. */
function registerUi(app: FastifyInstance, dir: string): void {
  if (existsSync(dir)) {
    void app.register(fastifyStatic, { root: dir, prefix: '/', index: ['index.html'] });
    return;
  }
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    sendProblem(reply, 503, `the console is not built (${dir} is missing): run \`npm run build:ui\` and restart the service; the API works meanwhile (/docs)`, { code: 'UI_NOT_BUILT' }),
  );
}
