/**
 * Pure codec of the patchrig digitizer (docs/protocols/patchrig-digitizer.md): control-line values,
 * frame payloads (the envelope is drivers/transport/binary-frame.ts) and counts ⇄ volts.
 */
import type { DigitizerCapabilities, DigitizerState, DigitizerStatus } from '../digitizer.ts';
import {
  fail,
  formatInteger,
  formatNumber,
  isPlainInteger,
  messageTokens,
  ok,
  parseCount,
  parseNumber,
  type Command,
  type Result,
} from '../../control/line-codec.ts';
import { MAX_PAYLOAD } from '../../transport/binary-frame.ts';

export { parseEmpty, parseIdentity, parseProtocolVersion } from '../../control/line-codec.ts';

// ---- frames ----

// The envelope module owns the type bytes and the payload limit; re-exported for payload users.
export { FrameType, MAX_PAYLOAD as MAX_PAYLOAD_BYTES } from '../../transport/binary-frame.ts';
/** first_scan, n_ch, n_scans. */
export const SAMPLES_HEADER_BYTES = 11;
export const STATUS_PAYLOAD_BYTES = 10;
/** Largest CTRL payload: a 256-byte line minus its LF. */
export const MAX_CTRL_PAYLOAD_BYTES = 255;
const MAX_SAFE_HI = 0x1fffff; // high 32 bits of 2^53 - 1

/** Most scans of `nChannels` samples one AI_BLOCK / AO_CHUNK can carry. */
export function maxScansPerPayload(nChannels: number): number {
  return Math.min(0xffff, Math.floor((MAX_PAYLOAD - SAMPLES_HEADER_BYTES) / (2 * nChannels)));
}

/** Contents of an AI_BLOCK or AO_CHUNK payload; `samples` are scan-major (s0c0, s0c1, s1c0, …). */
export interface SamplesPayload {
  firstScan: number;
  nChannels: number;
  nScans: number;
  samples: Int16Array;
}

// Copying bytes into a fresh Int16Array is only a reinterpretation when the host is little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeSamplesPayload(p: SamplesPayload): Uint8Array {
  const { firstScan, nChannels, nScans, samples } = p;
  if (!Number.isSafeInteger(firstScan) || firstScan < 0) throw new RangeError(`first_scan ${firstScan} is not in 0..2^53-1`);
  if (!Number.isInteger(nChannels) || nChannels < 1 || nChannels > 255) throw new RangeError(`n_ch ${nChannels} is not in 1..255`);
  if (!Number.isInteger(nScans) || nScans < 1 || nScans > 0xffff) throw new RangeError(`n_scans ${nScans} is not in 1..65535`);
  const n = nChannels * nScans;
  if (samples.length !== n) throw new RangeError(`${samples.length} samples given, n_ch × n_scans = ${n}`);
  const len = SAMPLES_HEADER_BYTES + 2 * n;
  if (len > MAX_PAYLOAD) throw new RangeError(`payload of ${len} bytes exceeds ${MAX_PAYLOAD}`);

  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, firstScan % 0x1_0000_0000, true);
  dv.setUint32(4, Math.floor(firstScan / 0x1_0000_0000), true);
  dv.setUint8(8, nChannels);
  dv.setUint16(9, nScans, true);
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(samples.buffer, samples.byteOffset, 2 * n), SAMPLES_HEADER_BYTES);
  } else {
    for (let i = 0; i < n; i++) dv.setInt16(SAMPLES_HEADER_BYTES + 2 * i, samples[i] as number, true);
  }
  return out;
}

/**
 * Decodes an AI_BLOCK / AO_CHUNK payload. Runs on every block (8 ch × 50 kHz): one allocation and
 * one byte copy per block, never per sample. `samples` is a copy, so the frame buffer can be reused.
 */
export function decodeSamplesPayload(payload: Uint8Array): Result<SamplesPayload> {
  if (payload.length < SAMPLES_HEADER_BYTES) {
    return fail(`samples payload of ${payload.length} bytes is shorter than its ${SAMPLES_HEADER_BYTES}-byte header`);
  }
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi > MAX_SAFE_HI) return fail(`first_scan 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} exceeds 2^53-1`);
  const firstScan = hi * 0x1_0000_0000 + lo;
  const nChannels = dv.getUint8(8);
  const nScans = dv.getUint16(9, true);
  if (nChannels === 0 || nScans === 0) return fail(`empty samples payload (n_ch ${nChannels}, n_scans ${nScans})`);
  const n = nChannels * nScans;
  const expected = SAMPLES_HEADER_BYTES + 2 * n;
  if (payload.length !== expected) {
    return fail(`samples payload is ${payload.length} bytes, 11 + 2 × ${nChannels} × ${nScans} = ${expected} expected`);
  }
  const samples = new Int16Array(n);
  if (LITTLE_ENDIAN) {
    new Uint8Array(samples.buffer).set(payload.subarray(SAMPLES_HEADER_BYTES, expected));
  } else {
    for (let i = 0; i < n; i++) samples[i] = dv.getInt16(SAMPLES_HEADER_BYTES + 2 * i, true);
  }
  return ok({ firstScan, nChannels, nScans, samples });
}

const STATES: readonly DigitizerState[] = ['idle', 'armed', 'running', 'done', 'error'];
const FLAG_AI_OVERRUN = 0x01;
const FLAG_AO_UNDERRUN = 0x02;
const FLAG_OVERLOAD = 0x04;
const KNOWN_FLAGS = FLAG_AI_OVERRUN | FLAG_AO_UNDERRUN | FLAG_OVERLOAD;

export function statusFlags(s: Pick<DigitizerStatus, 'aiOverrun' | 'aoUnderrun' | 'overload'>): number {
  return (s.aiOverrun ? FLAG_AI_OVERRUN : 0) | (s.aoUnderrun ? FLAG_AO_UNDERRUN : 0) | (s.overload ? FLAG_OVERLOAD : 0);
}

function statusFrom(state: DigitizerState, flags: number, scan: number): DigitizerStatus {
  return {
    state,
    aiOverrun: (flags & FLAG_AI_OVERRUN) !== 0,
    aoUnderrun: (flags & FLAG_AO_UNDERRUN) !== 0,
    overload: (flags & FLAG_OVERLOAD) !== 0,
    scan,
  };
}

export function encodeStatusPayload(s: DigitizerStatus): Uint8Array {
  const code = STATES.indexOf(s.state);
  if (code < 0) throw new RangeError(`unknown digitizer state ${String(s.state)}`);
  if (!Number.isSafeInteger(s.scan) || s.scan < 0) throw new RangeError(`scan ${s.scan} is not in 0..2^53-1`);
  const out = new Uint8Array(STATUS_PAYLOAD_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, code);
  dv.setUint8(1, statusFlags(s));
  dv.setUint32(2, s.scan % 0x1_0000_0000, true);
  dv.setUint32(6, Math.floor(s.scan / 0x1_0000_0000), true);
  return out;
}

export function decodeStatusPayload(payload: Uint8Array): Result<DigitizerStatus> {
  if (payload.length !== STATUS_PAYLOAD_BYTES) return fail(`STATUS payload is ${payload.length} bytes, 10 expected`);
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const state = STATES[dv.getUint8(0)];
  if (!state) return fail(`STATUS state ${dv.getUint8(0)} is not 0..4`);
  const flags = dv.getUint8(1);
  if ((flags & ~KNOWN_FLAGS) !== 0) return fail(`STATUS flags 0x${flags.toString(16)} set reserved bits`);
  const lo = dv.getUint32(2, true);
  const hi = dv.getUint32(6, true);
  if (hi > MAX_SAFE_HI) return fail('STATUS scan exceeds 2^53-1');
  return ok(statusFrom(state, flags, hi * 0x1_0000_0000 + lo));
}

/** CTRL payload: the line without LF (a trailing `\n` is dropped), 7-bit printable ASCII, ≤ 255 bytes. */
export function encodeCtrlPayload(line: string): Uint8Array {
  const text = line.endsWith('\n') ? line.slice(0, -1) : line;
  if (text.length > MAX_CTRL_PAYLOAD_BYTES) throw new RangeError(`CTRL line of ${text.length} bytes exceeds 255`);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new RangeError(`CTRL line has the non-printable character 0x${c.toString(16)}`);
    out[i] = c;
  }
  return out;
}

/** The line a CTRL frame carries, without LF. Content checks are the line codec's job. */
export function decodeCtrlPayload(payload: Uint8Array): Result<string> {
  if (payload.length > MAX_CTRL_PAYLOAD_BYTES) return fail(`CTRL payload of ${payload.length} bytes exceeds 255`);
  for (const b of payload) {
    if (b === 0x0a || b === 0x0d) return fail('CTRL payload contains CR or LF');
  }
  return ok(String.fromCharCode(...payload));
}

// ---- counts ⇄ volts ----

function toCount(v: number, range: number, i: number): number {
  if (v !== v) throw new RangeError(`sample ${i} is NaN`);
  const c = Math.round((v * 32768) / range);
  return c > 32767 ? 32767 : c < -32768 ? -32768 : c;
}

/**
 * `counts = round(volts × 32768 / range)`, clamped to [-32768, 32767]; halves round up (Math.round).
 * NaN is refused: a silent 0 V on a command output would be a wrong value.
 */
export function voltsToCounts(volts: Float32Array, range: number, out: Int16Array = new Int16Array(volts.length)): Int16Array {
  checkRange(range);
  if (out.length < volts.length) throw new RangeError(`out holds ${out.length} samples, ${volts.length} needed`);
  for (let i = 0; i < volts.length; i++) out[i] = toCount(volts[i] as number, range, i);
  return out;
}

/** `volts = counts × range / 32768`. */
export function countsToVolts(counts: Int16Array, range: number, out: Float32Array = new Float32Array(counts.length)): Float32Array {
  checkRange(range);
  if (out.length < counts.length) throw new RangeError(`out holds ${out.length} samples, ${counts.length} needed`);
  const k = range / 32768;
  for (let i = 0; i < counts.length; i++) out[i] = (counts[i] as number) * k;
  return out;
}

/** Splits scan-major counts into one volts array per channel (AI_BLOCK → AiBlock.channels). */
export function deinterleaveToVolts(samples: Int16Array, nChannels: number, range: number): Float32Array[] {
  checkRange(range);
  if (!Number.isInteger(nChannels) || nChannels < 1 || samples.length % nChannels !== 0) {
    throw new RangeError(`${samples.length} samples do not split into ${nChannels} channels`);
  }
  const nScans = samples.length / nChannels;
  const k = range / 32768;
  const out: Float32Array[] = [];
  for (let c = 0; c < nChannels; c++) {
    const ch = new Float32Array(nScans);
    for (let s = 0, i = c; s < nScans; s++, i += nChannels) ch[s] = (samples[i] as number) * k;
    out.push(ch);
  }
  return out;
}

/** Scan-major counts for scans [start, start+nScans) of per-channel volts (waveforms → AO_CHUNK). */
export function interleaveToCounts(channels: readonly Float32Array[], start: number, nScans: number, range: number): Int16Array {
  checkRange(range);
  const nCh = channels.length;
  const out = new Int16Array(nCh * nScans);
  for (let c = 0; c < nCh; c++) {
    const src = channels[c] as Float32Array;
    if (!Number.isInteger(start) || start < 0 || start + nScans > src.length) {
      throw new RangeError(`channel ${c} has ${src.length} samples, scans ${start}..${start + nScans} requested`);
    }
    for (let s = 0, i = c; s < nScans; s++, i += nCh) out[i] = toCount(src[start + s] as number, range, start + s);
  }
  return out;
}

function checkRange(range: number): void {
  if (!Number.isFinite(range) || range <= 0) throw new RangeError(`range ${range} V is not a positive number`);
}

// ---- control-line values ----

/** `0,1,2` (scan order), or `-` for no channel. */
export function formatChannelList(channels: readonly number[]): string {
  if (channels.length === 0) return '-';
  for (const c of channels) {
    if (!Number.isSafeInteger(c) || c < 0) throw new RangeError(`digitizer channel ${c} is not an integer ≥ 0`);
  }
  return channels.map(formatInteger).join(',');
}

/** Parses `0,1,2` or `-`; plain decimal channels, no duplicates, each < `count` if given. */
export function parseChannelList(token: string, count?: number): Result<number[]> {
  if (token === '-') return ok([]);
  const parts = token.split(',');
  const out: number[] = [];
  for (const p of parts) {
    if (!isPlainInteger(p)) return fail(`channel list ${JSON.stringify(token)}: ${JSON.stringify(p)} is not a channel number`);
    const c = Number(p);
    if (count !== undefined && c >= count) return fail(`channel ${c} does not exist (0..${count - 1})`);
    if (out.includes(c)) return fail(`channel ${c} is listed twice`);
    out.push(c);
  }
  return ok(out);
}

/** `CAPS?` tokens `AI=8 AO=8 RATEMAX=200000 RANGE=-10,10 BITS=16 AOFIFO=262144`. */
export function formatCaps(c: DigitizerCapabilities): string[] {
  const [lo, hi] = c.range;
  return [
    `AI=${formatInteger(c.aiChannels)}`,
    `AO=${formatInteger(c.aoChannels)}`,
    `RATEMAX=${formatInteger(c.maxRateHz)}`,
    `RANGE=${formatNumber(lo)},${formatNumber(hi)}`,
    `BITS=${formatInteger(c.bits)}`,
    `AOFIFO=${formatInteger(c.aoFifoScans)}`,
  ];
}

/**
 * `CAPS?` values. AI, AO, RATEMAX, RANGE and BITS are required; AOFIFO is optional (0 = not said);
 * unknown keys are ignored so later versions can add capabilities.
 */
export function parseCaps(values: readonly string[]): Result<DigitizerCapabilities> {
  const map = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) return fail(`CAPS? token ${JSON.stringify(v)} is not KEY=value`);
    const key = v.slice(0, eq);
    if (map.has(key)) return fail(`CAPS? key ${key} appears twice`);
    map.set(key, v.slice(eq + 1));
  }
  const count = (key: string, min: number, required = true): Result<number> => {
    const raw = map.get(key);
    if (raw === undefined) return required ? fail(`CAPS? lacks ${key}`) : ok(0);
    const n = parseCount(raw);
    return n !== undefined && n >= min ? ok(n) : fail(`CAPS? ${key}=${raw} is not an integer ≥ ${min}`);
  };
  const ai = count('AI', 1);
  if (!ai.ok) return ai;
  const ao = count('AO', 0);
  if (!ao.ok) return ao;
  const rate = count('RATEMAX', 1);
  if (!rate.ok) return rate;
  const bits = count('BITS', 1);
  if (!bits.ok) return bits;
  if (bits.value > 16) return fail(`CAPS? BITS=${bits.value} exceeds the 16-bit samples of the frames`);
  const fifo = count('AOFIFO', 1, false);
  if (!fifo.ok) return fifo;
  const rawRange = map.get('RANGE');
  if (rawRange === undefined) return fail('CAPS? lacks RANGE');
  const ends = rawRange.split(',').map(parseNumber);
  const [lo, hi] = ends;
  if (ends.length !== 2 || lo === undefined || hi === undefined || !(hi > 0) || lo !== -hi) {
    return fail(`CAPS? RANGE=${rawRange} is not a symmetric range -R,R`);
  }
  return ok({ aiChannels: ai.value, aoChannels: ao.value, maxRateHz: rate.value, range: [lo, hi], bits: bits.value, aoFifoScans: fifo.value });
}

const STATE_WORDS = ['IDLE', 'ARMED', 'RUNNING', 'DONE', 'ERROR'] as const;

/** `STAT?` tokens `<state> <flags> <scan>`. */
export function formatStat(s: DigitizerStatus): string[] {
  const i = STATES.indexOf(s.state);
  const word = STATE_WORDS[i];
  if (word === undefined) throw new RangeError(`unknown digitizer state ${String(s.state)}`);
  return [word, formatInteger(statusFlags(s)), formatInteger(s.scan)];
}

export function parseStat(values: readonly string[]): Result<DigitizerStatus> {
  if (values.length !== 3) return fail(`STAT? expects 3 values <state> <flags> <scan>, got ${values.length}`);
  const [w, f, sc] = values as [string, string, string];
  const i = (STATE_WORDS as readonly string[]).indexOf(w);
  const state = STATES[i];
  if (!state) return fail(`STAT? state ${JSON.stringify(w)} is not one of ${STATE_WORDS.join('|')}`);
  const flags = parseCount(f);
  if (flags === undefined || (flags & ~KNOWN_FLAGS) !== 0 || flags > 0xff) return fail(`STAT? flags ${JSON.stringify(f)} are not 0..7`);
  const scan = parseCount(sc);
  if (scan === undefined) return fail(`STAT? scan ${JSON.stringify(sc)} is not a non-negative integer`);
  return ok(statusFrom(state, flags, scan));
}

// ---- events ----

export type DigitizerEvent =
  | { kind: 'done'; scans: number }
  | { kind: 'stopped'; scan: number }
  | { kind: 'error'; code: number; message: string }
  | { kind: 'reset' };

/** Arguments of `! ERROR <code> <message>` (the message becomes space-separated tokens). */
export function formatErrorEventArgs(code: number, message: string): string[] {
  if (!Number.isInteger(code) || code < 1 || code > 999) throw new RangeError(`bad error code ${code}`);
  return [formatInteger(code), ...messageTokens(message)];
}

export function parseDigitizerEvent(name: string, args: readonly string[]): Result<DigitizerEvent> {
  switch (name) {
    case 'DONE':
    case 'STOPPED': {
      const n = args.length === 1 && args[0] !== undefined ? parseCount(args[0]) : undefined;
      if (n === undefined) return fail(`${name} event expects one scan count, got ${JSON.stringify(args.join(' '))}`);
      return ok(name === 'DONE' ? { kind: 'done', scans: n } : { kind: 'stopped', scan: n });
    }
    case 'ERROR': {
      const [c, ...words] = args;
      const code = c !== undefined && /^[1-9][0-9]{0,2}$/.test(c) ? Number(c) : undefined;
      if (code === undefined || words.length === 0) return fail(`ERROR event expects <code> <message>, got ${JSON.stringify(args.join(' '))}`);
      return ok({ kind: 'error', code, message: words.join(' ') });
    }
    case 'RESET':
      return args.length === 0 ? ok({ kind: 'reset' }) : fail(`RESET event takes no arguments, got ${args.length}`);
    default:
      return fail(`unknown digitizer event ${JSON.stringify(name)}`);
  }
}

// ---- request builders (host side) ----

export type Trigger = 'SW' | 'EXT';

function aiAoChannel(ch: number): string {
  if (!Number.isSafeInteger(ch) || ch < 0) throw new RangeError(`digitizer channel ${ch} is not an integer ≥ 0`);
  return formatInteger(ch);
}

export const capsQuery = (): Command => ({ verb: 'CAPS?', args: [] });
export const statQuery = (): Command => ({ verb: 'STAT?', args: [] });
export const startCommand = (): Command => ({ verb: 'START', args: [] });
export const stopCommand = (): Command => ({ verb: 'STOP', args: [] });

export function rateCommand(hz: number): Command {
  if (!Number.isSafeInteger(hz) || hz < 1) throw new RangeError(`rate ${hz} Hz is not an integer ≥ 1`);
  return { verb: 'RATE', args: [formatInteger(hz)] };
}

export function inputsCommand(channels: readonly number[]): Command {
  return { verb: 'AI', args: [formatChannelList(channels)] };
}

export function outputsCommand(channels: readonly number[]): Command {
  return { verb: 'AO', args: [formatChannelList(channels)] };
}

export function idleOutputCommand(ch: number, volts: number): Command {
  if (!Number.isFinite(volts)) throw new RangeError(`idle output ${volts} V is not finite`);
  return { verb: 'AOIDLE', args: [aiAoChannel(ch), volts] };
}

export function armCommand(nScans: number, trigger: Trigger): Command {
  if (!Number.isSafeInteger(nScans) || nScans < 1) throw new RangeError(`nscans ${nScans} is not an integer ≥ 1`);
  if (trigger !== 'SW' && trigger !== 'EXT') throw new RangeError(`unknown trigger ${String(trigger)}`);
  return { verb: 'ARM', args: [formatInteger(nScans), trigger] };
}

export function framedCommand(on: boolean): Command {
  return { verb: 'FRAMED', args: [on] };
}

/** `RATE?`, `AI?`, `AO?`, `FRAMED?` (no channel), or `RANGE? ch`, `AOIDLE? ch`. */
export function digitizerQuery(verb: 'RATE?' | 'AI?' | 'AO?' | 'FRAMED?'): Command;
export function digitizerQuery(verb: 'RANGE?' | 'AOIDLE?', ch: number): Command;
export function digitizerQuery(verb: string, ch?: number): Command {
  return { verb, args: ch === undefined ? [] : [aiAoChannel(ch)] };
}

/** `RANGE? ch` → [lo, hi] volts. */
export function parseRange(values: readonly string[]): Result<[number, number]> {
  const [a, b] = values.map(parseNumber);
  if (values.length !== 2 || a === undefined || b === undefined || !(a < b)) {
    return fail(`RANGE? expects two numbers lo < hi, got ${JSON.stringify(values.join(' '))}`);
  }
  return ok([a, b]);
}

/** `AI?` / `AO?` → channels in scan order. */
export function parseChannelListValue(values: readonly string[]): Result<number[]> {
  if (values.length !== 1 || values[0] === undefined) return fail(`expected one channel list, got ${values.length} values`);
  return parseChannelList(values[0]);
}
