import { dirname } from 'node:path';
import { applyJournal } from './apply.ts';
import { type Io, readUpTo, writeAll } from './io.ts';
import { type Journal, encodeJournal, journalPathOf } from './journal.ts';
import { Overlay } from './overlay.ts';

/** The steps of a commit, in order; a hook may run before each (tests use it to crash there). */
export const COMMIT_STEPS = ['sync-data', 'write-journal', 'sync-dir', 'apply', 'sync-apply', 'remove-journal'] as const;
export type CommitStep = (typeof COMMIT_STEPS)[number];

/** A commit that failed. `decided`: its journal was complete, so recovery rolls it forward. */
export class CommitError extends Error {
  readonly decided: boolean;
  readonly code: string;
  constructor(path: string, step: CommitStep, decided: boolean, cause: unknown) {
    const what = cause instanceof Error ? cause.message : String(cause);
    const outcome = decided
      ? 'its journal is complete, so the next open of the file completes this commit'
      : 'the file stays as of its previous commit';
    super(`${what} (committing ${path}, step ${step}: ${outcome})`, { cause });
    this.name = 'CommitError';
    this.decided = decided;
    // Node-style code, so that Emscripten turns this into an errno when it reaches HDF5.
    const code = (cause as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' ? code : 'EIO';
  }
}

/** What a commit did (figures for tests and benchmarks). */
export interface CommitStats {
  /** Bytes of the committed region rewritten (0: the commit only appended). */
  inPlaceBytes: number;
  /** Bytes of journal written (0: none was needed). */
  journalBytes: number;
}

/**
 * One open file whose on-disk bytes stay as of its last commit between commits, whatever is
 * written to it: writes below the committed length go to an in-memory overlay, writes at or past it
 * go to disk (bytes past the committed length are ignored by HDF5: its superblock records where the
 * file ends). `commit()` makes the current bytes the committed ones atomically with respect to
 * crashes, through a redo journal beside the file (journal.ts, recover.ts).
 */
export class CommittedFile {
  readonly fd: number;
  /** The file's current name; its journal is written beside it. */
  path: string;
  /** Called before each commit step. */
  beforeStep: ((step: CommitStep) => void) | undefined;
  private readonly io: Io;
  /** Length of the file as of the last commit; the disk holds at least this many bytes. */
  private committed: number;
  /** Length of the file as its writer sees it. */
  private logical: number;
  private readonly overlay = new Overlay();
  /** Set by a failed commit or by `abandon`: the file then takes no more writes or commits. */
  private failure: (Error & { code: string }) | undefined;
  /** What the last successful commit did. */
  lastStats: CommitStats | undefined;

  constructor(io: Io, fd: number, path: string) {
    this.io = io;
    this.fd = fd;
    this.path = path;
    this.committed = io.size(fd);
    this.logical = this.committed;
  }

  /** The length the writer sees. */
  get size(): number {
    return this.logical;
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): number {
    if (this.failure) throw this.failure;
    const end = position + length;
    const split = Math.min(end, Math.max(position, this.committed));
    if (split > position) this.overlay.write(position, buf.subarray(offset, offset + split - position));
    if (end > split) writeAll(this.io, this.fd, buf, offset + split - position, end - split, split);
    this.logical = Math.max(this.logical, end);
    return length;
  }

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.logical - position));
    if (n === 0) return 0;
    const got = readUpTo(this.io, this.fd, buf, offset, n, position);
    // Only a hole can read short within the logical length: it reads as zeros.
    buf.fill(0, offset + got, offset + n);
    this.overlay.readInto(position, buf.subarray(offset, offset + n));
    return n;
  }

  truncate(length: number): void {
    if (this.failure) throw this.failure;
    if (length >= this.committed) {
      this.io.truncate(this.fd, length);
    } else {
      // Shrinking into the committed region waits for the commit; until then the cut-off bytes
      // read as zeros if the file grows again, as after a real truncate.
      if (this.io.size(this.fd) > this.committed) this.io.truncate(this.fd, this.committed);
      this.overlay.write(length, new Uint8Array(this.committed - length));
    }
    this.logical = length;
  }

  /**
   * Makes the bytes written so far durable and committed: appended data is fsynced, then the
   * overlay goes through the journal into place. A failure stops this file's commits for good.
   */
  commit(): CommitStats {
    if (this.failure) throw this.failure;
    const journalPath = journalPathOf(this.path);
    const records = this.overlay.extents().filter((r) => r.start < this.logical);
    const j: Journal = { length: this.logical, records };
    let step: CommitStep = 'sync-data';
    let decided = false;
    const next = (s: CommitStep): void => {
      step = s;
      this.beforeStep?.(s);
    };
    try {
      next('sync-data');
      this.io.fsync(this.fd);
      if (records.length === 0 && this.logical >= this.committed) {
        // Only appended: nothing on disk below the old length changed, no journal needed.
        return this.settle({ inPlaceBytes: 0, journalBytes: 0 });
      }
      next('write-journal');
      const bytes = encodeJournal(j);
      const jfd = this.io.open(journalPath, 'w');
      try {
        writeAll(this.io, jfd, bytes, 0, bytes.length, 0);
        this.io.fsync(jfd);
      } finally {
        this.io.close(jfd);
      }
      decided = true;
      next('sync-dir');
      this.io.syncDir(dirname(journalPath));
      next('apply');
      applyJournal(this.io, this.fd, j);
      next('sync-apply');
      this.io.fsync(this.fd);
      next('remove-journal');
      this.io.unlink(journalPath);
      // Else a lost removal could bring the journal back after a power cut, over later commits.
      this.io.syncDir(dirname(journalPath));
      return this.settle({ inPlaceBytes: records.reduce((n, r) => n + r.bytes.length, 0), journalBytes: bytes.length });
    } catch (e) {
      if (!decided) this.dropJournal(journalPath);
      this.failure = new CommitError(this.path, step, decided, e);
      throw this.failure;
    }
  }

  /**
   * Stops all writes to this file for good, leaving the disk as of the last commit (plus, if a
   * commit failed after its journal was complete, that journal). For a writer that gives up on
   * the file: its HDF5 handle may live on (an abandoned in-thread writer) and must not be able
   * to touch the file again, e.g. when a reader in the same process shares it.
   */
  abandon(reason: string): void {
    this.failure ??= Object.assign(new Error(`${this.path} was abandoned by its writer: ${reason}`), { code: 'EIO' });
  }

  /** Commits what was written, then closes the descriptor (even when the commit fails). */
  close(): void {
    try {
      // An abandoned file closes as it is on disk.
      if (!this.failure) this.commit();
    } finally {
      this.io.close(this.fd);
    }
  }

  private settle(stats: CommitStats): CommitStats {
    this.committed = this.logical;
    this.overlay.clear();
    this.lastStats = stats;
    return stats;
  }

  /** After a failure before the journal was complete: a partial journal is no use to anyone. */
  private dropJournal(journalPath: string): void {
    try {
      if (this.io.exists(journalPath)) this.io.unlink(journalPath);
    } catch {
      // recovery removes an incomplete journal anyway
    }
  }
}
