/**
 * Where the slice's structure-of-arrays state lives. The JS integrator keeps ordinary typed arrays
 * (HEAP); the WebAssembly kernel (slice-kernel.ts) needs every array it reads in its linear
 * memory, so the slice hands its parts an Arena carved out of that memory instead. The classes
 * (NeuronPopulation, SynapseBank, PipetteChannels) then keep their typed-array API either way.
 */
export interface Alloc {
  /**
   * `name`: what the WebAssembly kernel calls the array (the classes' `kernelViews`); an Arena
   * places some of them at fixed addresses for it (slice-kernel.ts PINNED).
   */
  f64(length: number, name?: string): Float64Array;
  i32(length: number, name?: string): Int32Array;
  u8(length: number, name?: string): Uint8Array;
}

/** Plain, separately allocated typed arrays. */
export const HEAP: Alloc = {
  f64: (length) => new Float64Array(length),
  i32: (length) => new Int32Array(length),
  u8: (length) => new Uint8Array(length),
};

/** Bytes an Arena aligns each array to (SIMD-friendly; f64 needs 8). */
export const ARENA_ALIGN = 16;

/**
 * A bump allocator over one buffer, from byte `start` to its end. It never frees and never grows:
 * the buffer is sized up front (growing a WebAssembly memory would detach every view), so running
 * out is a sizing bug and throws.
 */
export class Arena implements Alloc {
  private next: number;
  private readonly placed = new Set<string>();

  /**
   * `pinned`: byte offset and room (bytes) of the arrays to place at fixed addresses, by name
   * (below `start`; the caller keeps that region free).
   */
  constructor(
    readonly buffer: ArrayBuffer,
    start: number,
    private readonly pinned: ReadonlyMap<string, { at: number; bytes: number }> = new Map(),
  ) {
    this.next = start;
  }

  /** Bytes handed out so far, from 0. */
  get used(): number {
    return this.next;
  }

  /** Reserves `bytes` (aligned) and returns their byte offset. */
  reserve(bytes: number): number {
    const at = Math.ceil(this.next / ARENA_ALIGN) * ARENA_ALIGN;
    if (at + bytes > this.buffer.byteLength) {
      throw new RangeError(`slice memory arena exhausted: ${at + bytes} B needed, ${this.buffer.byteLength} B sized (a sizing bug in slice-kernel.ts)`);
    }
    this.next = at + bytes;
    return at;
  }

  /** `reserve`, or the fixed place of a pinned name (once; throws if it does not fit). */
  private place(bytes: number, name: string | undefined): number {
    const pin = name === undefined ? undefined : this.pinned.get(name);
    if (pin === undefined || name === undefined) return this.reserve(bytes);
    if (bytes > pin.bytes || this.placed.has(name)) {
      throw new RangeError(`slice memory: pinned array '${name}' (${bytes} B) does not fit its ${pin.bytes} B or is placed twice (a sizing bug in slice-kernel.ts)`);
    }
    this.placed.add(name);
    return pin.at;
  }

  f64(length: number, name?: string): Float64Array {
    return new Float64Array(this.buffer, this.place(length * 8, name), length);
  }

  i32(length: number, name?: string): Int32Array {
    return new Int32Array(this.buffer, this.place(length * 4, name), length);
  }

  u8(length: number, name?: string): Uint8Array {
    return new Uint8Array(this.buffer, this.place(length, name), length);
  }
}
