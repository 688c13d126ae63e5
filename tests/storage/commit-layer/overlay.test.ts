import { describe, expect, it } from 'vitest';
import { Overlay } from '../../../src/storage/commit-layer/overlay.ts';

const read = (o: Overlay, pos: number, n: number, fill = 0): number[] => {
  const t = new Uint8Array(n).fill(fill);
  o.readInto(pos, t);
  return [...t];
};

describe('Overlay: bytes written over a committed region', () => {
  it('reads back what was written, leaving other bytes of the target alone', () => {
    const o = new Overlay();
    o.write(10, Uint8Array.of(1, 2, 3));
    expect(read(o, 8, 7, 9)).toEqual([9, 9, 1, 2, 3, 9, 9]);
    expect(read(o, 11, 1)).toEqual([2]);
    expect(read(o, 0, 5, 7)).toEqual([7, 7, 7, 7, 7]);
  });

  it('later writes win, and overlapping or adjacent writes merge into one extent', () => {
    const o = new Overlay();
    o.write(10, Uint8Array.of(1, 1, 1, 1));
    o.write(20, Uint8Array.of(5, 5));
    o.write(12, Uint8Array.of(2, 2, 2, 2)); // overlaps the end of the first
    o.write(16, Uint8Array.of(3, 3, 3, 3)); // adjacent to both neighbours
    expect(o.extents()).toHaveLength(1);
    expect(o.extents()[0]?.start).toBe(10);
    expect(read(o, 10, 12)).toEqual([1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 5, 5]);
    expect(o.byteLength).toBe(12);
  });

  it('keeps separate extents in file order and rewrites inside one in place', () => {
    const o = new Overlay();
    o.write(100, new Uint8Array(4).fill(4));
    o.write(0, new Uint8Array(4).fill(1));
    o.write(50, new Uint8Array(4).fill(2));
    o.write(51, Uint8Array.of(8, 9));
    expect(o.extents().map((e) => e.start)).toEqual([0, 50, 100]);
    expect(read(o, 50, 4)).toEqual([2, 8, 9, 2]);
    o.clear();
    expect(o.isEmpty).toBe(true);
  });

  it('a write from inside an extent to one byte past its end grows it', () => {
    const o = new Overlay();
    o.write(10, Uint8Array.of(1, 1, 1, 1));
    o.write(12, Uint8Array.of(2, 2, 2));
    expect(o.extents()).toHaveLength(1);
    expect(read(o, 10, 5)).toEqual([1, 1, 2, 2, 2]);
  });

  it('a write spanning several extents swallows them', () => {
    const o = new Overlay();
    for (const at of [2, 6, 10]) o.write(at, Uint8Array.of(at));
    o.write(1, new Uint8Array(12).fill(7));
    expect(o.extents()).toHaveLength(1);
    expect(read(o, 0, 14)).toEqual([0, ...new Array<number>(12).fill(7), 0]);
  });
});
