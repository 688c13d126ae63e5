import { describe, expect, it } from 'vitest';
import { AoFifo } from '../../../simulators/devices/digitizer/ao-fifo.ts';

const chunk = (firstScan: number, nChannels: number, samples: number[]) => ({
  firstScan,
  nChannels,
  nScans: samples.length / nChannels,
  samples: Int16Array.from(samples),
});

describe('simulated digitizer AO buffer (patchrig-digitizer.md §5.2)', () => {
  it('plays chunks back in scan order across chunk boundaries, de-interleaving channels', () => {
    const fifo = new AoFifo(2, 100);
    expect(fifo.push(chunk(0, 2, [1, -1, 2, -2, 3, -3]))).toBeUndefined();
    expect(fifo.push(chunk(3, 2, [4, -4, 5, -5]))).toBeUndefined();
    expect(fifo.written).toBe(5);
    const out = [new Float64Array(4), new Float64Array(4)];
    expect(fifo.take(4, out, 0.5)).toBe(4);
    expect(Array.from(out[0] as Float64Array)).toEqual([0.5, 1, 1.5, 2]);
    expect(Array.from(out[1] as Float64Array)).toEqual([-0.5, -1, -1.5, -2]);
    expect(fifo.bufferedScans).toBe(1);
  });

  it('reports an underrun by returning fewer scans than asked, and fills from a given index', () => {
    const fifo = new AoFifo(1, 10);
    fifo.push(chunk(0, 1, [7, 8]));
    const out = [new Float64Array(5)];
    expect(fifo.take(5, out, 1)).toBe(2);
    fifo.push(chunk(2, 1, [9]));
    expect(fifo.take(3, out, 1, 2)).toBe(1);
    expect(Array.from(out[0] as Float64Array)).toEqual([7, 8, 9, 0, 0]);
  });

  it('checks a chunk in the order of §5.2 with its error code: channels (2), sequence (7), nscans (3), room (7)', () => {
    const fifo = new AoFifo(1, 4);
    // Wrong channel count and out of sequence: the channel count is reported.
    expect(fifo.push(chunk(1, 2, [0, 0]))).toEqual({ code: 2, message: 'AO chunk has 2 channels, 1 enabled' });
    expect(fifo.push(chunk(1, 1, [0]))).toEqual({ code: 7, message: 'AO chunk out of sequence: first_scan 1, expected 0' });
    // Out of sequence and beyond nscans: the sequence is reported.
    expect(fifo.push(chunk(2, 1, [0, 0, 0]), 3)?.code).toBe(7);
    expect(fifo.push(chunk(0, 1, [0, 0, 0, 0]), 3)).toEqual({ code: 3, message: 'AO chunk ends at scan 4, beyond nscans 3' });
    expect(fifo.push(chunk(0, 1, [0, 0, 0]))).toBeUndefined();
    expect(fifo.push(chunk(3, 1, [0, 0]))).toEqual({ code: 7, message: 'AO buffer overflow: 5 scans, it holds 4' });
    // A refused chunk changes nothing: E is still 3, and room comes back as scans are played.
    expect(fifo.written).toBe(3);
    fifo.take(2, [new Float64Array(2)], 1);
    expect(fifo.push(chunk(3, 1, [0, 0]))).toBeUndefined();
    expect(fifo.bufferedScans).toBe(3);
  });

  it('is emptied with E back at 0 by clear()', () => {
    const fifo = new AoFifo(1, 4);
    fifo.push(chunk(0, 1, [1, 2]));
    fifo.clear();
    expect([fifo.written, fifo.bufferedScans]).toEqual([0, 0]);
    expect(fifo.push(chunk(0, 1, [3]))).toBeUndefined();
  });
});
