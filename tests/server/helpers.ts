import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { type Rig, openRig } from '../../src/rig/open-rig.ts';

/** A simulated rig of passive cells at max speed: sweeps cost milliseconds. */
export function passiveRig(headstages = 2): Promise<Rig> {
  const config = defaultSimulatedRig(headstages);
  return openRig({ ...config, simulation: { ...config.simulation, speed: 'max', preparation: 'passive' } as typeof config.simulation });
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function post(app: FastifyInstance, url: string, body?: unknown): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, ...(body === undefined ? {} : { payload: body as object }) });
}

/** Asserts a problem document with this status whose detail contains `detail`. */
export function expectProblem(r: LightMyRequestResponse, status: number, detail: string | RegExp): void {
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = r.json() as { status: number; detail: string };
  expect({ code: r.statusCode, status: body.status }).toEqual({ code: status, status });
  if (typeof detail === 'string') expect(body.detail).toContain(detail);
  else expect(body.detail).toMatch(detail);
}

/** Polls `GET /api/experiments/current` until `pred` holds (each poll yields to the runner). */
export async function waitForPhase(app: FastifyInstance, pred: (phase: string) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  for (;;) {
    const s = (await app.inject({ url: '/api/experiments/current' })).json() as Record<string, unknown>;
    if (pred(String(s.phase))) return s;
    if (Date.now() - t0 > timeoutMs) throw new Error(`phase still ${String(s.phase)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
