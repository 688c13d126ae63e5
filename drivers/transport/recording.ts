/**
 * Records the bytes a host exchanges through any binding, so a session on a real rig becomes a
 * regression test (replayed by replay-binding.ts). Stored as JSON Lines: a header, then one line
 * per chunk as the binding saw it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { BindingInterface, BindingPortInterface, OpenOptions } from '@serialport/bindings-interface';
import { DelegatingPort } from './delegating-port.ts';

export const RECORDING_FORMAT = 'patchrig-serial-recording';
export const RECORDING_VERSION = 1;

/** `tx`: written by the host; `rx`: read by the host (sent by the device). */
export type TrafficDirection = 'tx' | 'rx';

export interface TrafficEvent {
  /** Seconds since the first open of this path in the recording. */
  t: number;
  /** The port path as opened (e.g. "sim:amp0", "/dev/ttyACM0"). */
  path: string;
  dir: TrafficDirection;
  bytes: Uint8Array;
}

export interface Recording {
  createdAt: string;
  /** Paths in the order they were first opened. */
  ports: string[];
  /** In the order they happened, all ports interleaved. */
  events: TrafficEvent[];
}

export interface TrafficRecorderOptions {
  /** Clock in milliseconds (default `performance.now`); for tests. */
  now?: () => number;
}

/** Collects traffic events from one or more recording bindings. */
export class TrafficRecorder {
  readonly createdAt = new Date().toISOString();
  readonly #now: () => number;
  readonly #openedAt = new Map<string, number>();
  readonly #events: TrafficEvent[] = [];

  constructor(opts: TrafficRecorderOptions = {}) {
    this.#now = opts.now ?? (() => performance.now());
  }

  get events(): readonly TrafficEvent[] {
    return this.#events;
  }

  /**
   * Notes that `path` was opened. Times count from its first open, so they keep increasing
   * across a close and reopen of the same path.
   */
  opened(path: string): void {
    if (!this.#openedAt.has(path)) this.#openedAt.set(path, this.#now());
  }

  /** Records a copy of `bytes`. */
  record(path: string, dir: TrafficDirection, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.opened(path);
    const t = (this.#now() - (this.#openedAt.get(path) ?? 0)) / 1000;
    this.#events.push({ t, path, dir, bytes: Uint8Array.from(bytes) });
  }

  toRecording(): Recording {
    return { createdAt: this.createdAt, ports: [...this.#openedAt.keys()], events: [...this.#events] };
  }

  toJsonLines(): string {
    return serializeRecording(this.toRecording());
  }

  /** Writes the recording to `file` (through a temporary file, so a crash never leaves half a file). */
  async save(file: string): Promise<void> {
    const partial = `${file}.partial`;
    await writeFile(partial, this.toJsonLines(), 'utf8');
    await rename(partial, file);
  }
}

export function serializeRecording(recording: Recording): string {
  const header = {
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    createdAt: recording.createdAt,
    ports: recording.ports,
  };
  const lines = [JSON.stringify(header)];
  for (const e of recording.events) {
    // Microseconds are as precise as the timing of a serial port gets.
    const t = Math.round(e.t * 1e6) / 1e6;
    lines.push(JSON.stringify({ t, path: e.path, dir: e.dir, hex: Buffer.from(e.bytes).toString('hex') }));
  }
  return lines.join('\n') + '\n';
}

/** A recording file that cannot be read; `line` is 1-based. */
export class RecordingFormatError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${source} line ${line}: ${problem}`);
    this.name = 'RecordingFormatError';
  }
}

export async function loadRecording(file: string): Promise<Recording> {
  return parseRecording(await readFile(file, 'utf8'), file);
}

/** Parses and validates the JSON Lines text of a recording; `source` names it in errors. */
export function parseRecording(text: string, source = 'recording'): Recording {
  const lines = text.split('\n');
  const fail = (line: number, problem: string): never => {
    throw new RecordingFormatError(source, line, problem);
  };
  const headerLine = lines[0] ?? '';
  if (headerLine.trim() === '') fail(1, `empty; expected the header {"format":"${RECORDING_FORMAT}",…}`);
  const header = parseObject(headerLine, (problem) => fail(1, problem));
  if (header.format !== RECORDING_FORMAT) {
    fail(1, `not a patchrig serial recording (expected "format":"${RECORDING_FORMAT}", got ${JSON.stringify(header.format)})`);
  }
  if (header.version !== RECORDING_VERSION) {
    fail(1, `unsupported version ${JSON.stringify(header.version)} (this build reads version ${RECORDING_VERSION})`);
  }
  if (typeof header.createdAt !== 'string') fail(1, '"createdAt" must be an ISO date string');
  const ports = header.ports;
  if (!Array.isArray(ports) || !ports.every((p): p is string => typeof p === 'string')) {
    fail(1, '"ports" must be an array of port paths');
  }
  const known = new Set(ports as string[]);

  const events: TrafficEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const lineNo = i + 1;
    const e = parseObject(raw, (problem) => fail(lineNo, problem));
    const { t, path, dir, hex } = e;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
      fail(lineNo, `"t" must be a number of seconds ≥ 0, got ${JSON.stringify(t)}`);
    }
    if (typeof path !== 'string' || !known.has(path)) {
      fail(lineNo, `"path" must be one of the ports in the header (${[...known].join(', ')}), got ${JSON.stringify(path)}`);
    }
    if (dir !== 'tx' && dir !== 'rx') fail(lineNo, `"dir" must be "tx" or "rx", got ${JSON.stringify(dir)}`);
    if (typeof hex !== 'string' || hex.length === 0 || !/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
      fail(lineNo, `"hex" must be a non-empty even-length hex string, got ${JSON.stringify(hex)}`);
    }
    events.push({
      t: t as number,
      path: path as string,
      dir: dir as TrafficDirection,
      bytes: new Uint8Array(Buffer.from(hex as string, 'hex')),
    });
  }
  return { createdAt: header.createdAt as string, ports: ports as string[], events };
}

function parseObject(line: string, fail: (problem: string) => never): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return fail(`not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('expected a JSON object');
  return value as Record<string, unknown>;
}

/** Wraps any binding so every chunk written (`tx`) and read (`rx`) by the host is recorded. */
export function recordingBinding(inner: BindingInterface, recorder: TrafficRecorder): BindingInterface {
  return {
    list: () => inner.list(),
    open: async (options: OpenOptions) => {
      const port = await inner.open(options);
      recorder.opened(options.path);
      return new RecordingPort(port, options.path, recorder);
    },
  };
}

class RecordingPort extends DelegatingPort {
  constructor(
    inner: BindingPortInterface,
    private readonly path: string,
    private readonly recorder: TrafficRecorder,
  ) {
    super(inner);
  }
  override async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    const result = await this.inner.read(buffer, offset, length);
    this.recorder.record(this.path, 'rx', result.buffer.subarray(offset, offset + result.bytesRead));
    return result;
  }
  override write(buffer: Buffer): Promise<void> {
    // Recorded when handed over: a reply read later can only follow it.
    this.recorder.record(this.path, 'tx', buffer);
    return this.inner.write(buffer);
  }
}
