import { Buffer } from 'node:buffer';
import { DeviceError } from '../transport/errors.ts';
import { RequestQueue } from '../transport/request-queue.ts';
import { type Command, type HostLine, encodeCommand, errorCodeName, nextId, parseHostLine } from './line-codec.ts';

export interface ControlClientOptions {
  device: string;
  port: string;
  /** Sends one encoded line (with its LF) in the port's framing; rejects when the port is closed. */
  sendLine: (line: string) => Promise<void>;
  /** Flushes the port and the framer after a timeout or an abort. */
  resync: () => void | Promise<void>;
  defaultTimeoutMs?: number;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

type EventListener = (name: string, args: readonly string[]) => void;
type ProblemListener = (problem: string) => void;

/**
 * The host side of the patchrig control-line protocol for one port: numbers requests, keeps one
 * in flight, matches replies by id (a late reply to a request that timed out is dropped, never
 * taken for the next one), turns `ERR` replies into DeviceErrors and passes `!` events on.
 * Framing is the owner's: it feeds decoded lines to `handleLine`.
 */
export class ControlClient {
  private readonly queue: RequestQueue<HostLine>;
  private id = 0;
  private readonly eventListeners = new Set<EventListener>();
  private readonly problemListeners = new Set<ProblemListener>();
  /** Lines that were not replies to the request in flight and not events (late or garbled). */
  strayLines = 0;

  constructor(private readonly opts: ControlClientOptions) {
    this.queue = new RequestQueue<HostLine>({
      device: opts.device,
      port: opts.port,
      write: (bytes) => opts.sendLine(Buffer.from(bytes).toString('latin1')),
      onTimeout: opts.resync,
      defaultTimeoutMs: opts.defaultTimeoutMs ?? 1000,
    });
  }

  /** Sends a command and resolves with the values of its `OK` reply. */
  call(cmd: Command, opts: CallOptions = {}): Promise<string[]> {
    this.id = nextId(this.id);
    const id = this.id;
    const line = encodeCommand(id, cmd);
    const text = line.trimEnd();
    return this.queue.request<string[]>({
      command: text,
      bytes: Buffer.from(line, 'latin1'),
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      match: (msg) => {
        if (msg.kind === 'ok' && msg.id === id) return { done: msg.values };
        // id 0: the device could not read our id, so the error is about the line in flight.
        if (msg.kind === 'err' && (msg.id === id || msg.id === 0)) {
          const name = errorCodeName(msg.code);
          return {
            error: new DeviceError(`device answered ERR ${msg.code}${name ? ` (${name})` : ''}: ${msg.message}`, {
              code: 'DEVICE',
              device: this.opts.device,
              port: this.opts.port,
              command: text,
              deviceCode: msg.code,
            }),
          };
        }
        return undefined;
      },
    });
  }

  /** Feeds one decoded line from the device. */
  handleLine(line: string): void {
    const msg = parseHostLine(line);
    if (this.queue.deliver(msg)) return;
    if (msg.kind === 'event') {
      for (const l of this.eventListeners) l(msg.name, msg.args);
      return;
    }
    this.strayLines++;
    const why = msg.kind === 'invalid' ? `unreadable line (${msg.reason})` : `reply to no request in flight (id ${msg.id})`;
    for (const l of this.problemListeners) l(`${why}: ${JSON.stringify(line.slice(0, 80))}`);
  }

  noteBytes(chunk: Uint8Array): void {
    this.queue.noteBytes(chunk);
  }

  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Lines that could not be used: garbled, or late replies. Counted, reported, never acted on. */
  onProblem(listener: ProblemListener): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  disconnect(cause?: unknown): void {
    this.queue.disconnect(cause);
  }

  reopen(): void {
    this.queue.reopen();
  }

  get pending(): number {
    return this.queue.pending;
  }
}
