import { describe, expect, it } from 'vitest';
import { decimationFactor, minMaxColumns } from '../../src/server/ws/decimate.ts';
import { TEST_PULSE_SWEEP, type TraceFrame } from '../../ui/src/frame.ts';
import { TraceWindow } from '../../ui/src/trace-window.ts';

const RATE = 50_000;

/** A frame as the hub makes it: `samples` decimated to `width` columns. */
function frame(samples: Float32Array, first: number, width: number, sweep = 0): TraceFrame {
  const f = decimationFactor(samples.length, width);
  return { headstage: 0, signal: 1, sweep, firstSample: first, sampleRate: RATE, decimation: f, sampleCount: samples.length, values: minMaxColumns(samples, f) };
}

function maxOf(y: (number | null)[]): number {
  return Math.max(...y.filter((v): v is number => v !== null));
}

describe('TraceWindow: min/max columns to what uPlot draws', () => {
  it('keeps a one-sample spike visible through server and screen decimation (criterion 15)', () => {
    // 1 s at 50 kHz on 300 px: 167 samples per column; one sample of 80 mV among −70 mV.
    const samples = new Float32Array(RATE).fill(-0.07);
    samples[31_337] = 0.08;
    const w = new TraceWindow(300, 1);
    for (let a = 0; a < RATE; a += 5000) w.add(frame(samples.subarray(a, a + 5000), a, 300));
    const d = w.drawable(1e3);
    expect(d.x.length).toBe(600);
    expect(maxOf(d.y)).toBeCloseTo(80, 3);
    // The spike's column draws a vertical stroke from −70 to 80 mV at its time.
    const i = d.y.findIndex((v) => v !== null && v > 79);
    expect(d.y[i - 1]).toBeCloseTo(-70, 3);
    expect(d.x[i]).toBeCloseTo(31_337 / RATE, 2);
  });

  it('draws two points per column at the column centre (min then max)', () => {
    const w = new TraceWindow(4, 4 / RATE);
    w.add({ headstage: 0, signal: 1, sweep: 1, firstSample: 0, sampleRate: RATE, decimation: 1, sampleCount: 4, values: Float32Array.from([1, 5, 2, 3]) });
    const d = w.drawable();
    expect(d.y).toEqual([1, 1, 5, 5, 2, 2, 3, 3]);
    expect(d.x[0]).toBe(d.x[1]);
    expect(d.x[0]).toBeCloseTo(0.5 / RATE, 12);
  });

  it('grows the span by doubling when a sweep runs longer than shown, merging columns exactly', () => {
    const w = new TraceWindow(100);
    const a = new Float32Array(1000).fill(0);
    a[10] = 1;
    w.add(frame(a, 0, 100));
    expect(w.span).toBeCloseTo(1000 / RATE, 12);
    const b = new Float32Array(3000).fill(0);
    b[2999] = -2;
    w.add(frame(b, 1000, 100));
    expect(w.span).toBeCloseTo(4000 / RATE, 12);
    expect(w.extent()).toEqual([-2, 1]);
    expect(maxOf(w.drawable().y)).toBe(1);
  });

  it('starts a fresh picture on a new sweep, and each test-pulse window replaces the last', () => {
    const w = new TraceWindow(50);
    w.add(frame(new Float32Array(500).fill(1), 0, 50, 3));
    w.add(frame(new Float32Array(500).fill(2), 0, 50, 4));
    expect(w.extent()).toEqual([2, 2]);
    w.add(frame(new Float32Array(500).fill(3), 10_000, 50, TEST_PULSE_SWEEP));
    w.add(frame(new Float32Array(500).fill(4), 10_500, 50, TEST_PULSE_SWEEP));
    expect(w.extent()).toEqual([4, 4]);
    expect(w.origin).toBeCloseTo(10_500 / RATE, 12);
    expect(w.frames).toBe(4);
  });

  it('breaks the line where nothing arrived, and dense output keeps one x per column', () => {
    const w = new TraceWindow(10, 10 / RATE);
    w.add({ headstage: 0, signal: 1, sweep: 0, firstSample: 0, sampleRate: RATE, decimation: 1, sampleCount: 2, values: Float32Array.from([1, 1]) });
    w.add({ headstage: 0, signal: 1, sweep: 0, firstSample: 5, sampleRate: RATE, decimation: 1, sampleCount: 1, values: Float32Array.from([2]) });
    expect(w.drawable().y).toEqual([1, 1, 1, 1, null, 2, 2]);
    const dense = w.drawable(1, true);
    expect(dense.x.length).toBe(20);
    expect(dense.y.filter((v) => v === null).length).toBe(14);
  });

  it('restarts empty at a new width', () => {
    const w = new TraceWindow(10);
    w.add(frame(new Float32Array(100).fill(1), 0, 10));
    w.resize(20);
    expect(w.extent()).toBeUndefined();
    expect(w.columns).toBe(20);
  });
});
