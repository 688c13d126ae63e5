import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrafficRecorder, loadRecording, parseRecording, recordingBinding } from '../../../drivers/transport/recording.ts';
import type { Recording } from '../../../drivers/transport/recording.ts';
import { replayBinding } from '../../../drivers/transport/replay-binding.ts';
import { openSerialLink } from '../../../drivers/transport/serial-link.ts';
import type { ByteLink } from '../../../drivers/transport/serial-link.ts';
import { describeBytes, isDeviceError } from '../../../drivers/transport/errors.ts';
import type { BindingInterface } from '@serialport/bindings-interface';
import { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const REQUESTS = ['1 ping\n', '2 *idn?\n', '3 mode 1 vc\n'];

/** A line device that greets on open and answers each line in upper case. */
function attachUpperCaseDevice(ports: SimulatedPorts, path: string): void {
  ports.attach(path, (link) => {
    link.onHostOpen(() => link.send(text('! RESET\n')));
    link.onReceive((chunk) => link.send(text(Buffer.from(chunk).toString('latin1').toUpperCase())));
  });
}

/** A small driver: waits for the greeting, then sends each request in pieces of `pieceSize` and waits for its answer. */
async function converse(link: ByteLink, pieceSize = Infinity): Promise<string> {
  const got: Buffer[] = [];
  link.onData((c) => got.push(c));
  const received = (): string => Buffer.concat(got).toString('latin1');
  const soon = { interval: 2 };
  await vi.waitFor(() => expect(received()).toBe('! RESET\n'), soon);
  let expected = '! RESET\n';
  for (const request of REQUESTS) {
    const bytes = text(request);
    for (let at = 0; at < bytes.length; at += pieceSize) await link.write(bytes.subarray(at, at + pieceSize));
    expected += request.toUpperCase();
    await vi.waitFor(() => expect(received()).toBe(expected), soon);
  }
  return received();
}

let dir: string;
let ports: SimulatedPorts;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchrig-replay-'));
});
afterEach(async () => {
  ports?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Records one conversation with the simulated device, saves it and loads it back. */
async function recordSession(): Promise<{ recording: Recording; original: string }> {
  ports = new SimulatedPorts();
  attachUpperCaseDevice(ports, 'sim:amp0');
  const recorder = new TrafficRecorder();
  const link = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: recordingBinding(ports.binding, recorder) });
  const original = await converse(link);
  await link.close();
  const file = join(dir, 'amp0.jsonl');
  await recorder.save(file);
  return { recording: await loadRecording(file), original };
}

function open(binding: BindingInterface): Promise<ByteLink> {
  return openSerialLink({ device: 'amp0', path: 'sim:amp0', binding });
}

describe('replayBinding', () => {
  it('plays back a recorded session: the driver gets the same bytes without the device', async () => {
    const { recording, original } = await recordSession();
    expect(recording.ports).toEqual(['sim:amp0']);
    const replay = replayBinding(recording);
    const link = await open(replay);
    expect(await converse(link)).toBe(original);
    await link.close();
    expect(replay.mismatch).toBeUndefined();
    expect(replay.finished).toBe(true);
    expect(replay.describeRemaining()).toBe('nothing');
  });

  it('compares host writes as a byte stream, whatever the chunking', async () => {
    const { recording, original } = await recordSession();
    for (const pieceSize of [1, 3]) {
      const replay = replayBinding(recording);
      const link = await open(replay);
      expect(await converse(link, pieceSize)).toBe(original);
      await link.close();
      expect(replay.finished).toBe(true);
    }
  });

  it('fails clearly when the host writes a byte the recording does not have', async () => {
    const { recording } = await recordSession();
    const replay = replayBinding(recording);
    const link = await open(replay);
    const closed = new Promise<Error | undefined>((resolve) => link.onClose(resolve));
    const got: Buffer[] = [];
    link.onData((c) => got.push(c));
    await vi.waitFor(() => expect(Buffer.concat(got).toString()).toBe('! RESET\n'));

    const err: unknown = await link.write(text('1 pong\n')).catch((e: unknown) => e);
    expect(isDeviceError(err, 'REPLAY_MISMATCH')).toBe(true);
    expect((err as Error).message).toBe(
      'replay on sim:amp0: the host wrote what the recording does not have at tx byte offset 3: ' +
        `expected ${describeBytes(text('ing\n2 *idn?\n3 mo'))}, sent ${describeBytes(text('ong\n'))}`,
    );
    expect(replay.mismatch).toBe(err);
    expect(replay.finished).toBe(false);
    // The port fails: the waiting reader hears the same error, and so does the next write.
    expect(await closed).toBe(err);
    await expect(link.write(text('2 *idn?\n'))).rejects.toBe(err);
  });

  it('fails when the host writes past the end of the recording', async () => {
    const { recording } = await recordSession();
    const replay = replayBinding(recording);
    const link = await open(replay);
    await converse(link);
    const total = REQUESTS.join('').length;
    await expect(link.write(text('4 extra\n'))).rejects.toMatchObject({
      code: 'REPLAY_MISMATCH',
      message: `replay on sim:amp0: the host wrote past the end of the recording at tx byte offset ${total}: expected nothing more, sent ${describeBytes(text('4 extra\n'))}`,
    });
    expect(replay.mismatch?.code).toBe('REPLAY_MISMATCH');
  });

  it('is not finished while recorded traffic remains, and says what remains', async () => {
    const { recording } = await recordSession();
    const replay = replayBinding(recording);
    const link = await open(replay);
    const got: Buffer[] = [];
    link.onData((c) => got.push(c));
    await link.write(text('1 ping\n'));
    await vi.waitFor(() => expect(Buffer.concat(got).toString()).toBe('! RESET\n1 PING\n'));
    await link.close();
    expect(replay.finished).toBe(false);
    expect(replay.describeRemaining()).toMatch(/^sim:amp0: 20 tx byte\(s\) not written \(next: 16 byte\(s\): .*"2 \*idn\?\.3 mode 1"\), 20 rx byte\(s\) not read$/);
  });

  it('releases each rx chunk only once the tx before it is written, per path, from a hand-written recording', async () => {
    const hex = (s: string): string => text(s).toString('hex');
    const line = (path: string, dir: string, s: string): string => JSON.stringify({ t: 0, path, dir, hex: hex(s) });
    const recording = parseRecording(
      [
        '{"format":"patchrig-serial-recording","version":1,"createdAt":"2026-01-01T00:00:00Z","ports":["sim:amp0","sim:dig0"]}',
        line('sim:amp0', 'tx', '1 START\n'),
        line('sim:dig0', 'rx', 'block-1;'),
        line('sim:amp0', 'rx', '1 OK\n'),
        line('sim:dig0', 'tx', 'ack\n'),
        line('sim:dig0', 'rx', 'block-2;'),
      ].join('\n'),
    );
    const replay = replayBinding(recording);
    const dig = await openSerialLink({ device: 'dig0', path: 'sim:dig0', binding: replay });
    const amp = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: replay });
    const fromDig: Buffer[] = [];
    const fromAmp: Buffer[] = [];
    dig.onData((c) => fromDig.push(c));
    amp.onData((c) => fromAmp.push(c));
    // Paths are independent: dig0's first block preceded any of its own tx, so it comes at open.
    await vi.waitFor(() => expect(Buffer.concat(fromDig).toString()).toBe('block-1;'));
    await new Promise((r) => setTimeout(r, 20));
    expect(Buffer.concat(fromAmp).toString()).toBe('');
    await amp.write(text('1 START\n'));
    await vi.waitFor(() => expect(Buffer.concat(fromAmp).toString()).toBe('1 OK\n'));
    expect(Buffer.concat(fromDig).toString()).toBe('block-1;');
    await dig.write(text('ack\n'));
    await vi.waitFor(() => expect(Buffer.concat(fromDig).toString()).toBe('block-1;block-2;'));
    expect(replay.finished).toBe(true);
    await Promise.all([amp.close(), dig.close()]);
    expect((await replay.list()).map((p) => p.path)).toEqual(['sim:amp0', 'sim:dig0']);
  });

  it('refuses to open a path that is not in the recording', async () => {
    const { recording } = await recordSession();
    await expect(
      openSerialLink({ device: 'amp1', path: 'sim:amp1', binding: replayBinding(recording) }),
    ).rejects.toMatchObject({
      code: 'OPEN_FAILED',
      message: 'amp1 on sim:amp1: could not open the port: sim:amp1 is not in the recording (recorded ports: sim:amp0)',
    });
  });
});
