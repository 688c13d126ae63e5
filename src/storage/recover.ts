import { resolve } from 'node:path';
import { NwbError, messageOf } from './errors.ts';
import { type Recovery, recoverFile } from './commit-layer/recover.ts';

/**
 * Opening an NWB file starts here (docs/decisions/0005): a writer killed while applying a commit
 * leaves a complete journal beside the file, which is replayed; one killed while writing the
 * journal leaves an incomplete one, which is removed. Either way the file is then its last commit.
 */

export type NwbRecovery = Recovery | { outcome: 'writing' };

/** Files this process is writing (their writer keeps them consistent; recovery must keep out). */
const writing = new Set<string>();

/** Marks `path` as being written by this process until the returned function is called. */
export function markWriting(path: string): () => void {
  const key = resolve(path);
  writing.add(key);
  return () => writing.delete(key);
}

/**
 * Brings an NWB file to its last commit, replaying or removing its journal. A file this process is
 * writing is left alone (a journal there belongs to a commit in progress). Another process writing
 * the file is not detected: one writer per data directory.
 */
export function recoverNwbFile(path: string): NwbRecovery {
  const file = resolve(path);
  if (writing.has(file)) return { outcome: 'writing' };
  try {
    return recoverFile(file);
  } catch (e) {
    throw new NwbError('NWB_UNWRITABLE', `cannot recover ${file} from its commit journal: ${messageOf(e)}`, [], { cause: e });
  }
}
