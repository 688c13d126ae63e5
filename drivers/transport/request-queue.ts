/**
 * One request in flight per port, first in first out, with timeouts, cancellation and
 * disconnects (device-protocols.md §10.1, DESIGN §9).
 *
 * The queue owns no port and no framer: the owner gives it a `write` function, feeds it every
 * decoded message (`deliver`) and the raw bytes (`noteBytes`, for error messages), and resyncs
 * its port and framer when asked (`onTimeout`).
 */
import { DeviceError } from './errors.ts';
import type { DeviceErrorCode } from './errors.ts';

/** How much of what came back during a request an error keeps (the last bytes). */
export const RECEIVED_BYTES_KEPT = 512;

export interface RequestQueueOptions {
  device: string;
  port: string;
  /** Sends bytes to the device; rejects if the port is closed. */
  write: (bytes: Uint8Array) => Promise<void>;
  /** Called after a timeout so the owner can flush its port and reset its framer (resync). */
  onTimeout?: () => void | Promise<void>;
  defaultTimeoutMs?: number; // 1000
}

export interface RequestSpec<M, R> {
  /** Human-readable command for errors, e.g. "12 MODE 1 VC". */
  command: string;
  bytes: Uint8Array;
  /** Called with each decoded incoming message while this request is in flight. Return
   *  {done: value} to resolve, {error: Error} to reject, or undefined if the message is not the reply
   *  (it then goes to the unsolicited handler). */
  match: (msg: M) => { done: R } | { error: Error } | undefined;
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Entry<M> {
  spec: RequestSpec<M, unknown>;
  timeoutMs: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onAbort: (() => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  settled: boolean;
}

/** Keeps the last RECEIVED_BYTES_KEPT bytes noted during the request in flight. */
class ReceivedTail {
  private readonly bytes = new Uint8Array(RECEIVED_BYTES_KEPT);
  private length = 0;

  clear(): void {
    this.length = 0;
  }

  add(chunk: Uint8Array): void {
    const room = this.bytes.length;
    if (chunk.length >= room) {
      this.bytes.set(chunk.subarray(chunk.length - room));
      this.length = room;
      return;
    }
    const overflow = this.length + chunk.length - room;
    if (overflow > 0) {
      this.bytes.copyWithin(0, overflow, this.length);
      this.length -= overflow;
    }
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }

  snapshot(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

export class RequestQueue<M> {
  private readonly device: string;
  private readonly port: string;
  private readonly write: (bytes: Uint8Array) => Promise<void>;
  private readonly onTimeout: (() => void | Promise<void>) | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly waiting: Entry<M>[] = [];
  private inFlight: Entry<M> | undefined;
  /** True while the owner resyncs after a timeout or abort; nothing is sent meanwhile. */
  private resyncing = false;
  private disconnected: { cause: unknown } | undefined;
  private readonly received = new ReceivedTail();

  constructor(opts: RequestQueueOptions) {
    const timeout = opts.defaultTimeoutMs ?? 1000;
    assertTimeout(timeout);
    this.device = opts.device;
    this.port = opts.port;
    this.write = opts.write;
    this.onTimeout = opts.onTimeout;
    this.defaultTimeoutMs = timeout;
  }

  /** Requests not settled yet: the one in flight plus those waiting. */
  get pending(): number {
    return this.waiting.length + (this.inFlight ? 1 : 0);
  }

  request<R>(spec: RequestSpec<M, R>): Promise<R> {
    const timeoutMs = spec.timeoutMs ?? this.defaultTimeoutMs;
    try {
      assertTimeout(timeoutMs);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.disconnected) {
      return Promise.reject(this.error('DISCONNECTED', 'port is disconnected', spec.command, this.disconnected.cause));
    }
    if (spec.signal?.aborted) {
      return Promise.reject(this.error('ABORTED', 'aborted before it was sent', spec.command, spec.signal.reason));
    }
    return new Promise<R>((resolve, reject) => {
      const entry: Entry<M> = {
        spec,
        timeoutMs,
        resolve: resolve as (value: unknown) => void,
        reject,
        onAbort: undefined,
        timer: undefined,
        settled: false,
      };
      const signal = spec.signal;
      if (signal) {
        entry.onAbort = () => this.abort(entry, signal.reason);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.waiting.push(entry);
      this.pump();
    });
  }

  deliver(msg: M): boolean {
    const entry = this.inFlight;
    if (!entry) return false;
    let verdict: { done: unknown } | { error: Error } | undefined;
    try {
      verdict = entry.spec.match(msg);
    } catch (e) {
      // A throwing matcher is a bug in the codec: fail this request rather than the owner's data handler.
      this.settle(entry, { error: e });
      this.pump();
      return true;
    }
    if (verdict === undefined) return false;
    this.settle(entry, 'error' in verdict ? { error: verdict.error } : { value: verdict.done });
    this.pump();
    return true;
  }

  noteBytes(chunk: Uint8Array): void {
    if (this.inFlight) this.received.add(chunk);
  }

  disconnect(cause?: unknown): void {
    this.disconnected = { cause };
    const current = this.inFlight;
    const queued = this.waiting.splice(0);
    if (current) {
      const received = this.received.snapshot();
      this.settle(current, { error: this.error('DISCONNECTED', 'port disconnected', current.spec.command, cause, received) });
    }
    for (const entry of queued) {
      this.settle(entry, { error: this.error('DISCONNECTED', 'port disconnected before it was sent', entry.spec.command, cause) });
    }
  }

  reopen(): void {
    this.disconnected = undefined;
    this.pump();
  }

  /** Sends the next waiting request if nothing is in flight and no resync is running. */
  private pump(): void {
    if (this.inFlight || this.resyncing || this.disconnected) return;
    const entry = this.waiting.shift();
    if (!entry) return;
    this.inFlight = entry;
    this.received.clear();
    // The timeout covers the write too: a write that never completes is a device that never answers.
    entry.timer = setTimeout(() => this.expire(entry), entry.timeoutMs);
    let written: Promise<void>;
    try {
      written = this.write(entry.spec.bytes);
    } catch (e) {
      written = Promise.reject(e);
    }
    written.then(undefined, (e: unknown) => {
      if (entry.settled) return;
      this.settle(entry, { error: this.error('DISCONNECTED', 'write failed', entry.spec.command, e) });
      this.pump();
    });
  }

  private expire(entry: Entry<M>): void {
    entry.timer = undefined;
    if (entry.settled) return;
    const received = this.received.snapshot();
    const error = this.error('TIMEOUT', `no reply within ${entry.timeoutMs} ms`, entry.spec.command, undefined, received);
    this.settle(entry, { error });
    this.resync();
  }

  private abort(entry: Entry<M>, reason: unknown): void {
    entry.onAbort = undefined; // registered with { once: true }: already gone
    if (entry.settled) return;
    if (entry !== this.inFlight) {
      const index = this.waiting.indexOf(entry);
      if (index !== -1) this.waiting.splice(index, 1);
      this.settle(entry, { error: this.error('ABORTED', 'aborted before it was sent', entry.spec.command, reason) });
      return;
    }
    const received = this.received.snapshot();
    const error = this.error('ABORTED', 'aborted while waiting for the reply', entry.spec.command, reason, received);
    this.settle(entry, { error });
    // The reply may still be on its way: resync exactly as after a timeout.
    this.resync();
  }

  /** Lets the owner flush its port and framer before the next request goes out. */
  private resync(): void {
    if (!this.onTimeout) {
      this.pump();
      return;
    }
    this.resyncing = true;
    const done = (): void => {
      this.resyncing = false;
      this.pump();
    };
    // The owner reports its own flush failures; the queue just carries on.
    let flushed: void | Promise<void>;
    try {
      flushed = this.onTimeout();
    } catch {
      done();
      return;
    }
    Promise.resolve(flushed).then(done, done);
  }

  /** Settles an entry once, releasing its timer and abort listener. */
  private settle(entry: Entry<M>, outcome: { value: unknown } | { error: unknown }): void {
    if (entry.settled) return;
    entry.settled = true;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.onAbort) entry.spec.signal?.removeEventListener('abort', entry.onAbort);
    entry.onAbort = undefined;
    if (this.inFlight === entry) this.inFlight = undefined;
    if ('error' in outcome) entry.reject(outcome.error);
    else entry.resolve(outcome.value);
  }

  private error(code: DeviceErrorCode, summary: string, command: string, cause?: unknown, received?: Uint8Array): DeviceError {
    return new DeviceError(summary, {
      code,
      device: this.device,
      port: this.port,
      command,
      ...(received !== undefined ? { received } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  }
}

/** setTimeout fires at once beyond this (with a warning), which would turn "wait long" into "fail now". */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function assertTimeout(ms: number): void {
  if (!(ms > 0 && ms <= MAX_TIMEOUT_MS)) {
    throw new RangeError(`timeout must be a number of ms in (0, ${MAX_TIMEOUT_MS}], got ${ms}`);
  }
}
