import { describe, expect, it } from 'vitest';
import { decimationFactor, minMaxColumns } from '../../src/server/ws/decimate.ts';
import { FRAME_HEADER_BYTES, FrameError, decodeTraceFrame, encodeTraceFrame } from '../../src/server/ws/frame.ts';

// Typed from the layout in docs/protocols/websocket.md, not produced by the encoder.
const FIXTURE = Buffer.from([
  0x50, 0x52, 0x54, 0x46, // magic "PRTF"
  0x01, 0x00, // version 1
  0x03, // headstage 3
  0x01, // signal 1 (response)
  0x07, 0x00, 0x00, 0x00, // sweep 7
  0xe8, 0x03, 0x00, 0x00, // first sample 1000
  0x00, 0x00, 0x00, 0x00, 0x00, 0x88, 0xd3, 0x40, // sample rate 20000.0 (f64)
  0x02, 0x00, 0x00, 0x00, // decimation 2
  0x03, 0x00, 0x00, 0x00, // 3 samples → 2 columns
  0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x80, 0x3f, // column 0: min -1, max 1
  0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x40, // column 1: min 2, max 2
]);

describe('binary trace frames', () => {
  it('encode to the documented bytes: a 32-byte little-endian header, then float32 min/max pairs', () => {
    const buf = encodeTraceFrame({ headstage: 3, signal: 1, sweep: 7, firstSample: 1000, sampleRate: 20_000, decimation: 2, sampleCount: 3, values: Float32Array.of(-1, 1, 2, 2) });
    expect(FRAME_HEADER_BYTES % 4).toBe(0);
    expect(buf.equals(FIXTURE)).toBe(true);
  });

  it('decode the fixture, also from a Buffer slice at an odd offset (Float32 views need 4-byte alignment)', () => {
    const f = decodeTraceFrame(FIXTURE);
    expect({ ...f, values: [...f.values] }).toEqual({ headstage: 3, signal: 1, sweep: 7, firstSample: 1000, sampleRate: 20_000, decimation: 2, sampleCount: 3, values: [-1, 1, 2, 2] });
    const shifted = Buffer.alloc(FIXTURE.length + 1);
    FIXTURE.copy(shifted, 1);
    expect([...decodeTraceFrame(shifted.subarray(1)).values]).toEqual([-1, 1, 2, 2]);
  });

  it('carry raw samples when not decimated', () => {
    const buf = encodeTraceFrame({ headstage: 0, signal: 0, sweep: 0, firstSample: 0, sampleRate: 50_000, decimation: 1, sampleCount: 3, values: Float32Array.of(-0.07, -0.06, 0.02) });
    expect(buf.length).toBe(FRAME_HEADER_BYTES + 12);
    const f = decodeTraceFrame(buf);
    expect(f.signal).toBe(0);
    expect([...f.values]).toEqual([...Float32Array.of(-0.07, -0.06, 0.02)]);
  });

  it.each([
    ['a short buffer', FIXTURE.subarray(0, 20), 'shorter than the 32-byte header'],
    ['a wrong magic', Buffer.concat([Buffer.from('XXXX'), FIXTURE.subarray(4)]), 'magic: 0x58585858 is not a patchrig trace frame'],
    ['a truncated payload', FIXTURE.subarray(0, FIXTURE.length - 4), 'the header announces 48'],
  ])('refuse %s with what is wrong', (_name, data, message) => {
    expect(() => decodeTraceFrame(data)).toThrow(FrameError);
    expect(() => decodeTraceFrame(data)).toThrow(message);
  });

  it('refuse to encode values that do not match the factor and count', () => {
    expect(() => encodeTraceFrame({ headstage: 0, signal: 1, sweep: 0, firstSample: 0, sampleRate: 1, decimation: 2, sampleCount: 4, values: new Float32Array(3) })).toThrow('expected 4');
  });
});

describe('min/max decimation', () => {
  it('keeps a one-sample spike, up or down, at any factor', () => {
    for (const factor of [2, 7, 100, 1000]) {
      for (const at of [0, 499, 4321, 9999]) {
        const x = new Float32Array(10_000).fill(-0.065);
        x[at] = 0.03;
        const cols = minMaxColumns(x, factor);
        expect(Math.max(...cols)).toBeCloseTo(0.03, 6);
        expect(cols[2 * Math.floor(at / factor) + 1]).toBeCloseTo(0.03, 6);
        x[at] = -0.1;
        expect(Math.min(...minMaxColumns(x, factor))).toBeCloseTo(-0.1, 6);
      }
    }
  });

  it('gives ceil(n / factor) columns, the last one partial', () => {
    const cols = minMaxColumns(Float32Array.of(1, 5, 3, -2, 4), 2);
    expect([...cols]).toEqual([1, 5, -2, 3, 4, 4]);
  });

  it('fits a span of samples into the width', () => {
    expect(decimationFactor(5000, 1000)).toBe(5);
    expect(decimationFactor(5001, 1000)).toBe(6);
    expect(decimationFactor(300, 1000)).toBe(1);
  });
});
