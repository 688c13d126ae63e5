import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ExperimentError } from '../experiments/errors.ts';
import { dataFilePath, listDataFiles } from '../experiments/files.ts';
import type { ExperimentManager } from '../experiments/manager.ts';

/** NWB files of the data directory: list and download. */
export function registerFileRoutes(app: FastifyInstance, experiments: ExperimentManager): void {
  app.get('/api/files', async () => {
    const open = experiments.openFile;
    return (await listDataFiles(experiments.dataDir)).map((f) => ({ ...f, writing: f.name === open }));
  });

  app.get<{ Params: { name: string } }>('/api/files/:name', async (req, reply) => {
    const { name } = req.params;
    const { path, size } = await dataFilePath(experiments.dataDir, name);
    // A file being written is consistent only between sweeps; it is served once closed.
    if (name === experiments.openFile) throw new ExperimentError('FILE_BUSY', `${name} is being written by the running experiment; download it when the experiment has ended`);
    return reply
      .type('application/x-hdf5')
      .header('content-length', size)
      .header('content-disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`)
      .send(createReadStream(path));
  });
}
