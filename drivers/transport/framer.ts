/**
 * The common shape of every incremental decoder (framer) of the transport layer.
 *
 * Framers are plain objects rather than Node streams: they are fast, synchronous and easy to
 * property-test. The port owner pushes each chunk it reads and hands the messages on.
 */
export interface Framer<T> {
  /** Feeds bytes in any chunking; returns every message completed by them, in order. Never throws on bad bytes. */
  push(chunk: Uint8Array): T[];
  /** Drops any partial message (after a timeout or a flush), so the next byte starts fresh. */
  reset(): void;
  readonly stats: FramerStats;
}

export interface FramerStats {
  /** Messages emitted so far. */
  messages: number;
  /** Bytes thrown away (garbage, failed candidates, overlong lines, partial messages dropped by `reset`). */
  discardedBytes: number;
  /** Per-reason counters; each framer documents its reasons and what one count stands for. */
  errors: Record<string, number>;
}

/** Fresh stats with every reason the framer can report already present (at 0), so readers need no `?? 0`. */
export function createFramerStats(reasons: readonly string[]): FramerStats {
  const errors: Record<string, number> = {};
  for (const reason of reasons) errors[reason] = 0;
  return { messages: 0, discardedBytes: 0, errors };
}
