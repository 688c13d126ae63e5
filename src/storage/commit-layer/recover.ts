import { dirname } from 'node:path';
import { applyJournal } from './apply.ts';
import { type Io, nodeIo, readUpTo } from './io.ts';
import { decodeJournal, journalPathOf } from './journal.ts';

/**
 * What recovery found: no journal; a complete journal, replayed (a crash hit the short window in
 * which a commit was being applied); or an incomplete one, removed (a crash while it was written:
 * the file was never touched in place and is its previous commit).
 */
export type Recovery = { outcome: 'clean' } | { outcome: 'replayed'; records: number } | { outcome: 'discarded'; reason: string };

function readWhole(io: Io, path: string): Uint8Array {
  const fd = io.open(path, 'r');
  try {
    const buf = new Uint8Array(io.size(fd));
    const n = readUpTo(io, fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    io.close(fd);
  }
}

/** Brings `path` to its last commit. Throws when a complete journal does not fit the file. */
export function recoverFile(path: string, io: Io = nodeIo): Recovery {
  const journalPath = journalPathOf(path);
  if (!io.exists(journalPath)) return { outcome: 'clean' };
  const j = decodeJournal(readWhole(io, journalPath));
  if ('invalid' in j || !io.exists(path)) {
    io.unlink(journalPath);
    io.syncDir(dirname(journalPath));
    return { outcome: 'discarded', reason: 'invalid' in j ? j.invalid : 'the file it belongs to is gone' };
  }
  const fd = io.open(path, 'r+');
  try {
    // Appended data was fsynced before the journal was written: the file is at least this long.
    const size = io.size(fd);
    if (size < j.length) throw new Error(`cannot recover ${path}: its journal describes a ${j.length}-byte file, the file has ${size} bytes`);
    applyJournal(io, fd, j);
    io.fsync(fd);
  } finally {
    io.close(fd);
  }
  io.unlink(journalPath);
  io.syncDir(dirname(journalPath));
  return { outcome: 'replayed', records: j.records.length };
}
