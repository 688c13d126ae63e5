/**
 * Binary trace frames of `/ws` (DESIGN §6, docs/protocols/websocket.md). Little-endian, a 32-byte
 * header (a multiple of 4, so the payload can be viewed as Float32Array in place) then float32s:
 *
 * | offset | type | field |
 * |---|---|---|
 * | 0  | u32 | magic `0x46545250` (bytes `P R T F`) |
 * | 4  | u16 | version (1) |
 * | 6  | u8  | headstage (0-based) |
 * | 7  | u8  | signal: 0 command (V in VC, A in IC), 1 response (A in VC, V in IC) |
 * | 8  | u32 | sweep index |
 * | 12 | u32 | first sample index within the sweep |
 * | 16 | f64 | sample rate, Hz |
 * | 24 | u32 | decimation factor (1: raw samples) |
 * | 28 | u32 | sample count: input samples the frame covers |
 * | 32 | f32[] | factor 1: `count` samples; factor f > 1: `ceil(count / f)` columns of (min, max) |
 *
 * Column j of a decimated frame covers samples `[first + j·f, min(first + (j+1)·f, first + count))`.
 */
export const FRAME_MAGIC = 0x46545250;
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 32;

export const SIGNAL_COMMAND = 0;
export const SIGNAL_RESPONSE = 1;
export type TraceSignal = typeof SIGNAL_COMMAND | typeof SIGNAL_RESPONSE;

export interface TraceFrame {
  headstage: number;
  signal: TraceSignal;
  sweep: number;
  firstSample: number;
  /** Hz. */
  sampleRate: number;
  decimation: number;
  /** Input samples covered by the frame. */
  sampleCount: number;
  /** Raw samples (decimation 1) or interleaved min, max per column; SI units. */
  values: Float32Array;
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** Float32 values the payload of a frame with this factor and count holds. */
export function payloadLength(decimation: number, sampleCount: number): number {
  return decimation === 1 ? sampleCount : 2 * Math.ceil(sampleCount / decimation);
}

export function encodeTraceFrame(f: TraceFrame): Buffer {
  if (!Number.isInteger(f.headstage) || f.headstage < 0 || f.headstage > 255) throw new FrameError(`headstage: must be an integer 0–255, got ${f.headstage}`);
  if (!Number.isInteger(f.decimation) || f.decimation < 1) throw new FrameError(`decimation: must be an integer ≥ 1, got ${f.decimation}`);
  const n = payloadLength(f.decimation, f.sampleCount);
  if (f.values.length !== n) throw new FrameError(`values: ${f.values.length} floats for decimation ${f.decimation} × ${f.sampleCount} samples, expected ${n}`);
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 4 * n);
  buf.writeUInt32LE(FRAME_MAGIC, 0);
  buf.writeUInt16LE(FRAME_VERSION, 4);
  buf.writeUInt8(f.headstage, 6);
  buf.writeUInt8(f.signal, 7);
  buf.writeUInt32LE(f.sweep, 8);
  buf.writeUInt32LE(f.firstSample, 12);
  buf.writeDoubleLE(f.sampleRate, 16);
  buf.writeUInt32LE(f.decimation, 24);
  buf.writeUInt32LE(f.sampleCount, 28);
  // Buffer.from(ArrayBuffer) copies as raw bytes; the host is little-endian (x86, ARM) like the wire.
  Buffer.from(f.values.buffer, f.values.byteOffset, f.values.byteLength).copy(buf, FRAME_HEADER_BYTES);
  return buf;
}

export function decodeTraceFrame(data: Uint8Array): TraceFrame {
  if (data.byteLength < FRAME_HEADER_BYTES) throw new FrameError(`frame: ${data.byteLength} bytes, shorter than the ${FRAME_HEADER_BYTES}-byte header`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = v.getUint32(0, true);
  if (magic !== FRAME_MAGIC) throw new FrameError(`magic: 0x${magic.toString(16)} is not a patchrig trace frame (0x${FRAME_MAGIC.toString(16)})`);
  const version = v.getUint16(4, true);
  if (version !== FRAME_VERSION) throw new FrameError(`version: ${version} is not supported (${FRAME_VERSION})`);
  const signal = v.getUint8(7);
  if (signal !== SIGNAL_COMMAND && signal !== SIGNAL_RESPONSE) throw new FrameError(`signal: ${signal} is neither 0 (command) nor 1 (response)`);
  const decimation = v.getUint32(24, true);
  if (decimation < 1) throw new FrameError('decimation: 0 is not a factor');
  const sampleCount = v.getUint32(28, true);
  const n = payloadLength(decimation, sampleCount);
  if (data.byteLength !== FRAME_HEADER_BYTES + 4 * n) throw new FrameError(`frame: ${data.byteLength} bytes, the header announces ${FRAME_HEADER_BYTES + 4 * n}`);
  const start = data.byteOffset + FRAME_HEADER_BYTES;
  // A received Buffer may be a slice at any offset; Float32Array needs 4-byte alignment.
  const values = start % 4 === 0 ? new Float32Array(data.buffer, start, n) : new Float32Array(data.buffer.slice(start, start + 4 * n));
  return {
    headstage: v.getUint8(6),
    signal,
    sweep: v.getUint32(8, true),
    firstSample: v.getUint32(12, true),
    sampleRate: v.getFloat64(16, true),
    decimation,
    sampleCount,
    values,
  };
}
