import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSerialLink } from '../../../drivers/transport/serial-link.ts';
import type { ByteLink } from '../../../drivers/transport/serial-link.ts';
import { DeviceError, isDeviceError } from '../../../drivers/transport/errors.ts';
import { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';
import type { DeviceSideLink } from '../../../simulators/devices/link.ts';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A tiny device: answers every chunk in upper case and greets the host when it opens the port. */
function upperCaseDevice(received: Buffer[] = []): (link: DeviceSideLink) => void {
  return (link) => {
    link.onHostOpen(() => link.send(text('READY\n')));
    link.onReceive((chunk) => {
      received.push(Buffer.from(chunk));
      link.send(text(Buffer.from(chunk).toString('latin1').toUpperCase()));
    });
  };
}

function collect(link: ByteLink): { bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  link.onData((chunk) => chunks.push(chunk));
  return { bytes: () => Buffer.concat(chunks) };
}

async function closeError(link: ByteLink): Promise<Error | undefined> {
  return new Promise((resolve) => link.onClose(resolve));
}

let ports: SimulatedPorts;
afterEach(() => ports?.dispose());

describe('openSerialLink over SimulatedPorts', () => {
  it('carries bytes both ways: the device greets on open, and answers what the host writes', async () => {
    ports = new SimulatedPorts();
    const atDevice: Buffer[] = [];
    ports.attach('sim:amp0', upperCaseDevice(atDevice));
    const link = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    expect(link).toMatchObject({ device: 'amp0', path: 'sim:amp0', isOpen: true });
    const rx = collect(link);

    await link.write(text('1 *idn?\n'));
    await vi.waitFor(() => expect(rx.bytes().toString('latin1')).toBe('READY\n1 *IDN?\n'));
    expect(Buffer.concat(atDevice).toString('latin1')).toBe('1 *idn?\n');
    await link.close();
  });

  it('keeps bytes that arrive before the first subscriber', async () => {
    ports = new SimulatedPorts();
    ports.attach('sim:amp0', upperCaseDevice());
    const link = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    await new Promise((r) => setTimeout(r, 20));
    const rx = collect(link);
    await vi.waitFor(() => expect(rx.bytes().toString('latin1')).toBe('READY\n'));
    await link.close();
  });

  it('delivers many small writes in order, both to the device and back', async () => {
    ports = new SimulatedPorts();
    const atDevice: Buffer[] = [];
    ports.attach('sim:amp0', upperCaseDevice(atDevice));
    const link = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    const rx = collect(link);
    const lines = Array.from({ length: 2000 }, (_, i) => `${i} ping\n`);
    // Not awaited one by one: the writes queue up and must still arrive in order.
    await Promise.all(lines.map((line) => link.write(text(line))));
    const expected = lines.join('');
    await vi.waitFor(() => expect(rx.bytes().length).toBe('READY\n'.length + expected.length));
    expect(Buffer.concat(atDevice).toString('latin1')).toBe(expected);
    expect(rx.bytes().toString('latin1')).toBe('READY\n' + expected.toUpperCase());
    await link.close();
  });

  it('reports an unplug mid-stream to close listeners with a DISCONNECTED error, and reopens after replug', async () => {
    ports = new SimulatedPorts();
    let sent = 0;
    ports.attach('sim:dig0', (link) => {
      // Streams numbered bytes for as long as the process runs, as a digitizer would.
      const produce = async (): Promise<void> => {
        for (;;) {
          await link.drained();
          link.send(Uint8Array.from({ length: 256 }, (_, i) => (sent + i) & 0xff));
          sent += 256;
        }
      };
      void produce();
    });
    const link = await openSerialLink({ device: 'dig0', path: 'sim:dig0', binding: ports.binding });
    const rx = collect(link);
    const closed = closeError(link);
    await vi.waitFor(() => expect(rx.bytes().length).toBeGreaterThan(10_000));

    ports.unplug('sim:dig0');
    const err = await closed;
    expect(isDeviceError(err, 'DISCONNECTED')).toBe(true);
    expect(err?.message).toMatch(/dig0 on sim:dig0: .*unplugged/);
    expect(link.isOpen).toBe(false);
    // What arrived before the unplug is intact.
    const got = rx.bytes();
    expect(got.every((b, i) => b === (i & 0xff))).toBe(true);
    await expect(link.write(text('x'))).rejects.toMatchObject({ code: 'DISCONNECTED' });

    await expect(openSerialLink({ device: 'dig0', path: 'sim:dig0', binding: ports.binding })).rejects.toMatchObject({
      code: 'OPEN_FAILED',
      message: expect.stringMatching(/unplugged/),
    });

    ports.replug('sim:dig0');
    const again = await openSerialLink({ device: 'dig0', path: 'sim:dig0', binding: ports.binding });
    const rx2 = collect(again);
    await vi.waitFor(() => expect(rx2.bytes().length).toBeGreaterThan(1000));
    await again.close();
  });

  it('closes without an error on its own close(), tells the device, and can be reopened', async () => {
    ports = new SimulatedPorts();
    const events: string[] = [];
    ports.attach('sim:amp0', (link) => {
      link.onHostOpen(() => events.push('open'));
      link.onHostClose(() => events.push('close'));
      link.onReceive((chunk) => link.send(chunk));
    });
    const link = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    const closed = closeError(link);
    await link.close();
    expect(await closed).toBeUndefined();
    expect(link.isOpen).toBe(false);
    await expect(link.write(text('late'))).rejects.toMatchObject({ code: 'DISCONNECTED' });
    // A listener added after the close still hears about it.
    expect(await closeError(link)).toBeUndefined();

    const again = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    const rx = collect(again);
    await again.write(text('echo'));
    await vi.waitFor(() => expect(rx.bytes().toString()).toBe('echo'));
    await again.close();
    expect(events).toEqual(['open', 'close', 'open', 'close']);
  });

  it('flushInput discards bytes received but not read yet', async () => {
    ports = new SimulatedPorts();
    let device: DeviceSideLink | undefined;
    ports.attach('sim:amp0', (link) => {
      device = link;
    });
    const link = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    device?.send(text('3 OK stale reply\n'));
    await new Promise((r) => setTimeout(r, 10));
    await link.flushInput();
    device?.send(text('4 OK fresh\n'));
    const rx = collect(link);
    await vi.waitFor(() => expect(rx.bytes().toString()).toBe('4 OK fresh\n'));
    await link.close();
  });

  it('fails to open an unknown path with OPEN_FAILED naming the device, the path and the reason', async () => {
    ports = new SimulatedPorts();
    ports.attach('sim:amp0', upperCaseDevice());
    const err: unknown = await openSerialLink({ device: 'amp1', path: 'sim:amp1', binding: ports.binding }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeviceError);
    expect(err).toMatchObject({ code: 'OPEN_FAILED', device: 'amp1', port: 'sim:amp1' });
    expect((err as Error).message).toBe(
      'amp1 on sim:amp1: could not open the port: no such port: no simulated device is attached at sim:amp1 (attached: sim:amp0)',
    );
  });

  it('refuses a second open of a port that is already open', async () => {
    ports = new SimulatedPorts();
    ports.attach('sim:amp0', upperCaseDevice());
    const link = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    await expect(openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding })).rejects.toMatchObject({
      code: 'OPEN_FAILED',
      message: expect.stringMatching(/already open/),
    });
    await link.close();
  });
});

describe('openSerialLink with the native binding', () => {
  it('reports the OS reason when the device node does not exist', async () => {
    const path = '/dev/patchrig-no-such-port';
    await expect(openSerialLink({ device: 'amp0', path })).rejects.toMatchObject({
      code: 'OPEN_FAILED',
      message: expect.stringMatching(/^amp0 on \/dev\/patchrig-no-such-port: could not open the port: .*No such file/),
    });
  });
});
