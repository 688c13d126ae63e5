import type { FastifyInstance } from 'fastify';
import type { TestPulseControl } from '../control/test-pulse-control.ts';
import { type TestPulsePut, TestPulsePutSchema } from './console-api.ts';

/** The continuous test pulse: on/off, amplitude and width per mode, averaging. */
export function registerTestPulseRoutes(app: FastifyInstance, tp: TestPulseControl): void {
  app.get('/api/testpulse', { schema: { tags: ['test pulse'], summary: 'whether it runs, its settings and its rate (cycles/s)' } }, async () => tp.status());
  app.put<{ Body: TestPulsePut }>(
    '/api/testpulse',
    { schema: { tags: ['test pulse'], summary: 'switch it and change its settings (applied from the next cycle)', body: TestPulsePutSchema } },
    async (req) => tp.update(req.body),
  );
}
