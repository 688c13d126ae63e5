/**
 * The device end of a real serial port — in practice one end of a pty pair — so a simulator can
 * run in its own process and the driver reaches it through the real binding.
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import { openSerialLink } from '../../drivers/transport/serial-link.ts';
import type { DeviceSideLink } from './link.ts';

export interface SerialDeviceSideLink extends DeviceSideLink {
  /** Closes the device's end. */
  close(): Promise<void>;
  /** Fires once when the device's end closes; `err` set when it vanished (e.g. socat died). */
  onClose(listener: (err?: Error) => void): () => void;
}

export interface DeviceSideSerialOptions {
  /** Name in error messages (default "simulator"). */
  device?: string;
  /** Default: the native binding. */
  binding?: BindingInterface;
  /** drained() resolves once at most this many sent bytes wait to be handed to the OS. Default 16 KiB. */
  drainLowWater?: number;
}

const DEFAULT_DRAIN_LOW_WATER = 16 * 1024;

/**
 * Opens `path` as the device. `drained()` follows the write backpressure of the port: it waits
 * while more than the low-water mark is still queued for the OS (a pty stops taking bytes when the
 * host does not read). A pty does not tell its device end when the host opens or closes the other
 * end, so `onHostOpen` and `onHostClose` listeners never fire here.
 */
export async function openDeviceSideSerial(path: string, opts: DeviceSideSerialOptions = {}): Promise<SerialDeviceSideLink> {
  const link = await openSerialLink({ device: opts.device ?? 'simulator', path, ...(opts.binding ? { binding: opts.binding } : {}) });
  const lowWater = opts.drainLowWater ?? DEFAULT_DRAIN_LOW_WATER;
  let queued = 0;
  let waiters: (() => void)[] = [];
  const release = (): void => {
    if (queued > lowWater || !link.isOpen || waiters.length === 0) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };
  return {
    path,
    onReceive: (listener) => link.onData(listener),
    send: (bytes) => {
      if (bytes.length === 0 || !link.isOpen) return;
      queued += bytes.length;
      link
        .write(bytes)
        // A write fails only when the port has gone; onClose reports that.
        .catch(() => undefined)
        .finally(() => {
          queued -= bytes.length;
          release();
        });
    },
    // While the port is closed nothing can drain: waiting keeps a producing loop from spinning.
    drained: () => {
      const drained = new Promise<void>((resolve) => waiters.push(resolve));
      release();
      return drained;
    },
    onHostOpen: () => () => undefined,
    onHostClose: () => () => undefined,
    onClose: (listener) => link.onClose(listener),
    close: () => link.close(),
  };
}
