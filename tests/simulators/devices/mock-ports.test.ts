import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';
import type { DeviceSideLink } from '../../../simulators/devices/link.ts';
import { openSerialLink } from '../../../drivers/transport/serial-link.ts';
import type { ByteLink } from '../../../drivers/transport/serial-link.ts';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');

function capture(ports: SimulatedPorts, path: string): { link: () => DeviceSideLink; received: Buffer[] } {
  let captured: DeviceSideLink | undefined;
  const received: Buffer[] = [];
  ports.attach(path, (link) => {
    captured = link;
    link.onReceive((chunk) => received.push(Buffer.from(chunk)));
  });
  return {
    received,
    link: () => {
      if (!captured) throw new Error('device not attached');
      return captured;
    },
  };
}

function collect(link: ByteLink): { bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  link.onData((chunk) => chunks.push(chunk));
  return { bytes: () => Buffer.concat(chunks) };
}

let ports: SimulatedPorts;
afterEach(() => ports?.dispose());

describe('SimulatedPorts', () => {
  it('hands host writes to the device asynchronously, chunked as written', async () => {
    ports = new SimulatedPorts();
    const device = capture(ports, 'sim:amp0');
    const host = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    const writing = host.write(text('1 PING\n'));
    expect(device.received).toEqual([]); // not re-entered from inside write()
    await writing;
    await host.write(text('2 PI'));
    await host.write(text('NG\n'));
    await vi.waitFor(() => expect(device.received).toHaveLength(3));
    expect(device.received.map((b) => b.toString())).toEqual(['1 PING\n', '2 PI', 'NG\n']);
    await host.close();
  });

  it('keeps device sends and injected bytes in order', async () => {
    ports = new SimulatedPorts();
    const device = capture(ports, 'sim:amp0');
    const host = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    const rx = collect(host);
    device.link().send(text('1 OK\n'));
    ports.inject('sim:amp0', Uint8Array.of(0xff, 0x00));
    device.link().send(text('! RESET\n'));
    await vi.waitFor(() => expect(rx.bytes()).toEqual(Buffer.concat([text('1 OK\n'), Buffer.of(0xff, 0), text('! RESET\n')])));
    await host.close();
  });

  it('refuses to inject into a port the host has not opened', () => {
    ports = new SimulatedPorts();
    capture(ports, 'sim:amp0');
    expect(() => ports.inject('sim:amp0', text('x'))).toThrow('cannot inject into sim:amp0: the host does not have it open');
    expect(() => ports.inject('sim:nothing', text('x'))).toThrow('no simulated device is attached at sim:nothing');
  });

  it('silences a device: host writes are swallowed and its replies do not arrive, until it speaks again', async () => {
    ports = new SimulatedPorts();
    const device = capture(ports, 'sim:amp0');
    device.link().onReceive((chunk) => device.link().send(chunk));
    const host = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    const rx = collect(host);
    ports.silence('sim:amp0');
    await host.write(text('1 PING\n'));
    await new Promise((r) => setTimeout(r, 20));
    expect(device.received).toEqual([]);
    expect(rx.bytes().length).toBe(0);

    ports.silence('sim:amp0', false);
    await host.write(text('2 PING\n'));
    await vi.waitFor(() => expect(rx.bytes().toString()).toBe('2 PING\n'));
    await host.close();
  });

  it('tells the device when the host opens and closes the port, including an unplug', async () => {
    ports = new SimulatedPorts();
    const events: string[] = [];
    ports.attach('sim:amp0', (link) => {
      link.onHostOpen(() => events.push('open'));
      link.onHostClose(() => events.push('close'));
    });
    const first = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    await first.close();
    const second = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    const closed = new Promise<Error | undefined>((resolve) => second.onClose(resolve));
    ports.unplug('sim:amp0');
    expect(await closed).toMatchObject({ code: 'DISCONNECTED' });
    expect(events).toEqual(['open', 'close', 'open', 'close']);
    expect(ports.isHostOpen('sim:amp0')).toBe(false);
  });

  it('keeps separate instances apart, even on the same path (no module-global registry)', async () => {
    ports = new SimulatedPorts();
    const other = new SimulatedPorts();
    try {
      ports.attach('sim:amp0', (link) => link.onHostOpen(() => link.send(text('A'))));
      other.attach('sim:amp0', (link) => link.onHostOpen(() => link.send(text('B'))));
      const a = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
      const b = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: other.binding });
      const [rxA, rxB] = [collect(a), collect(b)];
      await vi.waitFor(() => expect([rxA.bytes().toString(), rxB.bytes().toString()]).toEqual(['A', 'B']));
      await Promise.all([a.close(), b.close()]);
      expect((await ports.binding.list()).map((p) => p.path)).toEqual(['sim:amp0']);
    } finally {
      other.dispose();
    }
  });

  it('lists attached devices that are plugged in', async () => {
    ports = new SimulatedPorts();
    ports.attach('sim:amp0', () => undefined);
    ports.attach('sim:dig0', () => undefined);
    ports.unplug('sim:dig0');
    expect((await ports.binding.list()).map((p) => p.path)).toEqual(['sim:amp0']);
  });

  it('fails open host ports on dispose', async () => {
    ports = new SimulatedPorts();
    capture(ports, 'sim:amp0');
    const host = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    const closed = new Promise<Error | undefined>((resolve) => host.onClose(resolve));
    ports.dispose();
    expect((await closed)?.message).toMatch(/disposed/);
  });

  it('makes drained() wait while no host has the port open', async () => {
    ports = new SimulatedPorts();
    const device = capture(ports, 'sim:amp0');
    let drained = false;
    void device.link().drained().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    const host = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: ports.binding });
    await vi.waitFor(() => expect(drained).toBe(true));
    await host.close();
  });

  it('bounds what a device at full speed has outstanding when the host reads slowly (10 MB)', async () => {
    const lowWater = 16 * 1024;
    const chunkSize = 4096;
    const total = 10 * 1024 * 1024;
    ports = new SimulatedPorts({ drainLowWater: lowWater });
    let sent = 0;
    let received = 0;
    let maxOutstanding = 0;
    const chunk = new Uint8Array(chunkSize);
    const producing = new Promise<void>((resolve) => {
      ports.attach('sim:dig0', (link) => {
        void (async () => {
          while (sent < total) {
            await link.drained();
            chunk.fill(sent / chunkSize);
            link.send(chunk);
            sent += chunkSize;
            maxOutstanding = Math.max(maxOutstanding, sent - received);
          }
          resolve();
        })();
      });
    });
    const host = await openSerialLink({ device: 'dig0', path: 'sim:dig0', binding: ports.binding });
    let intact = true;
    let pauses = 0;
    // A slow reader: after each chunk it stops listening for a millisecond.
    const listen = (): void => {
      const stop = host.onData((data) => {
        for (let i = 0; i < data.length; i++) {
          if (data[i] !== (Math.floor((received + i) / chunkSize) & 0xff)) intact = false;
        }
        received += data.length;
        stop();
        pauses++;
        setTimeout(listen, 1);
      });
    };
    listen();
    await producing;
    await vi.waitFor(() => expect(received).toBe(total), { timeout: 20_000 });
    expect(intact).toBe(true);
    // Bound: the binding holds at most lowWater + one chunk (the device sends only when drained),
    // the host stream reads ahead at most its 64 KiB buffer plus one 64 KiB read.
    const bound = lowWater + chunkSize + 2 * 64 * 1024;
    expect(maxOutstanding).toBeLessThanOrEqual(bound);
    // …and the device really was ahead of its reader, so the bound is what held it back.
    expect(maxOutstanding).toBeGreaterThan(lowWater);
    expect(pauses).toBeGreaterThan(50);
    await host.close();
  });
});
