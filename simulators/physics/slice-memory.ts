/**
 * Where the slice's structure-of-arrays state lives. The JS integrator keeps ordinary typed arrays
 * (HEAP); the WebAssembly kernel (slice-kernel.ts) needs every array it reads in its linear
 * memory, so the slice hands its parts an Arena carved out of that memory instead. The classes
 * (NeuronPopulation, SynapseBank, PipetteChannels) then keep their typed-array API either way.
 */
export interface Alloc {
  f64(length: number): Float64Array;
  i32(length: number): Int32Array;
  u8(length: number): Uint8Array;
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

  constructor(
    readonly buffer: ArrayBuffer,
    start: number,
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

  f64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.reserve(length * 8), length);
  }

  i32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.reserve(length * 4), length);
  }

  u8(length: number): Uint8Array {
    return new Uint8Array(this.buffer, this.reserve(length), length);
  }
}
