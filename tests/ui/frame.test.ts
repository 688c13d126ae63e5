import { describe, expect, it } from 'vitest';
import { encodeTraceFrame } from '../../src/server/ws/frame.ts';
import { FrameError, forEachColumn, parseTraceFrame } from '../../ui/src/frame.ts';

/** An ArrayBuffer holding exactly the bytes of a Node Buffer (what the browser's WebSocket hands over). */
function wire(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

describe('trace frame parsing (console side of websocket.md)', () => {
  it('reads the worked example of websocket.md byte for byte', () => {
    const hex = '50525446 0100 03 01 07000000 e8030000 0000000000 88d340 02000000 03000000 000080bf 0000803f 00000040 00000040';
    const bytes = Uint8Array.from(hex.replace(/ /g, '').match(/../g) ?? [], (b) => parseInt(b, 16));
    const f = parseTraceFrame(bytes.buffer);
    expect({ ...f, values: [...f.values] }).toEqual({ headstage: 3, signal: 1, sweep: 7, firstSample: 1000, sampleRate: 20_000, decimation: 2, sampleCount: 3, values: [-1, 1, 2, 2] });
  });

  it('agrees with the server encoder for raw and decimated frames, test-pulse sweep included', () => {
    for (const [decimation, sampleCount] of [[1, 5], [4, 10], [7, 7]] as const) {
      const n = decimation === 1 ? sampleCount : 2 * Math.ceil(sampleCount / decimation);
      const values = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 1);
      const f = parseTraceFrame(wire(encodeTraceFrame({ headstage: 7, signal: 0, sweep: 0xffffffff, firstSample: 123, sampleRate: 50_000, decimation, sampleCount, values })));
      expect(f).toMatchObject({ headstage: 7, signal: 0, sweep: 0xffffffff, firstSample: 123, sampleRate: 50_000, decimation, sampleCount });
      expect([...f.values]).toEqual([...values]);
    }
  });

  it('refuses frames that are not trace frames, with the reason', () => {
    const good = wire(encodeTraceFrame({ headstage: 0, signal: 1, sweep: 0, firstSample: 0, sampleRate: 1000, decimation: 1, sampleCount: 2, values: new Float32Array(2) }));
    expect(() => parseTraceFrame(new ArrayBuffer(8))).toThrow(FrameError);
    const bad = good.slice(0);
    new DataView(bad).setUint32(0, 0x12345678, true);
    expect(() => parseTraceFrame(bad)).toThrow(/magic/);
    expect(() => parseTraceFrame(good.slice(0, good.byteLength - 4))).toThrow(/announces/);
  });

  it('gives each column its sample range; the last column may be short', () => {
    const f = parseTraceFrame(wire(encodeTraceFrame({ headstage: 0, signal: 1, sweep: 0, firstSample: 10, sampleRate: 1000, decimation: 4, sampleCount: 10, values: Float32Array.from([0, 1, 2, 3, 4, 5]) })));
    const cols: number[][] = [];
    forEachColumn(f, (a, b, lo, hi) => cols.push([a, b, lo, hi]));
    expect(cols).toEqual([[10, 14, 0, 1], [14, 18, 2, 3], [18, 20, 4, 5]]);
  });
});
