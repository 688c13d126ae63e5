import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Rig } from '../../src/rig/open-rig.ts';
import { type AppOptions, type AppParts, buildService } from '../../src/server/app.ts';
import { passiveRig, tempDir } from './helpers.ts';

/** One service on a passive simulated rig at max speed, with its data directory; `close` undoes it all. */
export interface Harness extends AppParts {
  app: FastifyInstance;
  rig: Rig;
  dir: string;
  close(): Promise<void>;
}

export async function harness(headstages = 2, opts: Partial<AppOptions> = {}): Promise<Harness> {
  const rig = await passiveRig(headstages);
  const dir = await tempDir('patchrig-console-');
  const parts = buildService({ rig, dataDir: join(dir, 'data'), speed: 'max', uiDir: join(dir, 'no-ui'), ...opts });
  await parts.app.ready();
  return {
    ...parts,
    rig,
    dir,
    close: async () => {
      await parts.app.close();
      await rig.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function req(app: FastifyInstance, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}
