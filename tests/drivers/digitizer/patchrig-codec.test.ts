// Fixtures are typed from docs/protocols/patchrig-digitizer.md (§3, §4, §8) and device-protocols §9.4.
import { describe, expect, it } from 'vitest';
import {
  FrameType,
  MAX_PAYLOAD_BYTES,
  armCommand,
  capsQuery,
  countsToVolts,
  decodeCtrlPayload,
  decodeSamplesPayload,
  decodeStatusPayload,
  deinterleaveToVolts,
  digitizerQuery,
  encodeCtrlPayload,
  encodeSamplesPayload,
  encodeStatusPayload,
  formatCaps,
  formatChannelList,
  formatErrorEventArgs,
  formatStat,
  framedCommand,
  idleOutputCommand,
  inputsCommand,
  interleaveToCounts,
  maxScansPerPayload,
  outputsCommand,
  parseCaps,
  parseChannelList,
  parseChannelListValue,
  parseDigitizerEvent,
  parseRange,
  parseStat,
  rateCommand,
  startCommand,
  statQuery,
  stopCommand,
  voltsToCounts,
} from '../../../drivers/digitizer/patchrig/codec.ts';
import type { DigitizerStatus } from '../../../drivers/digitizer/digitizer.ts';
import { encodeCommand, encodeEvent, encodeOk, parseDeviceLine, parseHostLine } from '../../../drivers/control/line-codec.ts';

/** "A5 5A 10" → bytes (test helper for hand-typed hex). */
function hex(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}

function okValues(line: string): string[] {
  const r = parseHostLine(line);
  if (r.kind !== 'ok') throw new Error(`not an OK line: ${line}`);
  return r.values;
}

function event(line: string): [string, string[]] {
  const r = parseHostLine(line);
  if (r.kind !== 'event') throw new Error(`not an event: ${line}`);
  return [r.name, r.args];
}

function status(state: DigitizerStatus['state'], flags: Partial<DigitizerStatus>, scan: number): DigitizerStatus {
  return { state, aiOverrun: false, aoUnderrun: false, overload: false, ...flags, scan };
}

// §8.8 golden frames and their payloads.
const GOLDEN_AI_FRAME = hex('A5 5A 10 01 00 13 00 00 00 00 00 00 00 00 00 02 02 00 64 00 9C FF FF 7F 00 80 32 67');
const GOLDEN_AI_PAYLOAD = hex('00 00 00 00 00 00 00 00 02 02 00 64 00 9C FF FF 7F 00 80');
const GOLDEN_STATUS_PAYLOAD = hex('02 01 20 4E 00 00 00 00 00 00');
const GOLDEN_CTRL_PAYLOAD = hex('33 20 53 54 41 52 54');
// §8.4 session payloads.
const AO_CHUNK_SEQ1 = hex('00 00 00 00 00 00 00 00 02 02 00 00 00 00 C0 00 40 FF 7F');
const AO_CHUNK_SEQ2 = hex('02 00 00 00 00 00 00 00 02 02 00 00 80 00 00 00 00 00 00');
const AI_BLOCK_SEQ6 = hex('02 00 00 00 00 00 00 00 02 02 00 33 F3 CD 0C 00 00 01 00');

describe('frame types and limits (§3)', () => {
  it('has the documented type bytes and payload limit', () => {
    expect(FrameType).toEqual({ CTRL: 0x01, AO_CHUNK: 0x02, AI_BLOCK: 0x10, STATUS: 0x11 });
    expect(MAX_PAYLOAD_BYTES).toBe(16384);
  });

  it('fits 1023 scans of 8 channels, 4093 of 2, 8186 of 1 in one payload', () => {
    expect(maxScansPerPayload(8)).toBe(1023);
    expect(maxScansPerPayload(2)).toBe(4093);
    expect(maxScansPerPayload(1)).toBe(8186);
  });
});

describe('AI_BLOCK / AO_CHUNK payloads (§3.4)', () => {
  it('decodes the golden AI_BLOCK payload', () => {
    const r = decodeSamplesPayload(GOLDEN_AI_PAYLOAD);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.firstScan).toBe(0);
    expect(r.value.nChannels).toBe(2);
    expect(r.value.nScans).toBe(2);
    expect(Array.from(r.value.samples)).toEqual([100, -100, 32767, -32768]);
  });

  it('decodes the payload where it sits inside the golden frame (odd byte offset)', () => {
    const inFrame = GOLDEN_AI_FRAME.subarray(7, 7 + 0x13);
    expect(inFrame.byteOffset % 2).toBe(1);
    const r = decodeSamplesPayload(inFrame);
    expect(r.ok && Array.from(r.value.samples)).toEqual([100, -100, 32767, -32768]);
  });

  it('decodes at an even byte offset too', () => {
    const buf = new Uint8Array(2 + GOLDEN_AI_PAYLOAD.length);
    buf.set(GOLDEN_AI_PAYLOAD, 2);
    const r = decodeSamplesPayload(buf.subarray(2));
    expect(r.ok && Array.from(r.value.samples)).toEqual([100, -100, 32767, -32768]);
  });

  it('returns samples that do not alias the payload buffer', () => {
    const payload = GOLDEN_AI_PAYLOAD.slice();
    const r = decodeSamplesPayload(payload);
    payload.fill(0);
    expect(r.ok && Array.from(r.value.samples)).toEqual([100, -100, 32767, -32768]);
  });

  it('encodes the golden AI_BLOCK payload', () => {
    const bytes = encodeSamplesPayload({ firstScan: 0, nChannels: 2, nScans: 2, samples: Int16Array.of(100, -100, 32767, -32768) });
    expect(Array.from(bytes)).toEqual(Array.from(GOLDEN_AI_PAYLOAD));
  });

  it('encodes a sample array that is a view into a larger buffer', () => {
    const big = Int16Array.of(7, 100, -100, 32767, -32768, 7);
    const bytes = encodeSamplesPayload({ firstScan: 0, nChannels: 2, nScans: 2, samples: big.subarray(1, 5) });
    expect(Array.from(bytes)).toEqual(Array.from(GOLDEN_AI_PAYLOAD));
  });

  it('round-trips the AO_CHUNK examples of §8.4', () => {
    const chunks: [Uint8Array, number, number[]][] = [
      [AO_CHUNK_SEQ1, 0, [0, -16384, 16384, 32767]],
      [AO_CHUNK_SEQ2, 2, [-32768, 0, 0, 0]],
    ];
    for (const [bytes, firstScan, samples] of chunks) {
      const r = decodeSamplesPayload(bytes);
      expect(r.ok && { ...r.value, samples: Array.from(r.value.samples) }).toEqual({ firstScan, nChannels: 2, nScans: 2, samples });
      expect(Array.from(encodeSamplesPayload({ firstScan, nChannels: 2, nScans: 2, samples: Int16Array.from(samples) }))).toEqual(
        Array.from(bytes),
      );
    }
  });

  it('decodes the second AI_BLOCK of §8.4', () => {
    const r = decodeSamplesPayload(AI_BLOCK_SEQ6);
    expect(r.ok && r.value.firstScan).toBe(2);
    expect(r.ok && Array.from(r.value.samples)).toEqual([-3277, 3277, 0, 1]);
  });

  it('accepts first_scan 2^53 - 1 and rejects 2^53', () => {
    const max = hex('FF FF FF FF FF FF 1F 00 01 01 00 05 00');
    expect(decodeSamplesPayload(max)).toMatchObject({ ok: true, value: { firstScan: 9007199254740991, nScans: 1 } });
    const over = hex('00 00 00 00 00 00 20 00 01 01 00 05 00');
    const r = decodeSamplesPayload(over);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain('2^53');
    const high = hex('00 00 00 00 00 00 00 80 01 01 00 05 00');
    expect(decodeSamplesPayload(high).ok).toBe(false);
  });

  it('encodes first_scan above 2^32 in both halves', () => {
    const bytes = encodeSamplesPayload({ firstScan: 0x1_0000_0002, nChannels: 1, nScans: 1, samples: Int16Array.of(-1) });
    expect(Array.from(bytes)).toEqual(Array.from(hex('02 00 00 00 01 00 00 00 01 01 00 FF FF')));
  });

  it.each([
    ['shorter than the header', '00 00 00 00 00 00 00 00 02 02', 'header'],
    ['one sample byte missing', '00 00 00 00 00 00 00 00 02 02 00 64 00 9C FF FF 7F 00', '11 + 2'],
    ['one byte too many', '00 00 00 00 00 00 00 00 02 02 00 64 00 9C FF FF 7F 00 80 00', '11 + 2'],
    ['n_ch 0', '00 00 00 00 00 00 00 00 00 02 00', 'empty'],
    ['n_scans 0', '00 00 00 00 00 00 00 00 02 00 00', 'empty'],
  ])('rejects a payload %s', (_what, bytes, reason) => {
    const r = decodeSamplesPayload(hex(bytes));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(reason);
  });

  it('refuses to encode what the format cannot carry', () => {
    const one = Int16Array.of(0);
    expect(() => encodeSamplesPayload({ firstScan: 2 ** 53, nChannels: 1, nScans: 1, samples: one })).toThrow(RangeError);
    expect(() => encodeSamplesPayload({ firstScan: -1, nChannels: 1, nScans: 1, samples: one })).toThrow(RangeError);
    expect(() => encodeSamplesPayload({ firstScan: 0.5, nChannels: 1, nScans: 1, samples: one })).toThrow(RangeError);
    expect(() => encodeSamplesPayload({ firstScan: 0, nChannels: 0, nScans: 1, samples: one })).toThrow(RangeError);
    expect(() => encodeSamplesPayload({ firstScan: 0, nChannels: 1, nScans: 0, samples: one })).toThrow(RangeError);
    expect(() => encodeSamplesPayload({ firstScan: 0, nChannels: 1, nScans: 2, samples: one })).toThrow(RangeError);
    expect(() => encodeSamplesPayload({ firstScan: 0, nChannels: 8, nScans: 1024, samples: new Int16Array(8192) })).toThrow(
      RangeError,
    );
  });

  it('carries the largest 8-channel block (1023 scans, 16379 bytes) both ways', () => {
    const samples = new Int16Array(8 * 1023);
    for (let i = 0; i < samples.length; i++) samples[i] = ((i * 7919) % 65536) - 32768;
    const bytes = encodeSamplesPayload({ firstScan: 123456789, nChannels: 8, nScans: 1023, samples });
    expect(bytes.length).toBe(16379);
    expect(bytes[11]).toBe(samples[0]! & 0xff);
    expect(bytes[12]).toBe((samples[0]! >> 8) & 0xff);
    const r = decodeSamplesPayload(bytes);
    expect(r.ok && r.value.firstScan).toBe(123456789);
    expect(r.ok && r.value.samples).toEqual(samples);
  });
});

describe('STATUS payload (§3.5)', () => {
  it('decodes and encodes the golden STATUS payload', () => {
    const want = status('running', { aiOverrun: true }, 20000);
    expect(decodeStatusPayload(GOLDEN_STATUS_PAYLOAD)).toEqual({ ok: true, value: want });
    expect(Array.from(encodeStatusPayload(want))).toEqual(Array.from(GOLDEN_STATUS_PAYLOAD));
  });

  it.each([
    ['01 00 00 00 00 00 00 00 00 00', status('armed', {}, 0)],
    ['03 00 04 00 00 00 00 00 00 00', status('done', {}, 4)],
    ['00 00 E0 2E 00 00 00 00 00 00', status('idle', {}, 12000)],
    ['04 02 00 08 00 00 00 00 00 00', status('error', { aoUnderrun: true }, 2048)],
    ['02 04 00 00 00 00 01 00 00 00', status('running', { overload: true }, 2 ** 32)],
    ['03 07 FF FF FF FF FF FF 1F 00', status('done', { aiOverrun: true, aoUnderrun: true, overload: true }, 2 ** 53 - 1)],
  ])('%s ⇄ %o', (bytes, want) => {
    expect(decodeStatusPayload(hex(bytes))).toEqual({ ok: true, value: want });
    expect(Array.from(encodeStatusPayload(want))).toEqual(Array.from(hex(bytes)));
  });

  it.each([
    ['9 bytes', '02 01 20 4E 00 00 00 00 00', '10 expected'],
    ['11 bytes', '02 01 20 4E 00 00 00 00 00 00 00', '10 expected'],
    ['state 5', '05 00 00 00 00 00 00 00 00 00', 'state 5'],
    ['reserved flag bit 3', '02 08 00 00 00 00 00 00 00 00', 'reserved'],
    ['scan of 2^53', '02 00 00 00 00 00 00 00 20 00', '2^53'],
  ])('rejects %s', (_what, bytes, reason) => {
    const r = decodeStatusPayload(hex(bytes));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(reason);
  });
});

describe('CTRL payload (§3.2)', () => {
  it('carries a line without its LF', () => {
    expect(Array.from(encodeCtrlPayload('3 START'))).toEqual(Array.from(GOLDEN_CTRL_PAYLOAD));
    expect(Array.from(encodeCtrlPayload('3 START\n'))).toEqual(Array.from(GOLDEN_CTRL_PAYLOAD));
    expect(decodeCtrlPayload(GOLDEN_CTRL_PAYLOAD)).toEqual({ ok: true, value: '3 START' });
  });

  it('hands the line to the line codec unchanged', () => {
    const fromHost = decodeCtrlPayload(hex('32 34 20 53 54 41 52 54'));
    expect(fromHost.ok && parseDeviceLine(fromHost.value)).toEqual({ kind: 'request', id: 24, verb: 'START', args: [] });
    const fromDevice = decodeCtrlPayload(hex('32 35 20 4F 4B 20 44 4F 4E 45 20 30 20 34'));
    expect(fromDevice.ok && parseStat(okValues(fromDevice.value))).toEqual({ ok: true, value: status('done', {}, 4) });
    const ev = decodeCtrlPayload(hex('21 20 44 4F 4E 45 20 34'));
    expect(ev.ok && parseDigitizerEvent(...event(ev.value))).toEqual({ ok: true, value: { kind: 'done', scans: 4 } });
  });

  it('rejects CR or LF inside and more than 255 bytes', () => {
    expect(decodeCtrlPayload(hex('33 0A')).ok).toBe(false);
    expect(decodeCtrlPayload(hex('33 0D')).ok).toBe(false);
    expect(decodeCtrlPayload(new Uint8Array(256).fill(0x41)).ok).toBe(false);
    expect(decodeCtrlPayload(new Uint8Array(255).fill(0x41)).ok).toBe(true);
    expect(() => encodeCtrlPayload('a'.repeat(256))).toThrow(RangeError);
    expect(() => encodeCtrlPayload('3 ST\rART')).toThrow(RangeError);
    expect(() => encodeCtrlPayload('3 STÄRT')).toThrow(RangeError);
  });
});

describe('counts ⇄ volts (§4)', () => {
  it('converts the documented volts to counts, rounding halves up and clamping', () => {
    const volts = Float32Array.of(10, 9.99969482421875, 5, -10, -12, 1, -1, 0.000152587890625, -0.000152587890625, 0);
    expect(Array.from(voltsToCounts(volts, 10))).toEqual([32767, 32767, 16384, -32768, -32768, 3277, -3277, 1, 0, 0]);
  });

  it('clamps infinities and refuses NaN', () => {
    expect(Array.from(voltsToCounts(Float32Array.of(Infinity, -Infinity), 10))).toEqual([32767, -32768]);
    expect(() => voltsToCounts(Float32Array.of(0, Number.NaN), 10)).toThrow(/sample 1 is NaN/);
  });

  it('converts counts to volts', () => {
    const v = countsToVolts(Int16Array.of(-32768, 32767, 16384, 0, -1), 10);
    expect(Array.from(v)).toEqual([-10, 9.99969482421875, 5, 0, -0.00030517578125]);
  });

  it('writes into a caller-supplied buffer and checks its size', () => {
    const out = new Int16Array(4);
    expect(voltsToCounts(Float32Array.of(5, -5), 10, out)).toBe(out);
    expect(Array.from(out)).toEqual([16384, -16384, 0, 0]);
    expect(() => voltsToCounts(Float32Array.of(1, 2), 10, new Int16Array(1))).toThrow(RangeError);
    const vout = new Float32Array(2);
    expect(countsToVolts(Int16Array.of(16384, -32768), 10, vout)).toBe(vout);
    expect(Array.from(vout)).toEqual([5, -10]);
    expect(() => countsToVolts(Int16Array.of(1, 2), 10, new Float32Array(1))).toThrow(RangeError);
  });

  it('refuses a range that is not positive', () => {
    expect(() => voltsToCounts(Float32Array.of(1), 0)).toThrow(RangeError);
    expect(() => countsToVolts(Int16Array.of(1), -10)).toThrow(RangeError);
  });

  it('splits the golden AI block into one volts array per channel', () => {
    const [ch0, ch1] = deinterleaveToVolts(Int16Array.of(100, -100, 32767, -32768), 2, 10);
    expect(Array.from(ch0!)).toEqual([Math.fround(100 * 10 / 32768), 9.99969482421875]);
    expect(Array.from(ch1!)).toEqual([Math.fround(-100 * 10 / 32768), -10]);
    expect(() => deinterleaveToVolts(Int16Array.of(1, 2, 3), 2, 10)).toThrow(RangeError);
  });

  it('interleaves the §8.4 AO waveforms into the two AO_CHUNK sample lists', () => {
    const ao0 = Float32Array.of(0, 5, -10, 0);
    const ao1 = Float32Array.of(-5, 9.99969482421875, 0, 0);
    expect(Array.from(interleaveToCounts([ao0, ao1], 0, 2, 10))).toEqual([0, -16384, 16384, 32767]);
    expect(Array.from(interleaveToCounts([ao0, ao1], 2, 2, 10))).toEqual([-32768, 0, 0, 0]);
    expect(() => interleaveToCounts([ao0, ao1], 3, 2, 10)).toThrow(RangeError);
  });
});

describe('control-line values (§6)', () => {
  it('formats and parses channel lists', () => {
    expect(formatChannelList([0, 1, 2])).toBe('0,1,2');
    expect(formatChannelList([2, 0])).toBe('2,0');
    expect(formatChannelList([])).toBe('-');
    expect(() => formatChannelList([-1])).toThrow(RangeError);
    expect(() => formatChannelList([1.5])).toThrow(RangeError);
    expect(parseChannelList('0,1,2')).toEqual({ ok: true, value: [0, 1, 2] });
    expect(parseChannelList('2,0')).toEqual({ ok: true, value: [2, 0] });
    expect(parseChannelList('-')).toEqual({ ok: true, value: [] });
    expect(parseChannelList('7', 8)).toEqual({ ok: true, value: [7] });
    expect(parseChannelListValue(okValues('7 OK 0,1\n'))).toEqual({ ok: true, value: [0, 1] });
  });

  it.each([
    ['', undefined, 'not a channel number'],
    ['0,,1', undefined, 'not a channel number'],
    ['0,0', undefined, 'listed twice'],
    ['1e0', undefined, 'not a channel number'],
    ['01', undefined, 'not a channel number'],
    ['-1', undefined, 'not a channel number'],
    ['0;1', undefined, 'not a channel number'],
    ['0,8', 8, 'does not exist'],
  ])('rejects the channel list %j', (token, count, reason) => {
    const r = parseChannelList(token, count);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(reason);
  });

  it('reads CAPS?', () => {
    expect(parseCaps(okValues('2 OK AI=8 AO=8 RATEMAX=200000 RANGE=-10,10 BITS=16 AOFIFO=262144\n'))).toEqual({
      ok: true,
      value: { aiChannels: 8, aoChannels: 8, maxRateHz: 200000, range: [-10, 10], bits: 16, aoFifoScans: 262144 },
    });
  });

  it('reads CAPS? without AOFIFO (unknown depth), in another order, with unknown keys', () => {
    expect(parseCaps(okValues('2 OK BITS=16 RANGE=-10,10 AI=8 AO=4 RATEMAX=2e5 FOO=1\n'))).toEqual({
      ok: true,
      value: { aiChannels: 8, aoChannels: 4, maxRateHz: 200000, range: [-10, 10], bits: 16, aoFifoScans: 0 },
    });
  });

  it.each([
    ['AI=8 AO=8 RANGE=-10,10 BITS=16', 'lacks RATEMAX'],
    ['AI=8 AO=8 RATEMAX=200000 BITS=16', 'lacks RANGE'],
    ['AI=8 AO=8 RATEMAX=200000 RANGE=0,10 BITS=16', 'symmetric'],
    ['AI=8 AO=8 RATEMAX=200000 RANGE=-10 BITS=16', 'symmetric'],
    ['AI=8 AO=8 RATEMAX=200000 RANGE=-10,10,20 BITS=16', 'symmetric'],
    ['AI=0 AO=8 RATEMAX=200000 RANGE=-10,10 BITS=16', 'AI=0'],
    ['AI=8 AO=8 RATEMAX=200000 RANGE=-10,10 BITS=24', 'BITS=24'],
    ['AI=8 AI=8 AO=8 RATEMAX=200000 RANGE=-10,10 BITS=16', 'twice'],
    ['AI=8 AO=8 RATEMAX=abc RANGE=-10,10 BITS=16', 'RATEMAX=abc'],
    ['AI=8 AO=8 RATEMAX=200000 RANGE=-10,10 BITS=16 AOFIFO=0', 'AOFIFO=0'],
    ['AI=8 AO=8 RATEMAX=200000 RANGE=-10,10 BITS=16 AOFIFO', 'KEY=value'],
  ])('rejects CAPS? %j', (values, reason) => {
    const r = parseCaps(okValues(`2 OK ${values}\n`));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(reason);
  });

  it('writes CAPS? as documented', () => {
    const caps = { aiChannels: 8, aoChannels: 8, maxRateHz: 200000, range: [-10, 10] as [number, number], bits: 16, aoFifoScans: 262144 };
    expect(encodeOk(2, formatCaps(caps))).toBe('2 OK AI=8 AO=8 RATEMAX=200000 RANGE=-10,10 BITS=16 AOFIFO=262144\n');
  });

  it.each([
    ['25 OK DONE 0 4', status('done', {}, 4)],
    ['12 OK IDLE 0 0', status('idle', {}, 0)],
    ['9 OK RUNNING 1 20000', status('running', { aiOverrun: true }, 20000)],
    ['9 OK ERROR 2 2048', status('error', { aoUnderrun: true }, 2048)],
    ['9 OK ARMED 4 0', status('armed', { overload: true }, 0)],
  ])('reads STAT? %j and writes it back', (line, want) => {
    expect(parseStat(okValues(line))).toEqual({ ok: true, value: want });
    expect(encodeOk(Number(line.split(' ')[0]), formatStat(want))).toBe(`${line}\n`);
  });

  it.each([
    ['9 OK running 0 0', 'state'],
    ['9 OK BUSY 0 0', 'state'],
    ['9 OK RUNNING 8 0', 'flags'],
    ['9 OK RUNNING x 0', 'flags'],
    ['9 OK RUNNING 1', 'expects 3'],
    ['9 OK RUNNING 1 2 3', 'expects 3'],
    ['9 OK RUNNING 1 -5', 'scan'],
    ['9 OK RUNNING 1 x', 'scan'],
  ])('rejects STAT? %j', (line, reason) => {
    const r = parseStat(okValues(line));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(reason);
  });

  it('reads RANGE?', () => {
    expect(parseRange(okValues('9 OK -10 10\n'))).toEqual({ ok: true, value: [-10, 10] });
    expect(parseRange(okValues('9 OK 10 -10\n')).ok).toBe(false);
    expect(parseRange(okValues('9 OK 10\n')).ok).toBe(false);
  });
});

describe('events (§7)', () => {
  it('reads DONE, STOPPED, ERROR and RESET', () => {
    expect(parseDigitizerEvent(...event('! DONE 4\n'))).toEqual({ ok: true, value: { kind: 'done', scans: 4 } });
    expect(parseDigitizerEvent(...event('! STOPPED 12000\n'))).toEqual({ ok: true, value: { kind: 'stopped', scan: 12000 } });
    expect(parseDigitizerEvent(...event('! ERROR 7 AO underrun at scan 2048\n'))).toEqual({
      ok: true,
      value: { kind: 'error', code: 7, message: 'AO underrun at scan 2048' },
    });
    expect(parseDigitizerEvent(...event('! RESET\n'))).toEqual({ ok: true, value: { kind: 'reset' } });
  });

  it.each(['! DONE', '! DONE x', '! DONE 4 5', '! STOPPED -1', '! ERROR 7', '! ERROR x y', '! RESET 1', '! FOO'])(
    'rejects %j',
    (line) => {
      expect(parseDigitizerEvent(...event(line)).ok).toBe(false);
    },
  );

  it('writes the ERROR event of §8.6', () => {
    expect(encodeEvent('ERROR', formatErrorEventArgs(7, 'AO underrun at scan 2048'))).toBe('! ERROR 7 AO underrun at scan 2048\n');
    expect(() => formatErrorEventArgs(0, 'x')).toThrow(RangeError);
  });
});

describe('request lines (§8)', () => {
  it.each([
    [2, capsQuery(), '2 CAPS?\n'],
    [3, rateCommand(20000), '3 RATE 20000\n'],
    [4, digitizerQuery('RATE?'), '4 RATE?\n'],
    [5, inputsCommand([0, 1]), '5 AI 0,1\n'],
    [6, outputsCommand([0, 1]), '6 AO 0,1\n'],
    [7, digitizerQuery('AI?'), '7 AI?\n'],
    [8, digitizerQuery('AO?'), '8 AO?\n'],
    [9, digitizerQuery('RANGE?', 0), '9 RANGE? 0\n'],
    [10, idleOutputCommand(0, -3.5), '10 AOIDLE 0 -3.5\n'],
    [11, digitizerQuery('AOIDLE?', 0), '11 AOIDLE? 0\n'],
    [12, statQuery(), '12 STAT?\n'],
    [13, digitizerQuery('FRAMED?'), '13 FRAMED?\n'],
    [21, framedCommand(true), '21 FRAMED 1\n'],
    [22, armCommand(4, 'SW'), '22 ARM 4 SW\n'],
    [24, startCommand(), '24 START\n'],
    [26, outputsCommand([]), '26 AO -\n'],
    [27, armCommand(1000000, 'SW'), '27 ARM 1000000 SW\n'],
    [29, stopCommand(), '29 STOP\n'],
    [30, framedCommand(false), '30 FRAMED 0\n'],
    [31, armCommand(50000, 'EXT'), '31 ARM 50000 EXT\n'],
  ])('id %i → %j', (id, cmd, line) => {
    expect(encodeCommand(id, cmd)).toBe(line);
  });

  it('refuses arguments the device would reject by type', () => {
    expect(() => rateCommand(1000.5)).toThrow(RangeError);
    expect(() => rateCommand(0)).toThrow(RangeError);
    expect(() => armCommand(0, 'SW')).toThrow(RangeError);
    expect(() => armCommand(2 ** 53, 'SW')).toThrow(RangeError);
    expect(() => armCommand(4, 'NOW' as 'SW')).toThrow(RangeError);
    expect(() => idleOutputCommand(-1, 0)).toThrow(RangeError);
    expect(() => idleOutputCommand(0, Number.NaN)).toThrow(RangeError);
  });
});
