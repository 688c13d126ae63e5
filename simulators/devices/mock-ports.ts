/**
 * In-process serial ports for simulated devices, built on @serialport/binding-mock's port class.
 *
 * We construct `MockPortBinding` ourselves with a private port record instead of going through
 * `MockBinding.createPort/open`: that registry is module-global (shared by every test in the
 * process, wiped by anyone's `MockBinding.reset()`) and exists twice under ESM (the import is not
 * the instance `SerialPortMock` uses). Each SimulatedPorts is thus self-contained. binding-mock
 * has no hook for host writes, so our port wraps `write` and hands each chunk to the device.
 */
import { MockPortBinding } from '@serialport/binding-mock';
import type { MockPortInternal } from '@serialport/binding-mock';
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '@serialport/bindings-interface';
import { withDefaultOpenOptions } from '../../drivers/transport/delegating-port.ts';
import type { DeviceSideLink } from './link.ts';

export interface SimulatedPortsOptions {
  /**
   * `drained()` resolves once at most this many sent bytes are still waiting for the host to read
   * them. Default 16 KiB.
   */
  drainLowWater?: number;
}

const DEFAULT_DRAIN_LOW_WATER = 16 * 1024;
/** As large as SerialPortStream's read buffer, so a fast host reads in few large chunks. */
const MAX_READ_SIZE = 64 * 1024;
/**
 * The real setImmediate, taken before any test installs fake timers: pacing a simulator against
 * its reader is about event-loop turns, not simulated time.
 */
const nextTurn: (callback: () => void) => void = globalThis.setImmediate.bind(globalThis);

export class SimulatedPorts {
  /** A BindingInterface to pass to openSerialLink; opening a path gives a port wired to the attached device. */
  readonly binding: BindingInterface;
  readonly #slots = new Map<string, PortSlot>();
  readonly #lowWater: number;
  #disposed = false;

  constructor(opts: SimulatedPortsOptions = {}) {
    this.#lowWater = opts.drainLowWater ?? DEFAULT_DRAIN_LOW_WATER;
    this.binding = {
      list: async () => [...this.#slots.values()].filter((s) => !s.unplugged).map((s) => ({ ...s.info })),
      open: (options: OpenOptions) => this.#open(options),
    };
  }

  /** Registers a device at a path (e.g. "sim:amp0"); the device receives its DeviceSideLink. */
  attach(path: string, device: (link: DeviceSideLink) => void): void {
    if (this.#disposed) throw new Error(`cannot attach ${path}: the simulated ports were disposed`);
    if (this.#slots.has(path)) throw new Error(`a simulated device is already attached at ${path}`);
    const slot = new PortSlot(path, this.#lowWater);
    this.#slots.set(path, slot);
    device(slot.link);
  }

  /** Simulates unplugging: the host's port closes with an error; opening it again fails until replug(). */
  unplug(path: string): void {
    const slot = this.#slot(path);
    slot.unplugged = true;
    slot.host?.fail(new Error('the device was unplugged'));
  }

  replug(path: string): void {
    this.#slot(path).unplugged = false;
  }

  /**
   * Makes a device go silent (or speak again): host writes are swallowed and nothing it sends
   * reaches the host, to test timeouts. `drained()` waits while the device is silent.
   */
  silence(path: string, silent = true): void {
    const slot = this.#slot(path);
    slot.silent = silent;
    slot.checkDrained();
  }

  /**
   * Injects raw bytes to the host as if the device had sent them (line noise, garbage, partial
   * frames), even while the device is silent.
   */
  inject(path: string, bytes: Uint8Array): void {
    const host = this.#slot(path).host;
    if (!host || host.failed) throw new Error(`cannot inject into ${path}: the host does not have it open`);
    host.emit(bytes);
  }

  /** Whether the host currently has the port open. */
  isHostOpen(path: string): boolean {
    const host = this.#slots.get(path)?.host;
    return host !== undefined && !host.failed;
  }

  /**
   * Fails every open host port and forgets all devices. A device's pending `drained()` never
   * resolves afterwards, so a producing loop simply stops.
   */
  dispose(): void {
    this.#disposed = true;
    for (const slot of this.#slots.values()) slot.dispose();
    this.#slots.clear();
  }

  #slot(path: string): PortSlot {
    const slot = this.#slots.get(path);
    if (!slot) throw new Error(`no simulated device is attached at ${path}`);
    return slot;
  }

  async #open(options: OpenOptions): Promise<BindingPortInterface> {
    // Asynchronous like every real open.
    await Promise.resolve();
    const { path } = options;
    if (this.#disposed) throw new Error(`cannot open ${path}: the simulated ports were disposed`);
    const slot = this.#slots.get(path);
    if (!slot) {
      const known = [...this.#slots.keys()].join(', ') || 'none';
      throw new Error(`no such port: no simulated device is attached at ${path} (attached: ${known})`);
    }
    if (slot.unplugged) throw new Error(`no such port: the device at ${path} is unplugged`);
    if (slot.host) throw new Error(`${path} is already open (the port is locked)`);
    const port = new SimulatedHostPort(slot, withDefaultOpenOptions(options));
    slot.hostOpened(port);
    return port;
  }
}

/** One path: the attached device, its listeners and the host's port while it is open. */
class PortSlot {
  host: SimulatedHostPort | undefined = undefined;
  unplugged = false;
  silent = false;
  readonly info: PortInfo;
  readonly link: DeviceSideLink;
  readonly #receive = new Set<(chunk: Uint8Array) => void>();
  readonly #hostOpen = new Set<() => void>();
  readonly #hostClose = new Set<() => void>();
  #drainWaiters: (() => void)[] = [];
  #turnScheduled = false;
  #disposed = false;

  constructor(
    readonly path: string,
    private readonly lowWater: number,
  ) {
    this.info = {
      path,
      manufacturer: 'patchrig simulator',
      serialNumber: undefined,
      pnpId: undefined,
      locationId: undefined,
      productId: undefined,
      vendorId: undefined,
    };
    this.link = {
      path,
      onReceive: (listener) => subscribe(this.#receive, listener),
      send: (bytes) => this.#send(bytes),
      drained: () => this.#drained(),
      onHostClose: (listener) => subscribe(this.#hostClose, listener),
      onHostOpen: (listener) => subscribe(this.#hostOpen, listener),
    };
  }

  /** Whether bytes the device sends now reach a host. */
  #reachesHost(): boolean {
    return this.host !== undefined && !this.host.failed && !this.silent && !this.#disposed;
  }

  #send(bytes: Uint8Array): void {
    if (bytes.length === 0 || !this.#reachesHost()) return;
    this.host?.emit(bytes);
  }

  #drained(): Promise<void> {
    const drained = new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    this.checkDrained();
    return drained;
  }

  #isDrained(): boolean {
    // While no host can read, waiting (rather than resolving) keeps a producing loop from spinning.
    return this.#reachesHost() && (this.host?.backlog ?? 0) <= this.lowWater;
  }

  /**
   * Resolves the waiters in a later event-loop turn, never from a microtask: binding-mock moves
   * bytes with process.nextTick, so a device producing at full speed and a host reading it could
   * otherwise keep the microtask queue busy forever and starve timers and I/O.
   */
  checkDrained(): void {
    if (this.#turnScheduled || this.#drainWaiters.length === 0 || !this.#isDrained()) return;
    this.#turnScheduled = true;
    nextTurn(() => {
      this.#turnScheduled = false;
      if (!this.#isDrained()) return; // re-armed by the next host read, open or un-silence
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const resolve of waiters) resolve();
    });
  }

  hostOpened(port: SimulatedHostPort): void {
    this.host = port;
    notify(this.#hostOpen);
    this.checkDrained();
  }

  /** The host lost the port (its own close, or unplug): the device hears about it once. */
  hostGone(port: SimulatedHostPort): void {
    if (port.goneNotified) return;
    port.goneNotified = true;
    notify(this.#hostClose);
  }

  hostClosed(port: SimulatedHostPort): void {
    if (this.host === port) this.host = undefined;
    this.hostGone(port);
  }

  /** Hands a host write to the device, unless it is silent. */
  deliver(chunk: Uint8Array): void {
    if (this.silent || this.#disposed) return;
    for (const listener of [...this.#receive]) callSafely(() => listener(chunk));
  }

  dispose(): void {
    this.#disposed = true;
    this.host?.fail(new Error('the simulated ports were disposed'));
    this.#receive.clear();
    this.#hostOpen.clear();
    this.#hostClose.clear();
    this.#drainWaiters = [];
  }
}

/** The host's end of a simulated port: binding-mock's port plus a write hook and failure injection. */
class SimulatedHostPort implements BindingPortInterface {
  goneNotified = false;
  readonly #inner: MockPortBinding;
  readonly #slot: PortSlot;
  #failure: Error | undefined = undefined;
  readonly #failed: Promise<never>;
  #rejectFailed: (err: Error) => void = () => undefined;

  constructor(slot: PortSlot, openOptions: Required<OpenOptions>) {
    this.#slot = slot;
    const record: MockPortInternal = {
      data: Buffer.alloc(0),
      echo: false,
      record: false,
      info: slot.info,
      maxReadSize: MAX_READ_SIZE,
      openOpt: openOptions,
    };
    this.#inner = new MockPortBinding(record, openOptions);
    this.#failed = new Promise<never>((_resolve, reject) => {
      this.#rejectFailed = reject;
    });
    // Only ever observed through races; never an unhandled rejection.
    this.#failed.catch(() => undefined);
  }

  get openOptions(): Required<OpenOptions> {
    return this.#inner.openOptions;
  }
  get isOpen(): boolean {
    return this.#inner.isOpen;
  }
  get failed(): boolean {
    return this.#failure !== undefined;
  }
  /** Bytes sent by the device that the host has not read yet. */
  get backlog(): number {
    return this.#inner.port.data.length;
  }

  emit(bytes: Uint8Array): void {
    // emitData copies (it concatenates), so a view is enough.
    this.#inner.emitData(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  /**
   * Makes the pending and next reads and writes fail with a non-canceled error, which is how a
   * binding tells SerialPortStream that the port vanished (it then closes the port itself).
   */
  fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#rejectFailed(err);
    this.#slot.hostGone(this);
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (this.#failure) throw this.#failure;
    const reading = this.#inner.read(buffer, offset, length);
    reading.catch(() => undefined); // may lose the race below, then be canceled by close()
    const result = await Promise.race([reading, this.#failed]);
    this.#slot.checkDrained();
    return result;
  }

  async write(buffer: Buffer): Promise<void> {
    if (this.#failure) throw this.#failure;
    const chunk = Buffer.from(buffer);
    const writing = this.#inner.write(buffer);
    writing.catch(() => undefined);
    await Promise.race([writing, this.#failed]);
    // A separate microtask: the device never runs inside the host's write, and a device bug
    // does not show up as a failed host write. Writes are sequential, so order is kept.
    queueMicrotask(() => this.#slot.deliver(chunk));
  }

  async close(): Promise<void> {
    try {
      await this.#inner.close();
    } finally {
      this.#slot.hostClosed(this);
    }
  }

  async flush(): Promise<void> {
    await this.#inner.flush();
    this.#slot.checkDrained();
  }

  update(options: UpdateOptions): Promise<void> {
    return this.#inner.update(options);
  }
  set(options: SetOptions): Promise<void> {
    return this.#inner.set(options);
  }
  get(): Promise<PortStatus> {
    return this.#inner.get();
  }
  getBaudRate(): Promise<{ baudRate: number }> {
    return this.#inner.getBaudRate();
  }
  drain(): Promise<void> {
    return this.#inner.drain();
  }
}

function subscribe<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

function notify(listeners: Set<() => void>): void {
  for (const listener of [...listeners]) callSafely(listener);
}

/** A simulator's bug must not break the port it runs on; rethrown asynchronously so it is still seen. */
function callSafely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
