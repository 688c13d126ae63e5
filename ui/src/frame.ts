/**
 * Decodes the binary trace frames of `/ws` (docs/protocols/websocket.md, "Trace frames"). The
 * console has its own decoder because it talks to the service over the wire only (DESIGN §2:
 * nothing in `ui` imports `src`); tests/ui checks it against the server's encoder.
 */
export const FRAME_MAGIC = 0x46545250;
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 32;
/** Sweep index of test-pulse frames (they belong to no sweep). */
export const TEST_PULSE_SWEEP = 0xffffffff;

export interface TraceFrame {
  headstage: number;
  /** 0 command (V in VC, A in IC), 1 response (A in VC, V in IC). */
  signal: 0 | 1;
  sweep: number;
  firstSample: number;
  sampleRate: number;
  /** 1: `values` are raw samples; f > 1: interleaved (min, max) per column of f samples. */
  decimation: number;
  sampleCount: number;
  values: Float32Array;
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export function parseTraceFrame(buf: ArrayBuffer): TraceFrame {
  if (buf.byteLength < FRAME_HEADER_BYTES) throw new FrameError(`frame of ${buf.byteLength} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`);
  const v = new DataView(buf);
  const magic = v.getUint32(0, true);
  if (magic !== FRAME_MAGIC) throw new FrameError(`magic 0x${magic.toString(16)} is not a trace frame`);
  const version = v.getUint16(4, true);
  if (version !== FRAME_VERSION) throw new FrameError(`trace frame version ${version} is not supported (${FRAME_VERSION})`);
  const signal = v.getUint8(7);
  if (signal !== 0 && signal !== 1) throw new FrameError(`signal ${signal} is neither command (0) nor response (1)`);
  const decimation = v.getUint32(24, true);
  if (decimation < 1) throw new FrameError('decimation factor 0');
  const sampleCount = v.getUint32(28, true);
  const n = decimation === 1 ? sampleCount : 2 * Math.ceil(sampleCount / decimation);
  if (buf.byteLength !== FRAME_HEADER_BYTES + 4 * n) throw new FrameError(`frame of ${buf.byteLength} bytes, its header announces ${FRAME_HEADER_BYTES + 4 * n}`);
  return {
    headstage: v.getUint8(6),
    signal,
    sweep: v.getUint32(8, true),
    firstSample: v.getUint32(12, true),
    sampleRate: v.getFloat64(16, true),
    decimation,
    sampleCount,
    // The header is 32 bytes, so the payload is 4-byte aligned and can be viewed in place.
    values: new Float32Array(buf, FRAME_HEADER_BYTES, n),
  };
}

/** Calls `fn(firstSample, lastSampleExclusive, min, max)` for each column (or sample) of a frame. */
export function forEachColumn(f: TraceFrame, fn: (a: number, b: number, lo: number, hi: number) => void): void {
  const end = f.firstSample + f.sampleCount;
  if (f.decimation === 1) {
    for (let i = 0; i < f.sampleCount; i++) {
      const x = f.values[i] as number;
      fn(f.firstSample + i, f.firstSample + i + 1, x, x);
    }
    return;
  }
  const columns = f.values.length / 2;
  for (let j = 0; j < columns; j++) {
    const a = f.firstSample + j * f.decimation;
    fn(a, Math.min(a + f.decimation, end), f.values[2 * j] as number, f.values[2 * j + 1] as number);
  }
}
