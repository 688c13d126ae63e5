import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { recoverNwbFile } from '../storage/recover.ts';
import { ExperimentError } from './errors.ts';

/** An NWB file of the data directory, as `GET /api/files` lists it. */
export interface DataFile {
  name: string;
  /** Bytes. */
  size: number;
  /** ISO 8601, UTC. */
  mtime: string;
}

/** The NWB files directly in `dir` (regular files only: a symlink could lead out of it), oldest name first. */
export async function listDataFiles(dir: string): Promise<DataFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: DataFile[] = [];
  for (const e of entries) {
    // Dot files are the writer's temporary skeletons.
    if (!e.isFile() || !e.name.endsWith('.nwb') || e.name.startsWith('.')) continue;
    try {
      const st = await lstat(join(dir, e.name));
      out.push({ name: e.name, size: st.size, mtime: st.mtime.toISOString() });
    } catch {
      // removed between readdir and stat: not listed
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Checks a requested file name (one path segment, an NWB file) and returns its path in `dir`. */
export async function dataFilePath(dir: string, name: string): Promise<{ path: string; size: number }> {
  if (name === '' || name.includes('/') || name.includes('\\') || name.includes('..') || name.includes('\0')) {
    throw new ExperimentError('FILE_NAME', `name: "${name}" is not a file name of the data directory (no "/", "\\" or "..")`);
  }
  const missing = new ExperimentError('FILE_NOT_FOUND', `no NWB file named "${name}" in the data directory (GET /api/files lists them)`);
  if (!name.endsWith('.nwb') || name.startsWith('.')) throw missing;
  const path = join(dir, name);
  // A writer killed while committing a sweep left a journal: finish it before serving the file
  // (docs/decisions/0005; a file this process is writing is left alone).
  recoverNwbFile(path);
  try {
    const st = await lstat(path);
    if (!st.isFile()) throw missing;
    return { path, size: st.size };
  } catch (e) {
    if (e instanceof ExperimentError) throw e;
    throw missing;
  }
}

/** `2026-11-25T14-03-07` in local time: sortable, and valid in a file name on every system. */
export function fileStamp(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
}
