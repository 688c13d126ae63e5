/**
 * The simulated digitizer against its specification, byte for byte: a raw host writes the bytes of
 * docs/protocols/patchrig-digitizer.md §8 and compares what comes back with the bytes printed
 * there, typed in from the document.
 *
 * AI samples depend on what is wired to the inputs. The printed AI blocks carry samples that no
 * wiring of the printed AO data produces, and two of them sit at the ends of the range, which by
 * §4 would also set the overload flag the printed STATUS frames do not show. So the session runs
 * with AI k wired to a quarter of AO k, and every AI_BLOCK is compared byte for byte except its
 * samples and CRC; the samples are checked against the counts that wiring gives (typed below).
 */
import { Buffer } from 'node:buffer';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameType, encodeFrame } from '../../../drivers/transport/binary-frame.ts';
import { crc16 } from '../../../drivers/transport/crc16.ts';
import type { AnalogWiring } from '../../../simulators/devices/analog-wiring.ts';
import { DigitizerSimulator, type DigitizerSimOptions } from '../../../simulators/devices/digitizer/digitizer-sim.ts';
import type { SimClock } from '../../../simulators/devices/pacer.ts';
import { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';
import { RawHost, hex, spaced } from './raw-host.ts';

const PATH = 'sim:daq0';

/** AI k sees a quarter of AO k: every printed AO value stays well inside the input range. */
class QuarterLoopback implements AnalogWiring {
  run(ao: readonly Float64Array[], ai: Float64Array[], n: number): void {
    ai.forEach((dst, k) => {
      const src = ao[k];
      for (let i = 0; i < n; i++) dst[i] = src ? (src[i] as number) / 4 : 0;
    });
  }
}

/**
 * A sample clock the test holds: free-running until `holdAt(t)`, then simulated time stops at t
 * seconds after START until `release()`. Like real time, AO that is missing at its tick underruns.
 */
class HeldClock implements SimClock {
  readonly speed = 'realtime' as const;
  private limit = Infinity;
  private waiters: { t: number; resolve: () => void }[] = [];
  start(): void {}
  stop(): void {}
  takeIdle(): number {
    return 0;
  }
  pass(): void {}
  holdAt(t: number): void {
    this.limit = t;
  }
  release(): void {
    this.limit = Infinity;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
  async until(t: number): Promise<void> {
    if (t > this.limit) await new Promise<void>((resolve) => this.waiters.push({ t, resolve }));
    await nextTurn(); // one block per event-loop turn, so the host's I/O runs in between
  }
}

let ports: SimulatedPorts | undefined;
let host: RawHost | undefined;
afterEach(async () => {
  await host?.close();
  ports?.dispose();
  host = undefined;
  ports = undefined;
});

async function openDigitizer(opts: DigitizerSimOptions = {}): Promise<{ host: RawHost; sim: DigitizerSimulator }> {
  ports = new SimulatedPorts();
  let sim: DigitizerSimulator | undefined;
  ports.attach(PATH, (link) => {
    sim = new DigitizerSimulator(link, opts);
  });
  host = await RawHost.open(ports, PATH);
  return { host, sim: sim as DigitizerSimulator };
}

async function exchange(h: RawHost, request: string, reply: string): Promise<void> {
  await h.send(hex(request));
  await h.expectBytes(hex(reply));
}

interface Frame {
  type: number;
  seq: number;
  payload: Buffer;
  bytes: Buffer;
}

/** Reads one frame and checks its envelope (sync, length, CRC). */
async function readFrame(h: RawHost, timeoutMs = 2000): Promise<Frame> {
  const bytes = await h.takeFrame(timeoutMs);
  expect(spaced(bytes.subarray(0, 2))).toBe('A5 5A');
  const len = bytes.readUInt16LE(5);
  expect(bytes.readUInt16LE(7 + len)).toBe(crc16(bytes, 2, 7 + len));
  return { type: bytes[2] as number, seq: bytes.readUInt16LE(3), payload: bytes.subarray(7, 7 + len), bytes };
}

const ctrl = (seq: number, line: string): Buffer => encodeFrame(FrameType.CTRL, seq, Buffer.from(line, 'latin1'));
const text = (f: Frame): string => f.payload.toString('latin1');
const status = (f: Frame) => ({ state: f.payload[0], flags: f.payload[1], scan: f.payload.readUInt32LE(2) + f.payload.readUInt32LE(6) * 2 ** 32 });
const block = (f: Frame) => ({ firstScan: f.payload.readUInt32LE(0), nCh: f.payload[8], nScans: f.payload.readUInt16LE(9) });

/** Sends a CTRL request and returns the CTRL reply (skipping nothing: the next frame must be it). */
async function ask(h: RawHost, seq: number, line: string): Promise<string> {
  await h.send(ctrl(seq, line));
  const f = await readFrame(h);
  expect(f.type).toBe(FrameType.CTRL);
  return text(f);
}

/** Puts a fresh digitizer in framed mode and configures it (each request answered OK). */
async function framedSession(h: RawHost, lines: string[]): Promise<void> {
  await h.send('1 FRAMED 1\n');
  await h.expectBytes(Buffer.from('1 OK\n'));
  let id = 2;
  for (const line of lines) expect(await ask(h, id, `${id++} ${line}`)).toBe(`${id - 1} OK`);
}

function aoChunk(seq: number, firstScan: number, nCh: number, counts: number[]): Buffer {
  const payload = Buffer.alloc(11 + 2 * counts.length);
  payload.writeUInt32LE(firstScan, 0);
  payload.writeUInt8(nCh, 8);
  payload.writeUInt16LE(counts.length / nCh, 9);
  counts.forEach((c, i) => payload.writeInt16LE(c, 11 + 2 * i));
  return encodeFrame(FrameType.AO_CHUNK, seq, payload);
}

describe('SIMDAQ8 speaks patchrig-digitizer.md §8.1–8.5 byte for byte (one session: ids and seq numbers continue)', () => {
  it('identity, capabilities, configuration and its errors, framed mode, one acquisition, a stopped recording, leaving framed mode', async () => {
    const clock = new HeldClock();
    // §8.4 sends its 4 scans as two blocks of 2, where SIMDAQ8's rule (⌈rate/100⌉ = 200) would send
    // one block of 4; §8.5 follows the rule. The device's choice is set to give both.
    const { host: h } = await openDigitizer({ wiring: new QuarterLoopback(), clock, aiBlockScans: (rate, n) => (n === 4 ? 2 : Math.ceil(rate / 100)) });

    // §8.1 Identity and capabilities (line mode)
    await exchange(h, `
      0000  31 20 2A 49 44 4E 3F 0A`, `
      0000  31 20 4F 4B 20 50 41 54 43 48 52 49 47 2C 53 49
      0010  4D 44 41 51 38 2C 30 30 30 31 2C 31 2E 30 0A`);
    await exchange(h, `
      0000  32 20 43 41 50 53 3F 0A`, `
      0000  32 20 4F 4B 20 41 49 3D 38 20 41 4F 3D 38 20 52
      0010  41 54 45 4D 41 58 3D 32 30 30 30 30 30 20 52 41
      0020  4E 47 45 3D 2D 31 30 2C 31 30 20 42 49 54 53 3D
      0030  31 36 20 41 4F 46 49 46 4F 3D 32 36 32 31 34 34
      0040  0A`);

    // §8.2 Configuration (line mode)
    await exchange(h, `0000  33 20 52 41 54 45 20 32 30 30 30 30 0A`, `0000  33 20 4F 4B 0A`);
    await exchange(h, `0000  34 20 52 41 54 45 3F 0A`, `0000  34 20 4F 4B 20 32 30 30 30 30 0A`);
    await exchange(h, `0000  35 20 41 49 20 30 2C 31 0A`, `0000  35 20 4F 4B 0A`);
    await exchange(h, `0000  36 20 41 4F 20 30 2C 31 0A`, `0000  36 20 4F 4B 0A`);
    await exchange(h, `0000  37 20 41 49 3F 0A`, `0000  37 20 4F 4B 20 30 2C 31 0A`);
    await exchange(h, `0000  38 20 41 4F 3F 0A`, `0000  38 20 4F 4B 20 30 2C 31 0A`);
    await exchange(h, `0000  39 20 52 41 4E 47 45 3F 20 30 0A`, `0000  39 20 4F 4B 20 2D 31 30 20 31 30 0A`);
    await exchange(h, `
      0000  31 30 20 41 4F 49 44 4C 45 20 30 20 2D 33 2E 35
      0010  0A`, `
      0000  31 30 20 4F 4B 0A`);
    await exchange(h, `0000  31 31 20 41 4F 49 44 4C 45 3F 20 30 0A`, `0000  31 31 20 4F 4B 20 2D 33 2E 35 0A`);
    await exchange(h, `0000  31 32 20 53 54 41 54 3F 0A`, `0000  31 32 20 4F 4B 20 49 44 4C 45 20 30 20 30 0A`);
    await exchange(h, `0000  31 33 20 46 52 41 4D 45 44 3F 0A`, `0000  31 33 20 4F 4B 20 30 0A`);

    // §8.2 Errors
    await exchange(h, `
      0000  31 34 20 52 41 54 45 20 35 30 30 30 30 30 0A`, `
      0000  31 34 20 45 52 52 20 33 20 72 61 74 65 20 35 30
      0010  30 30 30 30 20 48 7A 20 69 73 20 6F 75 74 73 69
      0020  64 65 20 31 2E 2E 32 30 30 30 30 30 0A`);
    await exchange(h, `
      0000  31 35 20 52 41 54 45 20 31 30 30 30 2E 35 0A`, `
      0000  31 35 20 45 52 52 20 32 20 72 61 74 65 20 6D 75
      0010  73 74 20 62 65 20 61 6E 20 69 6E 74 65 67 65 72
      0020  0A`);
    await exchange(h, `
      0000  31 36 20 41 49 20 30 2C 38 0A`, `
      0000  31 36 20 45 52 52 20 33 20 63 68 61 6E 6E 65 6C
      0010  20 38 20 64 6F 65 73 20 6E 6F 74 20 65 78 69 73
      0020  74 20 28 30 2E 2E 37 29 0A`);
    await exchange(h, `
      0000  31 37 20 41 49 20 30 2C 30 0A`, `
      0000  31 37 20 45 52 52 20 32 20 63 68 61 6E 6E 65 6C
      0010  20 30 20 69 73 20 6C 69 73 74 65 64 20 74 77 69
      0020  63 65 0A`);
    await exchange(h, `
      0000  31 38 20 41 49 20 2D 0A`, `
      0000  31 38 20 45 52 52 20 33 20 61 74 20 6C 65 61 73
      0010  74 20 6F 6E 65 20 41 49 20 63 68 61 6E 6E 65 6C
      0020  20 69 73 20 6E 65 65 64 65 64 0A`);
    await exchange(h, `
      0000  31 39 20 41 52 4D 20 34 20 53 57 0A`, `
      0000  31 39 20 45 52 52 20 34 20 66 72 61 6D 65 64 20
      0010  6D 6F 64 65 20 72 65 71 75 69 72 65 64 0A`);
    await exchange(h, `
      0000  32 30 20 53 54 41 52 54 0A`, `
      0000  32 30 20 45 52 52 20 34 20 6E 6F 74 20 61 72 6D
      0010  65 64 0A`);

    // §8.3 Entering framed mode
    await exchange(h, `0000  32 31 20 46 52 41 4D 45 44 20 31 0A`, `0000  32 31 20 4F 4B 0A`);

    // §8.4 One acquisition in framed mode: ARM before the AO buffer is loaded is refused
    await exchange(h, `
      0000  A5 5A 01 00 00 0B 00 32 32 20 41 52 4D 20 34 20
      0010  53 57 78 8B`, `
      0000  A5 5A 01 00 00 25 00 32 32 20 45 52 52 20 34 20
      0010  41 4F 20 62 75 66 66 65 72 20 68 6F 6C 64 73 20
      0020  30 20 6F 66 20 34 20 73 63 61 6E 73 F9 F5`);
    // The 4 scans in two AO_CHUNK frames: accepted in IDLE, no reply.
    await h.send(hex(`
      0000  A5 5A 02 01 00 13 00 00 00 00 00 00 00 00 00 02
      0010  02 00 00 00 00 C0 00 40 FF 7F DA D8`));
    await h.send(hex(`
      0000  A5 5A 02 02 00 13 00 02 00 00 00 00 00 00 00 02
      0010  02 00 00 80 00 00 00 00 00 00 B3 D2`));
    // Arm: STATUS (armed) before the OK.
    await exchange(h, `
      0000  A5 5A 01 03 00 0B 00 32 33 20 41 52 4D 20 34 20
      0010  53 57 18 07`, `
      0000  A5 5A 11 01 00 0A 00 01 00 00 00 00 00 00 00 00
      0010  00 D3 A7
      0000  A5 5A 01 02 00 05 00 32 33 20 4F 4B 7F AC`);
    // Start: STATUS (running), OK, then the AI blocks, STATUS (done), ! DONE.
    await exchange(h, `
      0000  A5 5A 01 04 00 08 00 32 34 20 53 54 41 52 54 D2
      0010  52`, `
      0000  A5 5A 11 03 00 0A 00 02 00 00 00 00 00 00 00 00
      0010  00 DE E0
      0000  A5 5A 01 04 00 05 00 32 34 20 4F 4B DA A7`);
    // AI_BLOCK seq 5 and 6: everything but the samples and the CRC as printed; the samples are
    // AO/4 — scans (0 V, -1.25 V) (1.25 V, 2.4999 V), then (-2.5 V, 0 V) (0 V, 0 V).
    const ai5 = await readFrame(h);
    expect(spaced(ai5.bytes.subarray(0, 18))).toBe(spaced(hex(`
      0000  A5 5A 10 05 00 13 00 00 00 00 00 00 00 00 00 02
      0010  02 00`)));
    expect(spaced(ai5.bytes.subarray(18, 26))).toBe(spaced(hex(`00 00 00 F0 00 10 00 20`))); // (0, -4096) (4096, 8192)
    const ai6 = await readFrame(h);
    expect(spaced(ai6.bytes.subarray(0, 18))).toBe(spaced(hex(`
      0000  A5 5A 10 06 00 13 00 02 00 00 00 00 00 00 00 02
      0010  02 00`)));
    expect(spaced(ai6.bytes.subarray(18, 26))).toBe(spaced(hex(`00 E0 00 00 00 00 00 00`))); // (-8192, 0) (0, 0)
    await h.expectBytes(hex(`
      0000  A5 5A 11 07 00 0A 00 03 00 04 00 00 00 00 00 00
      0010  00 53 7D
      0000  A5 5A 01 08 00 08 00 21 20 44 4F 4E 45 20 34 4B
      0010  3C`));
    await exchange(h, `
      0000  A5 5A 01 05 00 08 00 32 35 20 53 54 41 54 3F AD
      0010  9E`, `
      0000  A5 5A 01 09 00 0E 00 32 35 20 4F 4B 20 44 4F 4E
      0010  45 20 30 20 34 3C 10`);

    // §8.5 Stopping: a recording without outputs, stopped after 12 000 scans (0.6 s at 20 kHz).
    await exchange(h, `
      0000  A5 5A 01 06 00 07 00 32 36 20 41 4F 20 2D F9 8E`, `
      0000  A5 5A 01 0A 00 05 00 32 36 20 4F 4B C5 39`);
    await exchange(h, `
      0000  A5 5A 01 07 00 11 00 32 37 20 41 52 4D 20 31 30
      0010  30 30 30 30 30 20 53 57 8D A3`, `
      0000  A5 5A 11 0B 00 0A 00 01 00 00 00 00 00 00 00 00
      0010  00 7A BA
      0000  A5 5A 01 0C 00 05 00 32 37 20 4F 4B F9 15`);
    clock.holdAt(0.605); // the clock stops between scan 12000 and the end of the next block
    await exchange(h, `
      0000  A5 5A 01 08 00 08 00 32 38 20 53 54 41 52 54 C5
      0010  16`, `
      0000  A5 5A 11 0D 00 0A 00 02 00 00 00 00 00 00 00 00
      0010  00 D2 00
      0000  A5 5A 01 0E 00 05 00 32 38 20 4F 4B 70 07`);
    // "AI_BLOCK frames seq 15 to 74 (first_scan 0, 200, …, 11800; 200 scans each)"
    for (let k = 0; k < 60; k++) {
      const f = await readFrame(h);
      expect([f.type, f.seq, f.payload.length]).toEqual([FrameType.AI_BLOCK, 15 + k, 11 + 2 * 2 * 200]);
      expect(block(f)).toEqual({ firstScan: 200 * k, nCh: 2, nScans: 200 });
    }
    await h.expectSilence(30);
    await exchange(h, `
      0000  A5 5A 01 09 00 07 00 32 39 20 53 54 4F 50 BA 31`, `
      0000  A5 5A 11 4B 00 0A 00 00 00 E0 2E 00 00 00 00 00
      0010  00 C7 D2
      0000  A5 5A 01 4C 00 0F 00 21 20 53 54 4F 50 50 45 44
      0010  20 31 32 30 30 30 9E C6
      0000  A5 5A 01 4D 00 05 00 32 39 20 4F 4B 59 03`);
    clock.release();
    await h.expectSilence(30); // the stopped clock sends nothing more

    // §8.5 Leaving framed mode: the OK in a CTRL frame, then plain lines both ways.
    await exchange(h, `
      0000  A5 5A 01 0A 00 0B 00 33 30 20 46 52 41 4D 45 44
      0010  20 30 5B 21`, `
      0000  A5 5A 01 4E 00 05 00 33 30 20 4F 4B 3B 77`);
    await exchange(h, `0000  33 31 20 50 49 4E 47 0A`, `0000  33 31 20 4F 4B 0A`);
    await h.expectSilence();
  });
});

describe('SIMDAQ8 errors during an acquisition (§8.6) and recovery (§8.7), byte for byte', () => {
  it('an AO underrun at scan 2048: STATUS seq 300 (error, AO underrun, scan 2048), then ! ERROR 7 in CTRL seq 301', async () => {
    const { host: h } = await openDigitizer({ clock: new HeldClock(), aoFifoScans: 2048 });
    await framedSession(h, ['RATE 20000', 'AI 0', 'AO 0']); // device frames seq 0–2
    await h.send(aoChunk(10, 0, 1, new Array<number>(2048).fill(0)));
    // Pad the session so the frames of the example get its seq numbers: ARM and START answer two
    // frames each, and the 2048 scans come as 10 blocks of 200 and one of 48.
    const pings = 300 - 3 - 2 - 2 - 11;
    for (let i = 0; i < pings; i++) await h.send(ctrl(11 + i, `${100 + i} PING`));
    for (let i = 0; i < pings; i++) expect(text(await readFrame(h))).toBe(`${100 + i} OK`);
    await h.send(ctrl(1000, '5000 ARM 4096 SW'));
    expect(status(await readFrame(h))).toEqual({ state: 1, flags: 0, scan: 0 });
    expect(text(await readFrame(h))).toBe('5000 OK');
    await h.send(ctrl(1001, '5001 START'));
    expect(status(await readFrame(h))).toEqual({ state: 2, flags: 0, scan: 0 });
    expect(text(await readFrame(h))).toBe('5001 OK');
    for (let k = 0; k < 11; k++) expect(block(await readFrame(h))).toEqual({ firstScan: 200 * k, nCh: 1, nScans: k < 10 ? 200 : 48 });
    await h.expectBytes(hex(`
      0000  A5 5A 11 2C 01 0A 00 04 02 00 08 00 00 00 00 00
      0010  00 6A 85
      0000  A5 5A 01 2D 01 22 00 21 20 45 52 52 4F 52 20 37
      0010  20 41 4F 20 75 6E 64 65 72 72 75 6E 20 61 74 20
      0020  73 63 61 6E 20 32 30 34 38 5E 86`));
    // After ERROR the host must STOP before the next ARM (§5.1); STOP keeps flags and scan.
    expect(await ask(h, 1002, '5002 ARM 4096 SW')).toBe('5002 ERR 4 not allowed in ERROR: STOP first');
    await h.send(ctrl(1003, '5003 STOP'));
    expect(status(await readFrame(h))).toEqual({ state: 0, flags: 2, scan: 2048 });
    expect(text(await readFrame(h))).toBe('5003 OK');
    expect(await ask(h, 1004, '5004 STAT?')).toBe('5004 OK IDLE 2 2048');
  });

  it('an AI overrun: blocks the host does not read are dropped once 1 s of data waits; STATUS (running, AI overrun) like §8.6; the next block shows the gap', async () => {
    const clock = new HeldClock();
    const { host: h, sim } = await openDigitizer({ clock });
    await framedSession(h, ['RATE 100000', 'AI 0,1,2,3,4,5,6,7']);
    await h.send(ctrl(10, '10 ARM 300000 SW'));
    expect(status(await readFrame(h))).toEqual({ state: 1, flags: 0, scan: 0 });
    expect(text(await readFrame(h))).toBe('10 OK');
    clock.holdAt(2.0005);
    h.pause(); // the host stops reading; 1 s of data is 1.6 MB here
    await h.send(ctrl(11, '11 START'));
    await expect.poll(() => sim.status.aiOverrun, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => sim.status.scan, { timeout: 10_000 }).toBe(200_000);
    h.resume();
    expect(status(await readFrame(h))).toEqual({ state: 2, flags: 0, scan: 0 });
    expect(text(await readFrame(h))).toBe('11 OK');
    let seq = -1;
    let next = 0;
    let f = await readFrame(h);
    while (f.type === FrameType.AI_BLOCK) {
      expect(block(f)).toEqual({ firstScan: next, nCh: 8, nScans: 1000 });
      next += 1000;
      seq = f.seq;
      f = await readFrame(h);
    }
    // Right after the last block sent: STATUS still RUNNING, flag bit0, scan counting the dropped block.
    expect(next).toBeGreaterThan(0);
    expect(f.seq).toBe(seq + 1);
    expect(spaced(f.bytes.subarray(0, 9))).toBe(spaced(hex(`A5 5A 11`)) + ` ${spaced(f.bytes.subarray(3, 5))} ` + spaced(hex(`0A 00 02 01`)));
    expect(status(f)).toEqual({ state: 2, flags: 1, scan: next + 1000 });
    await h.expectSilence(50);
    // Time goes on: the outputs kept playing, blocks resume after the gap, with no gap in seq.
    clock.release();
    const resumed = await readFrame(h);
    expect(resumed.seq).toBe(f.seq + 1);
    expect(block(resumed).firstScan).toBeGreaterThanOrEqual(next + 1000);
    let last = resumed;
    while (last.type === FrameType.AI_BLOCK) last = await readFrame(h);
    expect(status(last)).toEqual({ state: 3, flags: 1, scan: 300_000 });
    expect(text(await readFrame(h))).toBe('! DONE 300000');
  });

  it('recovery, case A: a device in line mode answers the empty line and FRAMED 1 with a plain OK', async () => {
    const { host: h, sim } = await openDigitizer();
    await exchange(h, `0000  0A 33 32 20 46 52 41 4D 45 44 20 31 0A`, `0000  33 32 20 4F 4B 0A`);
    expect(sim.status.framed).toBe(true);
  });

  it('recovery, case B: a framed device drops the line, then answers PING in a CTRL frame with its own next seq (412)', async () => {
    const { host: h, sim } = await openDigitizer();
    await h.send('1 FRAMED 1\n');
    await h.expectBytes(Buffer.from('1 OK\n'));
    // 412 frames (seq 0–411) from the device before the host restarts.
    for (let i = 0; i < 412; i++) await h.send(ctrl(i, `${i + 2} PING`));
    for (let i = 0; i < 412; i++) expect((await readFrame(h)).seq).toBe(i);
    const dropped = sim.discardedBytes;
    await h.send(hex(`0000  0A 33 32 20 46 52 41 4D 45 44 20 31 0A`));
    await h.expectSilence(250);
    expect(sim.discardedBytes - dropped).toBe(13);
    await exchange(h, `
      0000  A5 5A 01 00 00 07 00 33 33 20 50 49 4E 47 17 BE`, `
      0000  A5 5A 01 9C 01 05 00 33 33 20 4F 4B C6 DE`);
  });

  it('Part 1 §9 reset example: in line mode *RST answers ! RESET then OK', async () => {
    const { host: h } = await openDigitizer();
    await exchange(h, `
      0000  34 20 2A 52 53 54 0A`, `
      0000  21 20 52 45 53 45 54 0A
      0000  34 20 4F 4B 0A`);
  });
});

describe('SIMDAQ8 rules of patchrig-digitizer.md beyond the printed examples', () => {
  it('*RST in framed mode: STATUS (IDLE, 0, 0), ! RESET, OK — flags, scan and settings cleared, the link stays framed', async () => {
    const { host: h } = await openDigitizer({ clock: new HeldClock() });
    await framedSession(h, ['RATE 1000', 'AI 3']);
    await h.send(ctrl(9, '9 ARM 5 SW'));
    await readFrame(h);
    expect(text(await readFrame(h))).toBe('9 OK');
    await h.send(ctrl(10, '10 *RST'));
    expect(status(await readFrame(h))).toEqual({ state: 0, flags: 0, scan: 0 });
    expect(text(await readFrame(h))).toBe('! RESET');
    expect(text(await readFrame(h))).toBe('10 OK');
    expect(await ask(h, 11, '11 FRAMED?')).toBe('11 OK 1');
    expect(await ask(h, 12, '12 RATE?')).toBe('12 OK 10000');
    expect(await ask(h, 13, '13 AI?')).toBe('13 OK 0');
  });

  it('FRAMED 1 when framed and FRAMED 0 in line mode answer OK and change nothing; FRAMED 0 while ARMED is ERR 4', async () => {
    const { host: h } = await openDigitizer();
    await h.send('1 FRAMED 0\n');
    await h.expectBytes(Buffer.from('1 OK\n'));
    await framedSession(h, ['AO -']);
    // Still framed, and the device's seq goes on (no restart at 0).
    await h.send(ctrl(5, '5 FRAMED 1'));
    const again = await readFrame(h);
    expect([again.seq, text(again)]).toEqual([1, '5 OK']);
    await h.send(ctrl(6, '6 ARM 10 SW'));
    await readFrame(h);
    await readFrame(h);
    expect(await ask(h, 7, '7 FRAMED 0')).toBe('7 ERR 4 FRAMED 0 not allowed while ARMED');
    expect(await ask(h, 8, '8 FRAMED 2')).toBe('8 ERR 2 FRAMED takes 0 or 1');
  });

  it('switches framing at the exact byte: a frame right after the FRAMED 1 line, a line right after the FRAMED 0 frame', async () => {
    const { host: h } = await openDigitizer();
    await h.send(Buffer.concat([Buffer.from('1 FRAMED 1\n'), ctrl(0, '2 PING')]));
    await h.expectBytes(Buffer.concat([Buffer.from('1 OK\n'), ctrl(0, '2 OK')]));
    await h.send(Buffer.concat([ctrl(1, '3 FRAMED 0'), Buffer.from('4 PING\n')]));
    await h.expectBytes(Buffer.concat([ctrl(1, '3 OK'), Buffer.from('4 OK\n')]));
    // Entering framed mode again restarts the device's seq at 0.
    await h.send('5 FRAMED 1\n');
    await h.expectBytes(Buffer.from('5 OK\n'));
    await h.send(ctrl(0, '6 PING'));
    const first = await readFrame(h);
    expect([first.seq, text(first)]).toEqual([0, '6 OK']);
  });

  it('ignores the host seq, frames it should not receive, and garbage; CTRL payloads with CR are malformed', async () => {
    const { host: h, sim } = await openDigitizer();
    await framedSession(h, []);
    expect(await ask(h, 500, '2 PING')).toBe('2 OK');
    expect(await ask(h, 7, '3 PING')).toBe('3 OK');
    expect(await ask(h, 7, '4 PING')).toBe('4 OK');
    await h.send(encodeFrame(FrameType.AI_BLOCK, 8, Buffer.alloc(13)));
    await h.send(encodeFrame(FrameType.STATUS, 9, Buffer.alloc(10)));
    await h.send(encodeFrame(0x7e, 10, Buffer.from('x')));
    await h.send(Buffer.from('junk 5 PING\n'));
    await h.expectSilence();
    expect(sim.discardedBytes).toBe(12);
    expect(await ask(h, 11, '5 PING\r')).toBe('5 ERR 1 byte 0x0d at column 7 is not printable 7-bit ASCII');
    await h.send(encodeFrame(FrameType.CTRL, 12, Buffer.alloc(0)));
    await h.expectSilence(20); // an empty CTRL payload is an empty line
  });

  it('discards a partial frame after 100 ms of silence, but not sooner', async () => {
    const { host: h, sim } = await openDigitizer();
    await framedSession(h, []);
    // The header of a long frame, never completed: it would swallow the PING that follows.
    await h.send(hex(`A5 5A 01 00 00 00 40`));
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.discardedBytes).toBe(7);
    expect(await ask(h, 1, '2 PING')).toBe('2 OK');
    // A frame sent in two parts 50 ms apart is still one frame.
    const frame = ctrl(2, '3 PING');
    await h.send(frame.subarray(0, 5));
    await new Promise((r) => setTimeout(r, 50));
    await h.send(frame.subarray(5));
    expect(text(await readFrame(h))).toBe('3 OK');
  });

  it('checks AO chunks as §5.2 says: each failure → STATUS (ERROR) and ! ERROR 2, 7 or 3; chunks in ERROR are discarded', async () => {
    const cases: { chunk: (seq: number) => Buffer; armed?: boolean; code: number; message: string }[] = [
      { chunk: (s) => encodeFrame(FrameType.AO_CHUNK, s, Buffer.alloc(12)), code: 2, message: 'bad AO chunk payload of 12 bytes' },
      { chunk: (s) => aoChunk(s, 0, 2, [0, 0]), code: 2, message: 'AO chunk has 2 channels, 1 enabled' },
      { chunk: (s) => aoChunk(s, 1, 1, [0]), code: 7, message: 'AO chunk out of sequence: first_scan 1, expected 0' },
      { chunk: (s) => aoChunk(s, 4, 1, [0]), armed: true, code: 3, message: 'AO chunk ends at scan 5, beyond nscans 4' },
      { chunk: (s) => aoChunk(s, 0, 1, new Array<number>(9).fill(0)), code: 7, message: 'AO buffer overflow: 9 scans, it holds 8' },
    ];
    for (const c of cases) {
      const { host: h } = await openDigitizer({ aoFifoScans: 8 });
      await framedSession(h, ['AO 0']);
      if (c.armed) {
        await h.send(aoChunk(3, 0, 1, [0, 0, 0, 0]));
        await h.send(ctrl(4, '4 ARM 4 SW'));
        expect(status(await readFrame(h)).state).toBe(1);
        expect(text(await readFrame(h))).toBe('4 OK');
      }
      await h.send(c.chunk(5));
      expect(status(await readFrame(h))).toEqual({ state: 4, flags: 0, scan: 0 });
      expect(text(await readFrame(h))).toBe(`! ERROR ${c.code} ${c.message}`);
      await h.send(aoChunk(6, 0, 1, [0]));
      await h.expectSilence(20);
      await host?.close();
      ports?.dispose();
    }
  });

  it('accepts the next sweep\'s AO while DONE, refuses ARM with more AO than scans (3), and clears flags and scan only at ARM', async () => {
    const { host: h } = await openDigitizer({ aoFifoScans: 8 });
    await framedSession(h, ['AO 0']);
    // An acquisition whose input hits the end of the range: overload.
    await h.send(aoChunk(3, 0, 1, [32767, 0]));
    await h.send(ctrl(4, '4 ARM 2 SW'));
    await readFrame(h);
    await readFrame(h);
    await h.send(ctrl(5, '5 START'));
    expect(status(await readFrame(h)).state).toBe(2);
    expect(text(await readFrame(h))).toBe('5 OK');
    expect(block(await readFrame(h))).toEqual({ firstScan: 0, nCh: 1, nScans: 2 });
    // The overload flag changed: STATUS right after the block that showed it, still RUNNING.
    expect(status(await readFrame(h))).toEqual({ state: 2, flags: 4, scan: 2 });
    expect(status(await readFrame(h))).toEqual({ state: 3, flags: 4, scan: 2 });
    expect(text(await readFrame(h))).toBe('! DONE 2');
    // DONE emptied the buffer: the next sweep starts again at scan 0, loaded while DONE.
    await h.send(aoChunk(6, 0, 1, [1, 2, 3]));
    expect(await ask(h, 7, '7 ARM 2 SW')).toBe('7 ERR 3 AO buffer holds 3 scans, more than 2');
    expect(await ask(h, 8, '8 STAT?')).toBe('8 OK DONE 4 2');
    await h.send(ctrl(9, '9 ARM 3 SW'));
    expect(status(await readFrame(h))).toEqual({ state: 1, flags: 0, scan: 0 });
    expect(text(await readFrame(h))).toBe('9 OK');
    // STOP in ARMED: STATUS (IDLE), ! STOPPED 0, OK; STOP in IDLE: just OK.
    await h.send(ctrl(10, '10 STOP'));
    expect(status(await readFrame(h))).toEqual({ state: 0, flags: 0, scan: 0 });
    expect(text(await readFrame(h))).toBe('! STOPPED 0');
    expect(text(await readFrame(h))).toBe('10 OK');
    expect(await ask(h, 11, '11 STOP')).toBe('11 OK');
  });

  it('refuses configuration while ARMED (4) but checks argument syntax first (2); answers queries in any state', async () => {
    const { host: h } = await openDigitizer();
    await framedSession(h, []);
    await h.send(ctrl(3, '3 ARM 100 EXT'));
    await readFrame(h);
    await readFrame(h);
    expect(await ask(h, 4, '4 RATE 1000.5')).toBe('4 ERR 2 rate must be an integer');
    expect(await ask(h, 5, '5 RATE 500000')).toBe('5 ERR 4 RATE not allowed while ARMED');
    expect(await ask(h, 6, '6 AI 9')).toBe('6 ERR 3 channel 9 does not exist (0..7)');
    expect(await ask(h, 7, '7 AO 1')).toBe('7 ERR 4 AO not allowed while ARMED');
    expect(await ask(h, 8, '8 ARM 5 SW')).toBe('8 ERR 4 not allowed while ARMED');
    expect(await ask(h, 9, '9 STAT?')).toBe('9 OK ARMED 0 0');
    expect(await ask(h, 10, '10 AOIDLE 3 11')).toBe('10 ERR 3 AOIDLE 11 V is outside -10..10');
    expect(await ask(h, 11, '11 AOIDLE 3 2.5')).toBe('11 OK');
    expect(await ask(h, 12, '12 ARM 1 XT')).toBe('12 ERR 2 unknown trigger XT');
  });

  it('sends AI blocks of ⌈rate/100⌉ scans (SIMDAQ8), and 2e4 is a valid count for RATE', async () => {
    const { host: h } = await openDigitizer();
    await framedSession(h, ['RATE 5e4', 'AI 0,1,2,3,4,5,6,7']);
    await h.send(ctrl(4, '4 ARM 1200 SW'));
    await readFrame(h);
    await readFrame(h);
    await h.send(ctrl(5, '5 START'));
    await readFrame(h);
    await readFrame(h);
    expect([block(await readFrame(h)), block(await readFrame(h)), block(await readFrame(h))]).toEqual([
      { firstScan: 0, nCh: 8, nScans: 500 },
      { firstScan: 500, nCh: 8, nScans: 500 },
      { firstScan: 1000, nCh: 8, nScans: 200 },
    ]);
    expect(status(await readFrame(h))).toEqual({ state: 3, flags: 0, scan: 1200 });
    expect(text(await readFrame(h))).toBe('! DONE 1200');
  });
});
