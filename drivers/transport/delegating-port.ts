import type { BindingPortInterface, OpenOptions, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-interface';

/**
 * A port that forwards every call to another port: the base of wrappers that watch a port
 * (recording, failure tracking) and override only what they watch.
 */
export class DelegatingPort implements BindingPortInterface {
  constructor(protected readonly inner: BindingPortInterface) {}
  get openOptions(): Required<OpenOptions> {
    return this.inner.openOptions;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    return this.inner.read(buffer, offset, length);
  }
  write(buffer: Buffer): Promise<void> {
    return this.inner.write(buffer);
  }
  update(options: UpdateOptions): Promise<void> {
    return this.inner.update(options);
  }
  set(options: SetOptions): Promise<void> {
    return this.inner.set(options);
  }
  get(): Promise<PortStatus> {
    return this.inner.get();
  }
  getBaudRate(): Promise<{ baudRate: number }> {
    return this.inner.getBaudRate();
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  drain(): Promise<void> {
    return this.inner.drain();
  }
}

/** What a port opened without further options reports (8N1, no flow control), as serialport does. */
export function withDefaultOpenOptions(options: OpenOptions): Required<OpenOptions> {
  return {
    dataBits: 8,
    lock: true,
    stopBits: 1,
    parity: 'none',
    rtscts: false,
    xon: false,
    xoff: false,
    xany: false,
    hupcl: true,
    ...options,
  } as Required<OpenOptions>;
}
