import { type Io, writeAll } from './io.ts';
import type { Journal } from './journal.ts';

/**
 * Writes a journal's records in place and cuts the file to the journal's length. Used by a commit
 * and by recovery alike; idempotent, so a replay after a crash half-way through is harmless.
 */
export function applyJournal(io: Io, fd: number, j: Journal): void {
  for (const r of j.records) writeAll(io, fd, r.bytes, 0, r.bytes.length, r.start);
  if (io.size(fd) > j.length) io.truncate(fd, j.length);
}
