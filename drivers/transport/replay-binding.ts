/**
 * Plays the device side of a recording: a driver opened on this binding must write exactly the
 * recorded bytes, and reads what the device answered back then.
 *
 * Host writes are compared as one byte stream per path (the host may chunk differently from the
 * recording). Each recorded rx chunk is released as soon as the host has written every tx byte
 * that preceded it in the recording — timing is not replayed, only order. Paths are independent.
 */
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
} from '@serialport/bindings-interface';
import { withDefaultOpenOptions } from './delegating-port.ts';
import { DeviceError, describeBytes } from './errors.ts';
import type { Recording } from './recording.ts';

export interface ReplayBinding extends BindingInterface {
  /** The first difference between what the host wrote and the recording (REPLAY_MISMATCH). */
  readonly mismatch: DeviceError | undefined;
  /** Every recorded event was consumed: all tx bytes written and all rx bytes read by the host. */
  readonly finished: boolean;
  /** What is left to consume, per path, in words (for test failure messages). */
  describeRemaining(): string;
}

export interface ReplayOptions {
  /** Device name in mismatch errors (default "replay"). */
  device?: string;
}

/** How many bytes of each side a mismatch message shows. */
const SHOWN = 16;

export function replayBinding(recording: Recording, opts: ReplayOptions = {}): ReplayBinding {
  const device = opts.device ?? 'replay';
  const scripts = new Map<string, ReplayScript>();
  for (const path of recording.ports) scripts.set(path, new ReplayScript(device, path));
  for (const e of recording.events) {
    const script = scripts.get(e.path) ?? new ReplayScript(device, e.path);
    scripts.set(e.path, script);
    script.add(e.dir, e.bytes);
  }
  for (const script of scripts.values()) script.seal();

  return {
    list: async (): Promise<PortInfo[]> =>
      [...scripts.keys()].map((path) => ({
        path,
        manufacturer: 'patchrig replay',
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        productId: undefined,
        vendorId: undefined,
      })),
    open: async (options: OpenOptions): Promise<BindingPortInterface> => {
      await Promise.resolve();
      const script = scripts.get(options.path);
      if (!script) {
        throw new Error(`${options.path} is not in the recording (recorded ports: ${[...scripts.keys()].join(', ') || 'none'})`);
      }
      return script.open(options);
    },
    get mismatch() {
      for (const script of scripts.values()) if (script.mismatch) return script.mismatch;
      return undefined;
    },
    get finished() {
      return [...scripts.values()].every((s) => s.finished);
    },
    describeRemaining: () =>
      [...scripts.values()]
        .map((s) => s.describeRemaining())
        .filter((s) => s !== '')
        .join('; ') || 'nothing',
  };
}

interface PendingRead {
  buffer: Buffer;
  offset: number;
  length: number;
  resolve: (result: { buffer: Buffer; bytesRead: number }) => void;
  reject: (err: Error) => void;
}

/** The recorded traffic of one path and how far the host has got through it. */
class ReplayScript {
  mismatch: DeviceError | undefined = undefined;
  #txParts: Uint8Array[] = [];
  #txLength = 0;
  #tx = new Uint8Array(0);
  /** Each rx chunk with the number of tx bytes written before it in the recording. */
  readonly #rx: { after: number; bytes: Uint8Array }[] = [];
  #txDone = 0;
  #rxReleased = 0;
  /** Released rx bytes the host has not read yet. */
  #unread: Buffer[] = [];
  #port: ReplayPort | undefined = undefined;

  constructor(
    readonly device: string,
    readonly path: string,
  ) {}

  add(dir: 'tx' | 'rx', bytes: Uint8Array): void {
    if (dir === 'tx') {
      this.#txParts.push(bytes);
      this.#txLength += bytes.length;
    } else {
      this.#rx.push({ after: this.#txLength, bytes });
    }
  }

  seal(): void {
    this.#tx = Buffer.concat(this.#txParts);
    this.#txParts = [];
  }

  get finished(): boolean {
    return this.#txDone === this.#tx.length && this.#rxReleased === this.#rx.length && this.#unread.length === 0;
  }

  describeRemaining(): string {
    const parts: string[] = [];
    if (this.#txDone < this.#tx.length) {
      parts.push(`${this.#tx.length - this.#txDone} tx byte(s) not written (next: ${describeBytes(this.#tx.subarray(this.#txDone, this.#txDone + SHOWN))})`);
    }
    const unreadRx = this.#rx.slice(this.#rxReleased).reduce((n, r) => n + r.bytes.length, 0) + this.#unread.reduce((n, b) => n + b.length, 0);
    if (unreadRx > 0) parts.push(`${unreadRx} rx byte(s) not read`);
    return parts.length ? `${this.path}: ${parts.join(', ')}` : '';
  }

  open(options: OpenOptions): ReplayPort {
    if (this.mismatch) throw this.mismatch;
    if (this.#port) throw new Error(`${this.path} is already open (the port is locked)`);
    const port = new ReplayPort(this, withDefaultOpenOptions(options));
    this.#port = port;
    this.#release(); // rx that precede any further tx
    return port;
  }

  closed(port: ReplayPort): void {
    if (this.#port === port) this.#port = undefined;
  }

  /** Checks a host write against the recording; throws (and remembers) REPLAY_MISMATCH. */
  written(chunk: Uint8Array): void {
    if (this.mismatch) throw this.mismatch;
    for (let i = 0; i < chunk.length; i++) {
      const at = this.#txDone + i;
      if (at >= this.#tx.length || this.#tx[at] !== chunk[i]) this.#fail(at, chunk.subarray(i));
    }
    this.#txDone += chunk.length;
    this.#release();
  }

  #fail(at: number, sent: Uint8Array): never {
    const shown = sent.subarray(0, SHOWN);
    const summary =
      at >= this.#tx.length
        ? `the host wrote past the end of the recording at tx byte offset ${at}: expected nothing more, sent ${describeBytes(shown)}`
        : `the host wrote what the recording does not have at tx byte offset ${at}: expected ${describeBytes(this.#tx.subarray(at, at + SHOWN))}, sent ${describeBytes(shown)}`;
    this.mismatch = new DeviceError(summary, { code: 'REPLAY_MISMATCH', device: this.device, port: this.path });
    this.#port?.failPendingRead(this.mismatch);
    throw this.mismatch;
  }

  #release(): void {
    while (this.#rxReleased < this.#rx.length) {
      const next = this.#rx[this.#rxReleased];
      if (!next || next.after > this.#txDone) break;
      this.#unread.push(Buffer.from(next.bytes));
      this.#rxReleased++;
    }
    if (this.#unread.length > 0) this.#port?.dataAvailable();
  }

  /** Moves up to `length` unread bytes into `buffer`; 0 when there are none. */
  take(buffer: Buffer, offset: number, length: number): number {
    let n = 0;
    while (n < length && this.#unread.length > 0) {
      const head = this.#unread[0] as Buffer;
      const count = Math.min(head.length, length - n);
      head.copy(buffer, offset + n, 0, count);
      n += count;
      if (count === head.length) this.#unread.shift();
      else this.#unread[0] = head.subarray(count);
    }
    return n;
  }
}

class CanceledError extends Error {
  readonly canceled = true;
}

class ReplayPort implements BindingPortInterface {
  isOpen = true;
  #pendingRead: PendingRead | undefined = undefined;

  constructor(
    private readonly script: ReplayScript,
    readonly openOptions: Required<OpenOptions>,
  ) {}

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw new Error('Port is not open');
    if (this.script.mismatch) throw this.script.mismatch;
    await Promise.resolve();
    const bytesRead = this.script.take(buffer, offset, length);
    if (bytesRead > 0) return { buffer, bytesRead };
    return new Promise((resolve, reject) => {
      this.#pendingRead = { buffer, offset, length, resolve, reject };
    });
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    await Promise.resolve();
    this.script.written(buffer);
  }

  dataAvailable(): void {
    const pending = this.#pendingRead;
    if (!pending) return;
    const bytesRead = this.script.take(pending.buffer, pending.offset, pending.length);
    if (bytesRead === 0) return;
    this.#pendingRead = undefined;
    pending.resolve({ buffer: pending.buffer, bytesRead });
  }

  failPendingRead(err: Error): void {
    const pending = this.#pendingRead;
    this.#pendingRead = undefined;
    pending?.reject(err);
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.failPendingRead(new CanceledError('port is closed'));
    this.script.closed(this);
  }

  async update(): Promise<void> {}
  async set(): Promise<void> {}
  async get(): Promise<PortStatus> {
    return { cts: true, dsr: true, dcd: true };
  }
  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }
  /**
   * Does not discard replayed input: recorded rx bytes are what the host read back then, so the
   * replayed host gets them too, whatever it flushes.
   */
  async flush(): Promise<void> {}
  async drain(): Promise<void> {}
}
