import { randomBytes } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SOCAT_REQUIRED, createPtyPair, hasSocat } from '../../../simulators/devices/pty-pair.ts';
import type { PtyPair } from '../../../simulators/devices/pty-pair.ts';
import { openDeviceSideSerial } from '../../../simulators/devices/serial-device-link.ts';
import type { SerialDeviceSideLink } from '../../../simulators/devices/serial-device-link.ts';
import { openSerialLink } from '../../../drivers/transport/serial-link.ts';
import type { ByteLink } from '../../../drivers/transport/serial-link.ts';

// In CI socat must be there (the tests then fail with SOCAT_REQUIRED); elsewhere they are skipped.
const skip = !hasSocat() && !process.env.CI;
if (skip) console.warn(`skipping the pty-pair tests: ${SOCAT_REQUIRED}`);

const exists = (path: string): Promise<boolean> => lstat(path).then(() => true, () => false);
const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let pair: PtyPair | undefined;
let device: SerialDeviceSideLink | undefined;
let host: ByteLink | undefined;
afterEach(async () => {
  await host?.close();
  await device?.close();
  await pair?.close();
  [pair, device, host] = [undefined, undefined, undefined];
});

describe.skipIf(skip)('pty pair with the real binding', () => {
  it('carries 1 MB intact each way between openSerialLink and openDeviceSideSerial', async () => {
    pair = await createPtyPair();
    device = await openDeviceSideSerial(pair.devicePath);
    host = await openSerialLink({ device: 'amp0', path: pair.hostPath });

    const up = randomBytes(1024 * 1024); // host → device
    const down = randomBytes(1024 * 1024); // device → host
    const atDevice: Buffer[] = [];
    const atHost: Buffer[] = [];
    let [deviceBytes, hostBytes] = [0, 0];
    device.onReceive((chunk) => {
      atDevice.push(Buffer.from(chunk));
      deviceBytes += chunk.length;
    });
    host.onData((chunk) => {
      atHost.push(chunk);
      hostBytes += chunk.length;
    });

    const sending = (async (d: SerialDeviceSideLink) => {
      for (let at = 0; at < down.length; at += 4096) {
        await d.drained();
        d.send(down.subarray(at, at + 4096));
      }
    })(device);
    for (let at = 0; at < up.length; at += 4096) await host.write(up.subarray(at, at + 4096));
    await sending;

    await vi.waitFor(() => expect([deviceBytes, hostBytes]).toEqual([up.length, down.length]), { timeout: 20_000 });
    expect(Buffer.concat(atDevice).equals(up)).toBe(true);
    expect(Buffer.concat(atHost).equals(down)).toBe(true);
  });

  it('lets the host close and reopen its end while the device keeps running', async () => {
    pair = await createPtyPair();
    const d = await openDeviceSideSerial(pair.devicePath);
    device = d;
    d.onReceive((chunk) => d.send(Buffer.from(Buffer.from(chunk).toString().toUpperCase())));
    for (const word of ['first', 'second']) {
      host = await openSerialLink({ device: 'amp0', path: pair.hostPath });
      const got: Buffer[] = [];
      host.onData((c) => got.push(c));
      await host.write(Buffer.from(`${word}\n`));
      await vi.waitFor(() => expect(Buffer.concat(got).toString()).toBe(`${word.toUpperCase()}\n`));
      await host.close();
      host = undefined;
    }
  });

  it('close kills socat and removes the links and the temporary directory; both ends see the hang-up', async () => {
    const p = await createPtyPair();
    pair = p;
    device = await openDeviceSideSerial(p.devicePath);
    host = await openSerialLink({ device: 'amp0', path: p.hostPath });
    expect(isRunning(p.pid)).toBe(true);
    const hostClosed = new Promise<Error | undefined>((resolve) => host?.onClose(resolve));
    const deviceClosed = new Promise<Error | undefined>((resolve) => device?.onClose(resolve));

    await p.close();
    expect(isRunning(p.pid)).toBe(false);
    expect(await exists(p.devicePath)).toBe(false);
    expect(await exists(p.hostPath)).toBe(false);
    expect(await exists(dirname(p.hostPath))).toBe(false);
    // The peer vanished: the link closes with an error instead of spinning on end-of-file.
    expect(await hostClosed).toMatchObject({ code: 'DISCONNECTED', message: expect.stringMatching(/amp0 on .*host/) });
    expect(await deviceClosed).toMatchObject({ code: 'DISCONNECTED' });
    expect(host.isOpen).toBe(false);
  });

  it('keeps a caller-given directory and removes only the links', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/patchrig-test-`);
    try {
      const p = await createPtyPair({ dir: `${dir}/ptys` });
      expect(p.devicePath).toBe(`${dir}/ptys/dev`);
      await p.close();
      expect(await exists(p.devicePath)).toBe(false);
      expect(await exists(`${dir}/ptys`)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('createPtyPair without socat', () => {
  it('rejects with a message saying what to install', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(hasSocat()).toBe(false);
      await expect(createPtyPair()).rejects.toThrow(
        'socat is required for pseudo-terminal devices (Debian package socat)',
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
