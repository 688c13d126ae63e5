import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  RecordingFormatError,
  TrafficRecorder,
  loadRecording,
  parseRecording,
  recordingBinding,
} from '../../../drivers/transport/recording.ts';
import { openSerialLink } from '../../../drivers/transport/serial-link.ts';
import { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const hex = (s: string): string => text(s).toString('hex');

let dir: string;
let ports: SimulatedPorts;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchrig-recording-'));
});
afterEach(async () => {
  ports?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('recordingBinding + TrafficRecorder', () => {
  it('records each chunk the host writes and reads, per path, with seconds since open', async () => {
    let clock = 1000; // ms
    const recorder = new TrafficRecorder({ now: () => clock });
    ports = new SimulatedPorts();
    ports.attach('sim:amp0', (link) => {
      link.onHostOpen(() => link.send(text('! RESET\n')));
      link.onReceive((chunk) => link.send(text(Buffer.from(chunk).toString().toUpperCase())));
    });
    const link = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding: recordingBinding(ports.binding, recorder) });
    const got: Buffer[] = [];
    link.onData((c) => got.push(c));
    await vi.waitFor(() => expect(Buffer.concat(got).toString()).toBe('! RESET\n'));
    clock += 12.3456789;
    await link.write(text('1 ping\n'));
    await vi.waitFor(() => expect(Buffer.concat(got).toString()).toBe('! RESET\n1 PING\n'));
    await link.close();

    expect(recorder.events.map((e) => [e.t, e.path, e.dir, Buffer.from(e.bytes).toString()])).toEqual([
      [0, 'sim:amp0', 'rx', '! RESET\n'],
      [expect.closeTo(0.0123456789, 12), 'sim:amp0', 'tx', '1 ping\n'],
      [expect.closeTo(0.0123456789, 12), 'sim:amp0', 'rx', '1 PING\n'],
    ]);

    const file = join(dir, 'session.jsonl');
    await recorder.save(file);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const header: unknown = JSON.parse(lines[0] ?? '');
    expect(header).toEqual({
      format: 'patchrig-serial-recording',
      version: 1,
      createdAt: recorder.createdAt,
      ports: ['sim:amp0'],
    });
    expect(new Date(recorder.createdAt).toISOString()).toBe(recorder.createdAt);
    expect(lines.slice(1)).toEqual([
      `{"t":0,"path":"sim:amp0","dir":"rx","hex":"${hex('! RESET\n')}"}`,
      `{"t":0.012346,"path":"sim:amp0","dir":"tx","hex":"${hex('1 ping\n')}"}`,
      `{"t":0.012346,"path":"sim:amp0","dir":"rx","hex":"${hex('1 PING\n')}"}`,
    ]);

    const loaded = await loadRecording(file);
    expect(loaded.ports).toEqual(['sim:amp0']);
    expect(loaded.events.map((e) => [e.dir, Buffer.from(e.bytes).toString()])).toEqual([
      ['rx', '! RESET\n'],
      ['tx', '1 ping\n'],
      ['rx', '1 PING\n'],
    ]);
  });

  it('times each path from its own first open, and keeps counting across a reopen', async () => {
    let clock = 0;
    const recorder = new TrafficRecorder({ now: () => clock });
    ports = new SimulatedPorts();
    for (const path of ['sim:amp0', 'sim:dig0']) ports.attach(path, (link) => link.onReceive((c) => link.send(c)));
    const binding = recordingBinding(ports.binding, recorder);
    const amp = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding });
    clock = 500;
    const dig = await openSerialLink({ device: 'dig0', path: 'sim:dig0', binding });
    clock = 1000;
    await dig.write(text('d'));
    await amp.write(text('a'));
    await amp.close();
    const again = await openSerialLink({ device: 'amp0', path: 'sim:amp0', binding });
    clock = 2000;
    await again.write(text('b'));
    await Promise.all([again.close(), dig.close()]);

    const tx = recorder.events.filter((e) => e.dir === 'tx').map((e) => [e.path, e.t]);
    expect(tx).toEqual([
      ['sim:dig0', 0.5],
      ['sim:amp0', 1],
      ['sim:amp0', 2],
    ]);
    expect(recorder.toRecording().ports).toEqual(['sim:amp0', 'sim:dig0']);
  });
});

describe('loadRecording', () => {
  const header = '{"format":"patchrig-serial-recording","version":1,"createdAt":"2026-01-01T00:00:00.000Z","ports":["sim:amp0"]}';

  async function problemWith(content: string): Promise<RecordingFormatError> {
    const file = join(dir, 'bad.jsonl');
    await writeFile(file, content);
    const err: unknown = await loadRecording(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordingFormatError);
    return err as RecordingFormatError;
  }

  it('says which line is wrong and why', async () => {
    const file = join(dir, 'bad.jsonl');
    const ok = '{"t":0.1,"path":"sim:amp0","dir":"tx","hex":"3120"}';
    expect((await problemWith(`${header}\n${ok}\n{"t":0.2,"path":"sim:amp0","dir":"rx","hex":"3g"}\n`)).message).toBe(
      `${file} line 3: "hex" must be a non-empty even-length hex string, got "3g"`,
    );
    expect((await problemWith(`${header}\n${ok}\n${ok.replace('"tx"', '"up"')}\n`)).message).toBe(
      `${file} line 3: "dir" must be "tx" or "rx", got "up"`,
    );
    expect((await problemWith(`${header}\n${ok.replace('sim:amp0', 'sim:amp9')}\n`)).message).toBe(
      `${file} line 2: "path" must be one of the ports in the header (sim:amp0), got "sim:amp9"`,
    );
    expect((await problemWith(`${header}\n${ok.replace('0.1', '-1')}\n`)).message).toBe(
      `${file} line 2: "t" must be a number of seconds ≥ 0, got -1`,
    );
    const notJson = await problemWith(`${header}\n${ok}\n\n{"t":0.3,\n`);
    expect(notJson.line).toBe(4);
    expect(notJson.message).toMatch(new RegExp(`^${file} line 4: not valid JSON`));
  });

  it('rejects files that are not recordings, or of another version', async () => {
    expect((await problemWith('{"format":"something-else","version":1}\n')).message).toMatch(
      /line 1: not a patchrig serial recording \(expected "format":"patchrig-serial-recording", got "something-else"\)/,
    );
    expect((await problemWith(header.replace('"version":1', '"version":2'))).message).toMatch(
      /line 1: unsupported version 2 \(this build reads version 1\)/,
    );
    expect((await problemWith('')).message).toMatch(/line 1: empty; expected the header/);
    expect((await problemWith('[1,2]\n')).message).toMatch(/line 1: expected a JSON object/);
  });

  it('parses text directly, ignoring blank lines', () => {
    const rec = parseRecording(`${header}\n\n{"t":0,"path":"sim:amp0","dir":"rx","hex":"0aFF"}\n\n`);
    expect(rec.createdAt).toBe('2026-01-01T00:00:00.000Z');
    expect(rec.events).toEqual([{ t: 0, path: 'sim:amp0', dir: 'rx', bytes: Uint8Array.of(0x0a, 0xff) }]);
  });
});
