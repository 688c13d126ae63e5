import { describe, expect, it } from 'vitest';
import { AoFifo } from '../../../simulators/devices/digitizer/ao-fifo.ts';

describe('simulated digitizer AO buffer', () => {
  it('plays chunks back in scan order across chunk boundaries, de-interleaving channels', () => {
    const fifo = new AoFifo(2, 100);
    expect(fifo.push(0, 2, 3, Int16Array.from([1, -1, 2, -2, 3, -3]))).toBeUndefined();
    expect(fifo.push(3, 2, 2, Int16Array.from([4, -4, 5, -5]))).toBeUndefined();
    const out = [new Float64Array(4), new Float64Array(4)];
    expect(fifo.take(4, out, 0.5)).toBe(4);
    expect(Array.from(out[0] as Float64Array)).toEqual([0.5, 1, 1.5, 2]);
    expect(Array.from(out[1] as Float64Array)).toEqual([-0.5, -1, -1.5, -2]);
    expect(fifo.bufferedScans).toBe(1);
  });

  it('reports an underrun by returning fewer scans than asked', () => {
    const fifo = new AoFifo(1, 10);
    fifo.push(0, 1, 2, Int16Array.from([7, 8]));
    expect(fifo.take(5, [new Float64Array(5)], 1)).toBe(2);
  });

  it('refuses chunks out of order, with the wrong channel count, or beyond its capacity', () => {
    const fifo = new AoFifo(1, 4);
    expect(fifo.push(1, 1, 1, Int16Array.from([0]))).toBe('AO chunk starts at scan 1, expected 0');
    expect(fifo.push(0, 2, 1, Int16Array.from([0, 0]))).toBe('AO chunk has 2 channel(s), 1 are enabled');
    expect(fifo.push(0, 1, 3, new Int16Array(3))).toBeUndefined();
    expect(fifo.push(3, 1, 2, new Int16Array(2))).toBe('AO buffer overflow: 5 scans would be buffered, it holds 4');
    fifo.take(2, [new Float64Array(2)], 1);
    expect(fifo.push(3, 1, 2, new Int16Array(2))).toBeUndefined();
  });
});
