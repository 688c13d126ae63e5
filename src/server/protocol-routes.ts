import type { FastifyInstance } from 'fastify';
import type { Rig } from '../rig/open-rig.ts';
import { DEFAULT_SAMPLE_RATE, PROTOCOL_IDS, getProtocol, listProtocols, validateDefinition } from '../../protocols/definitions/index.ts';
import { sendProblem } from './problem.ts';

function unknownProtocol(id: string): string {
  return `no protocol "${id}" (known: ${PROTOCOL_IDS.join(', ')})`;
}

/** Protocols as data (DESIGN §5): list, one with its schema, parameters and defaults, and validation. */
export function registerProtocolRoutes(app: FastifyInstance, rig: Rig): void {
  app.get('/api/protocols', async () =>
    listProtocols().map((p) => ({ id: p.id, title: p.title, description: p.description, parameters: p.parameters })),
  );

  app.get<{ Params: { id: string } }>('/api/protocols/:id', async (req, reply) => {
    const p = getProtocol(req.params.id);
    if (!p) return sendProblem(reply, 404, unknownProtocol(req.params.id));
    return p;
  });

  // The body is the definition; checked against this rig's headstages and safety limits.
  app.post<{ Params: { id: string } }>('/api/protocols/:id/validate', async (req, reply) => {
    if (!getProtocol(req.params.id)) return sendProblem(reply, 404, unknownProtocol(req.params.id));
    const r = validateDefinition(req.params.id, req.body ?? {}, {
      headstages: rig.headstages.map((_, k) => k),
      sampleRate: DEFAULT_SAMPLE_RATE,
      safety: rig.safety,
    });
    return r.ok ? { ok: true, errors: [], definition: r.definition } : { ok: false, errors: r.errors };
  });
}
