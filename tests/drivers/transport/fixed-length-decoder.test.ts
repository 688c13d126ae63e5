import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { FixedLengthDecoder } from '../../../drivers/transport/fixed-length-decoder.ts';
import type { FixedLengthDecoderOptions } from '../../../drivers/transport/fixed-length-decoder.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Sutter MPC-200 reply to `C` (device-protocols.md §3): drive 1, x = 1000, y = 400000,
// z = 3341 µsteps (int32 LE), then CR. z = 0x0D0D puts the terminator byte inside the data.
const MPC200_POSITION = hex('01  E8 03 00 00  80 1A 06 00  0D 0D 00 00  0D');
const SUTTER_C: FixedLengthDecoderOptions = { length: 14, terminator: 0x0d };

function decodeAll(bytes: Uint8Array, options: FixedLengthDecoderOptions, chunkSize = bytes.length): { messages: Buffer[]; decoder: FixedLengthDecoder } {
  const decoder = new FixedLengthDecoder(options);
  const messages: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += Math.max(1, chunkSize)) messages.push(...decoder.push(bytes.subarray(i, i + chunkSize)));
  return { messages, decoder };
}

describe('FixedLengthDecoder with a terminator (Sutter MPC-200 `C` reply)', () => {
  it('emits the 14-byte reply whatever the chunking, CR bytes inside the data notwithstanding', () => {
    const two = Buffer.concat([MPC200_POSITION, MPC200_POSITION]);
    for (let size = 1; size <= two.length; size++) {
      const { messages, decoder } = decodeAll(two, SUTTER_C, size);
      expect(messages).toEqual([MPC200_POSITION, MPC200_POSITION]);
      expect(decoder.stats.discardedBytes).toBe(0);
      expect(decoder.buffered).toBe(0);
    }
  });

  it('drops leading bytes one at a time until a candidate ends in the terminator', () => {
    const { messages, decoder } = decodeAll(Buffer.concat([hex('FF 00'), MPC200_POSITION]), SUTTER_C, 3);
    expect(messages).toEqual([MPC200_POSITION]);
    expect(decoder.stats.errors.badTerminator).toBe(2);
    expect(decoder.stats.discardedBytes).toBe(2);
  });

  it('needs reset() after a cut-off reply: otherwise the CR inside z yields a wrong alignment', () => {
    const cutOff = MPC200_POSITION.subarray(0, 5); // the device stopped mid-reply, the request timed out

    const stale = new FixedLengthDecoder(SUTTER_C);
    stale.push(cutOff);
    const misaligned = stale.push(MPC200_POSITION);
    expect(misaligned).toHaveLength(1);
    expect(misaligned[0]).not.toEqual(MPC200_POSITION);

    const resynced = new FixedLengthDecoder(SUTTER_C);
    resynced.push(cutOff);
    resynced.reset();
    expect(resynced.push(MPC200_POSITION)).toEqual([MPC200_POSITION]);
    expect(resynced.stats.discardedBytes).toBe(5);
  });

  it('returns copies that later pushes and changes to the chunk cannot alter', () => {
    const decoder = new FixedLengthDecoder(SUTTER_C);
    const chunk = Buffer.from(MPC200_POSITION);
    decoder.push(chunk.subarray(0, 4));
    const [first] = decoder.push(chunk.subarray(4));
    chunk.fill(0x0d);
    decoder.push(chunk.subarray(0, 13));
    expect(first).toEqual(MPC200_POSITION);
  });
});

describe('FixedLengthDecoder without a terminator', () => {
  it('cuts every `length` bytes and keeps the remainder for the next push', () => {
    const decoder = new FixedLengthDecoder({ length: 4 });
    expect(decoder.push(hex('01 02 03 04 05 06 07 08 09 0A'))).toEqual([hex('01 02 03 04'), hex('05 06 07 08')]);
    expect(decoder.buffered).toBe(2);
    expect(decoder.push(hex('0B 0C'))).toEqual([hex('09 0A 0B 0C')]);
  });

  it('forgets the remainder on reset', () => {
    const decoder = new FixedLengthDecoder({ length: 4 });
    decoder.push(hex('01 02 03'));
    decoder.reset();
    expect(decoder.push(hex('0A 0B 0C 0D'))).toEqual([hex('0A 0B 0C 0D')]);
    expect(decoder.stats.discardedBytes).toBe(3);
  });

  it('refuses unusable options', () => {
    expect(() => new FixedLengthDecoder({ length: 0 })).toThrow(RangeError);
    expect(() => new FixedLengthDecoder({ length: 1.5 })).toThrow(RangeError);
    expect(() => new FixedLengthDecoder({ length: 4, terminator: -1 })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------

function feed(decoder: FixedLengthDecoder, stream: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...points, stream.length]) {
    out.push(...decoder.push(stream.subarray(from, to)));
    from = to;
  }
  return out;
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const TERM = 0x0d;
/** Bytes without the terminator (a terminator drawn at random becomes 0x0C). */
const withoutTerm = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength, maxLength }).map((a) => a.map((b) => (b === TERM ? 0x0c : b)));

describe('FixedLengthDecoder properties', () => {
  /*
   * Property 1 (the guarantee drivers rely on). When the terminator occurs only as the last
   * byte of each message — message bodies and garbage are free of it — every message is
   * recovered in order, nothing else is emitted, and every garbage byte is dropped and counted
   * as badTerminator, whatever the chunking.
   */
  it('recovers every message in order when the terminator only ends messages (10 000 cases)', () => {
    const caseArb = fc.integer({ min: 1, max: 20 }).chain((length) =>
      fc.record({
        length: fc.constant(length),
        segments: fc.array(
          fc.oneof(
            withoutTerm(length - 1, length - 1).map((body) => ({ message: true, bytes: Uint8Array.from([...body, TERM]) })),
            withoutTerm(1, 30).map((bytes) => ({ message: false, bytes })),
          ),
          { maxLength: 10 },
        ),
      }),
    );
    fc.assert(
      fc.property(caseArb, fc.array(fc.nat(), { maxLength: 12 }), ({ length, segments }, cuts) => {
        const stream = Buffer.concat(segments.map((s) => s.bytes));
        const decoder = new FixedLengthDecoder({ length, terminator: TERM });
        const out = feed(decoder, stream, cuts);
        expect(out.map(hexOf)).toEqual(segments.filter((s) => s.message).map((s) => hexOf(s.bytes)));
        expect(decoder.stats.errors.badTerminator).toBe(decoder.stats.discardedBytes);
        expect(out.length * length + decoder.stats.discardedBytes + decoder.buffered).toBe(stream.length);
        expect(decoder.buffered).toBeLessThan(length);
      }),
      { numRuns: 10_000 },
    );
  });

  /*
   * Property 2 (any bytes at all). Whatever the stream and chunking: nothing throws; every
   * emitted message has the length and ends in the terminator; the messages are disjoint
   * windows of the stream, in order; the output and stats do not depend on the chunking; and
   * every byte is accounted for (emitted + discarded + still buffered = pushed).
   */
  it('emits only disjoint in-order windows ending in the terminator, whatever the input (10 000 cases)', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.array(fc.constantFrom(TERM, 0x00, 0x41), { maxLength: 80 }).map((a) => Uint8Array.from(a)));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), bytes, fc.array(fc.nat(), { maxLength: 12 }), (length, stream, cuts) => {
        const chunked = new FixedLengthDecoder({ length, terminator: TERM });
        const out = feed(chunked, stream, cuts);
        let from = 0;
        for (const message of out) {
          expect(message).toHaveLength(length);
          expect(message[length - 1]).toBe(TERM);
          const at = Buffer.from(stream).indexOf(message, from);
          expect(at).toBeGreaterThanOrEqual(from);
          from = at + length;
        }
        const whole = new FixedLengthDecoder({ length, terminator: TERM });
        expect(whole.push(stream).map(hexOf)).toEqual(out.map(hexOf));
        expect(chunked.stats).toEqual(whole.stats);
        expect(out.length * length + chunked.stats.discardedBytes + chunked.buffered).toBe(stream.length);
      }),
      { numRuns: 10_000 },
    );
  });

  it('without a terminator, emits consecutive slices of the stream, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.uint8Array({ maxLength: 100 }), fc.array(fc.nat(), { maxLength: 12 }), (length, stream, cuts) => {
        const decoder = new FixedLengthDecoder({ length });
        const out = feed(decoder, stream, cuts);
        const expected: string[] = [];
        for (let i = 0; i + length <= stream.length; i += length) expected.push(hexOf(stream.subarray(i, i + length)));
        expect(out.map(hexOf)).toEqual(expected);
        expect(decoder.buffered).toBe(stream.length % length);
        expect(decoder.stats.discardedBytes).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});
