/**
 * A raw host for conformance tests: opens a simulated port through the real host-side link and
 * exchanges bytes, no driver in between, so what the device sends is compared byte for byte.
 */
import { Buffer } from 'node:buffer';
import { expect } from 'vitest';
import { type ByteLink, openSerialLink } from '../../../drivers/transport/serial-link.ts';
import type { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';

/**
 * Bytes from a hex dump as the protocol documents print them: lines of `0000  31 20 …` (the
 * offset column is dropped) or bare `A5 5A …`.
 */
export function hex(dump: string): Buffer {
  const bytes: number[] = [];
  for (const raw of dump.split('\n')) {
    const line = raw.trim().replace(/^[0-9A-Fa-f]{4}\s{2}/, '');
    if (line === '') continue;
    for (const token of line.split(/\s+/)) {
      if (!/^[0-9A-Fa-f]{2}$/.test(token)) throw new Error(`not a hex byte: ${JSON.stringify(token)} in ${JSON.stringify(raw)}`);
      bytes.push(parseInt(token, 16));
    }
  }
  return Buffer.from(bytes);
}

/** `31 20 4F 4B 0A` — how a failed comparison shows bytes, so it reads like the documents. */
export function spaced(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

export class RawHost {
  private received: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;

  private stopReading: (() => void) | undefined;

  private constructor(readonly link: ByteLink) {
    this.resume();
  }

  /** Stops reading: what the device sends piles up in the port (and then in the device). */
  pause(): void {
    this.stopReading?.();
    this.stopReading = undefined;
  }

  resume(): void {
    this.stopReading ??= this.link.onData((chunk) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiter?.();
    });
  }

  static async open(ports: SimulatedPorts, path: string): Promise<RawHost> {
    return new RawHost(await openSerialLink({ device: 'raw', path, binding: ports.binding }));
  }

  /** Bytes received and not consumed yet. */
  get pending(): Buffer {
    return this.received;
  }

  async send(bytes: Uint8Array | string): Promise<void> {
    await this.link.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Waits for `n` bytes and consumes them. */
  async take(n: number, timeoutMs = 2000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes; have ${this.received.length}: ${spaced(this.received.subarray(0, 64))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    const out = this.received.subarray(0, n);
    this.received = this.received.subarray(n);
    return Buffer.from(out);
  }

  /** Asserts that the next bytes the device sends are exactly `want`. */
  async expectBytes(want: Uint8Array, timeoutMs = 2000): Promise<void> {
    const got = await this.take(want.length, timeoutMs).catch((e: unknown) => {
      throw new Error(`expected ${spaced(want)}: ${(e as Error).message}`);
    });
    expect(spaced(got)).toBe(spaced(want));
  }

  /** Asserts that the device sends nothing (more) within `ms`. */
  async expectSilence(ms = 50): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    expect(spaced(this.received)).toBe('');
  }

  /** Reads one whole binary frame (header, payload and CRC) without judging it. */
  async takeFrame(timeoutMs = 2000): Promise<Buffer> {
    const head = await this.take(7, timeoutMs);
    const len = head.readUInt16LE(5);
    return Buffer.concat([head, await this.take(len + 2, timeoutMs)]);
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
