/**
 * The host side of a serial port: a driver opens a path through a `BindingInterface` (the native
 * binding, SimulatedPorts, a replay…) and exchanges bytes, never knowing what is on the other end.
 */
import type { BindingInterface, BindingPortInterface, OpenOptions } from '@serialport/bindings-interface';
import { DelegatingPort } from './delegating-port.ts';
import { SerialPortStream } from '@serialport/stream';
import { DeviceError, isDeviceError } from './errors.ts';

export interface ByteLink {
  readonly device: string;
  readonly path: string;
  readonly isOpen: boolean;
  /** Resolves once the bytes are handed to the OS/binding (after drain); rejects with DISCONNECTED if closed. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Subscribes to received bytes; returns the unsubscribe function. While nobody listens, bytes are
   * held (up to the stream's buffer, then the OS's or the device's), so none are lost between
   * `openSerialLink` and the first subscription.
   */
  onData(listener: (chunk: Buffer) => void): () => void;
  /**
   * Fires once when the port closes, for any reason; `err` set when it vanished or failed (not on
   * our own close()). A listener added after the close is called on the next microtask.
   */
  onClose(listener: (err?: Error) => void): () => void;
  /**
   * Discards bytes the OS has received but we have not read (used for resync after a timeout).
   * The binding's flush also drops output the OS has not transmitted yet, so call it before
   * writing the next request, not right after one.
   */
  flushInput(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenLinkOptions {
  /** Device name from the rig configuration, used in error messages (e.g. "amp0"). */
  device: string;
  path: string;
  /** Default 115200; ignored by pseudo-terminals and simulated ports. */
  baudRate?: number;
  /** Default: the native binding of serialport 13 (loaded only when needed). */
  binding?: BindingInterface;
}

const DEFAULT_BAUD_RATE = 115_200;

/** Opens `opts.path` and resolves once the port is open; rejects with an OPEN_FAILED DeviceError. */
export async function openSerialLink(opts: OpenLinkOptions): Promise<ByteLink> {
  const binding = opts.binding ?? (await nativeBinding());
  const failures = new FailureLog();
  const stream = new SerialPortStream({
    binding: observedBinding(binding, failures),
    path: opts.path,
    baudRate: opts.baudRate ?? DEFAULT_BAUD_RATE,
    autoOpen: false,
  });
  // Errors reach callers through write/close promises and onClose; an unhandled 'error' event
  // would crash the process.
  stream.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      stream.open((err) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    throw new DeviceError(`could not open the port: ${reasonOf(err)}`, {
      code: 'OPEN_FAILED',
      device: opts.device,
      port: opts.path,
      cause: err,
    });
  }
  return new SerialByteLink(opts.device, opts.path, stream, failures);
}

async function nativeBinding(): Promise<BindingInterface> {
  // Imported lazily: simulated and replayed rigs never load the native addon.
  const { SerialPort } = await import('serialport');
  return SerialPort.binding;
}

/** Remembers the first real failure of the port, which SerialPortStream reduces to a message. */
class FailureLog {
  first: unknown = undefined;
  note(err: unknown): void {
    if (this.first === undefined && !isCanceled(err)) this.first = err;
  }
}

function isCanceled(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { canceled?: unknown }).canceled === true;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function observedBinding(inner: BindingInterface, failures: FailureLog): BindingInterface {
  return {
    list: () => inner.list(),
    open: async (options: OpenOptions) => new ObservedPort(await inner.open(options), failures),
  };
}

/** Passes everything through, noting read/write failures so close listeners get the real cause. */
class ObservedPort extends DelegatingPort {
  /** Set by the link: called when the OS reports that the port hung up. */
  onHangup: ((err: Error) => void) | undefined = undefined;

  constructor(
    inner: BindingPortInterface,
    private readonly failures: FailureLog,
  ) {
    super(inner);
    watchHangup(inner, (err) => {
      failures.note(err);
      this.onHangup?.(err);
    });
  }
  override async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    try {
      return await this.inner.read(buffer, offset, length);
    } catch (err) {
      this.failures.note(err);
      throw err;
    }
  }
  override async write(buffer: Buffer): Promise<void> {
    try {
      await this.inner.write(buffer);
    } catch (err) {
      this.failures.note(err);
      throw err;
    }
  }
}

interface PollerLike {
  once(event: 'disconnect', listener: (err: Error | null) => void): unknown;
}

/**
 * When the peer of a pty dies (or a USB device goes), bindings-cpp's read sees end-of-file and
 * retries forever without reporting anything. Its poller does see the hang-up, so we listen for it
 * and fail the port. This must be registered before the first read: registering while a read
 * waits would replace that read's poll. Ports without a poller (simulated ones) report vanishing
 * through a failing read instead.
 */
function watchHangup(port: BindingPortInterface, onHangup: (err: Error) => void): void {
  const poller = (port as { poller?: unknown }).poller;
  if (typeof poller !== 'object' || poller === null) return;
  if (typeof (poller as { once?: unknown }).once !== 'function') return;
  (poller as PollerLike).once('disconnect', (err) => {
    if (isCanceled(err) || !port.isOpen) return;
    onHangup(new Error(`the port hung up${err ? ` (${err.message})` : ''}`, err ? { cause: err } : undefined));
  });
}

class SerialByteLink implements ByteLink {
  readonly #stream: SerialPortStream;
  readonly #failures: FailureLog;
  readonly #dataListeners = new Set<(chunk: Buffer) => void>();
  readonly #closeListeners = new Set<(err?: Error) => void>();
  readonly #pendingWrites = new Set<(err: Error) => void>();
  #closed = false;
  #closeError: Error | undefined = undefined;
  #closeRequested = false;
  #discarding = false;

  constructor(
    readonly device: string,
    readonly path: string,
    stream: SerialPortStream,
    failures: FailureLog,
  ) {
    this.#stream = stream;
    this.#failures = failures;
    if (stream.port instanceof ObservedPort) stream.port.onHangup = (err) => this.#fail(err);
    stream.on('close', (err: unknown) => this.#finish(err));
    stream.on('data', (chunk: Buffer) => this.#deliver(chunk));
    // Paused until someone listens; the stream still reads ahead into its buffer, so a port that
    // vanishes is noticed even before the first subscription.
    stream.pause();
  }

  get isOpen(): boolean {
    return !this.#closed && this.#stream.isOpen;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(this.#closedError('cannot write'));
    if (bytes.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const abandon = (err: Error): void => {
        this.#pendingWrites.delete(abandon);
        reject(err);
      };
      this.#pendingWrites.add(abandon);
      // A copy: the caller may reuse its buffer as soon as write() returns.
      this.#stream.write(Buffer.from(bytes), (err: Error | null | undefined) => {
        this.#pendingWrites.delete(abandon);
        if (err) reject(this.#writeError(err));
        else resolve();
      });
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.#dataListeners.add(listener);
    if (this.#dataListeners.size === 1 && !this.#closed) this.#stream.resume();
    return () => {
      if (!this.#dataListeners.delete(listener)) return;
      if (this.#dataListeners.size === 0 && !this.#closed) this.#stream.pause();
    };
  }

  onClose(listener: (err?: Error) => void): () => void {
    if (this.#closed) {
      const err = this.#closeError;
      queueMicrotask(() => listener(err));
      return () => undefined;
    }
    this.#closeListeners.add(listener);
    return () => {
      this.#closeListeners.delete(listener);
    };
  }

  async flushInput(): Promise<void> {
    if (!this.isOpen) throw this.#closedError('cannot flush');
    await new Promise<void>((resolve, reject) => {
      this.#stream.flush((err) => (err ? reject(this.#writeError(err)) : resolve()));
    });
    // Bytes the stream already read ahead are as stale as those the OS dropped.
    this.#discarding = true;
    try {
      while (this.#stream.read() !== null) {
        // read() hands each chunk to the 'data' handler, which drops it while discarding.
      }
    } finally {
      this.#discarding = false;
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const closed = new Promise<void>((resolve) => {
      this.#closeListeners.add(() => resolve());
    });
    // A close already under way (the port failed) keeps its error.
    if (!this.#stream.closing && this.#failures.first === undefined) this.#closeRequested = true;
    if (this.#stream.isOpen) {
      this.#stream.close((err) => {
        // The binding failed to close: the port is unusable either way.
        if (err) this.#finish(undefined);
      });
    } else if (!this.#stream.closing) {
      this.#finish(undefined);
    }
    return closed;
  }

  #deliver(chunk: Buffer): void {
    if (this.#discarding) return;
    for (const listener of [...this.#dataListeners]) {
      try {
        listener(chunk);
      } catch (err) {
        // A listener's bug must not break the stream's read loop; rethrown so it is still seen.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  #fail(err: Error): void {
    if (this.#closed || this.#stream.closing || !this.#stream.isOpen) return;
    this.#stream.close(undefined, err);
  }

  #finish(streamError: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = this.#closeRequested ? undefined : this.#vanishedError(streamError);
    const pendingError = this.#closeError ?? this.#closedError('the write did not complete');
    for (const abandon of [...this.#pendingWrites]) abandon(pendingError);
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    this.#dataListeners.clear();
    for (const listener of listeners) listener(this.#closeError);
    // Releases writes still queued in the stream; they were rejected above.
    queueMicrotask(() => this.#stream.destroy());
  }

  #vanishedError(streamError: unknown): Error {
    const first = this.#failures.first;
    if (isDeviceError(first)) return first;
    const cause = first ?? streamError;
    const reason = cause instanceof Error ? cause.message : 'closed by the other side';
    return new DeviceError(`the port closed unexpectedly (${reason})`, {
      code: 'DISCONNECTED',
      device: this.device,
      port: this.path,
      cause,
    });
  }

  #closedError(what: string): DeviceError {
    if (isDeviceError(this.#closeError)) return this.#closeError;
    return new DeviceError(`${what}: the port is closed`, {
      code: 'DISCONNECTED',
      device: this.device,
      port: this.path,
    });
  }

  #writeError(err: Error): DeviceError {
    if (isDeviceError(err)) return err;
    const first = this.#failures.first;
    if (isDeviceError(first)) return first;
    return new DeviceError(`write failed: ${err.message}`, {
      code: 'DISCONNECTED',
      device: this.device,
      port: this.path,
      cause: err,
    });
  }
}
