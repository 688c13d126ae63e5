import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { LineDecoder } from '../../../drivers/transport/line-decoder.ts';
import type { LineDecoderOptions } from '../../../drivers/transport/line-decoder.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

function decodeAll(bytes: Uint8Array, options?: LineDecoderOptions, chunkSize = bytes.length): { lines: string[]; decoder: LineDecoder } {
  const decoder = new LineDecoder(options);
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += Math.max(1, chunkSize)) lines.push(...decoder.push(bytes.subarray(i, i + chunkSize)));
  return { lines, decoder };
}

describe('LineDecoder with the §9.1 defaults (LF, CR stripped, 256 bytes)', () => {
  it('splits replies and events on LF and drops the CR of a CRLF', () => {
    // "12 OK\r\n! TEL 1 VC 5e8 V/A 1e4 0.02\n"
    const bytes = hex('31 32 20 4F 4B 0D 0A  21 20 54 45 4C 20 31 20 56 43 20 35 65 38 20 56 2F 41 20 31 65 34 20 30 2E 30 32 0A');
    const { lines, decoder } = decodeAll(bytes);
    expect(lines).toEqual(['12 OK', '! TEL 1 VC 5e8 V/A 1e4 0.02']);
    expect(decoder.stats.messages).toBe(2);
    expect(decoder.stats.discardedBytes).toBe(0);
  });

  it('gives the same lines whatever the chunking, including a cut between CR and LF', () => {
    const bytes = ascii('1 OK PATCHRIG,SIMAMP8,0001,1.0\r\n2 ERR 3 value out of range\n! RESET\r\n');
    for (let size = 1; size <= bytes.length; size++) {
      expect(decodeAll(bytes, {}, size).lines).toEqual(['1 OK PATCHRIG,SIMAMP8,0001,1.0', '2 ERR 3 value out of range', '! RESET']);
    }
  });

  it('keeps a CR that is not right before the delimiter, and strips only one', () => {
    expect(decodeAll(ascii('a\rb\n')).lines).toEqual(['a\rb']);
    expect(decodeAll(ascii('a\r\r\n')).lines).toEqual(['a\r']);
  });

  it('keeps the CR when stripCR is false', () => {
    expect(decodeAll(ascii('a\r\n'), { stripCR: false }).lines).toEqual(['a\r']);
  });

  it('emits empty lines as empty strings (the codec decides what they mean)', () => {
    expect(decodeAll(ascii('\n\r\nx\n')).lines).toEqual(['', '', 'x']);
  });

  it('does not emit a line before its delimiter arrives', () => {
    const decoder = new LineDecoder();
    expect(decoder.push(ascii('3 OK'))).toEqual([]);
    expect(decoder.push(ascii('\n'))).toEqual(['3 OK']);
  });

  it('decodes bytes 0x80-0xFF as latin1 instead of throwing', () => {
    const { lines } = decodeAll(hex('B5 FF 00 41 0A'));
    expect(lines).toEqual(['\u00b5\u00ff\u0000A']);
  });
});

describe('LineDecoder maxLength', () => {
  it('emits a line of exactly maxLength bytes, delimiter and CR included', () => {
    const line = 'x'.repeat(254);
    expect(decodeAll(ascii(`${line}\r\n`)).lines).toEqual([line]);
    expect(decodeAll(ascii(`${line}x\n`)).lines).toEqual([`${line}x`]);
  });

  it('discards a longer line up to and including its delimiter, and counts it', () => {
    const tooLong = 'y'.repeat(256); // 257 bytes with its LF
    for (const size of [1, 7, 100, 1000]) {
      const { lines, decoder } = decodeAll(ascii(`1 OK\n${tooLong}\n2 OK\n`), {}, size);
      expect(lines).toEqual(['1 OK', '2 OK']);
      expect(decoder.stats.errors.overlong).toBe(1);
      expect(decoder.stats.discardedBytes).toBe(257);
    }
  });

  it('never emits the tail of an overlong line as a line of its own', () => {
    // The tail "2 OK" would parse as a valid reply if the line were cut at maxLength.
    const { lines } = decodeAll(ascii('ABCDEFGH2 OK\n3 OK\n'), { maxLength: 8 }, 3);
    expect(lines).toEqual(['3 OK']);
  });

  it('refuses unusable options', () => {
    expect(() => new LineDecoder({ maxLength: 0 })).toThrow(RangeError);
    expect(() => new LineDecoder({ maxLength: 2.5 })).toThrow(RangeError);
    expect(() => new LineDecoder({ delimiter: 256 })).toThrow(RangeError);
  });
});

describe('LineDecoder for CR-terminated replies (Scientifica)', () => {
  it('splits on CR with stripCR off', () => {
    // "Y519\r" to "scientifica", then "A\r" and "E,2\r"
    const { lines } = decodeAll(hex('59 35 31 39 0D 41 0D 45 2C 32 0D'), { delimiter: 0x0d, stripCR: false }, 2);
    expect(lines).toEqual(['Y519', 'A', 'E,2']);
  });

  it('keeps tab-separated positions intact', () => {
    expect(decodeAll(ascii('100\t-250\t3000\r'), { delimiter: 0x0d, stripCR: false }).lines).toEqual(['100\t-250\t3000']);
  });
});

describe('LineDecoder reset', () => {
  it('drops a partial line so the next byte starts a fresh one', () => {
    const decoder = new LineDecoder();
    decoder.push(ascii('garbage from before the timeout'));
    decoder.reset();
    expect(decoder.push(ascii('4 OK\n'))).toEqual(['4 OK']);
    expect(decoder.stats.discardedBytes).toBe(31);
  });

  it('also ends the skipping of an overlong line', () => {
    const decoder = new LineDecoder({ maxLength: 4 });
    decoder.push(ascii('toolong'));
    decoder.reset();
    expect(decoder.push(ascii('ok\n'))).toEqual(['ok']);
  });
});

// ---------------------------------------------------------------------------------------------

/*
 * Property. The stream is a sequence of records, each ending with the delimiter: valid lines
 * (content without the delimiter, optionally CR before an LF delimiter, fitting maxLength) and
 * garbage records (any bytes — delimiters, CRs and overlong runs included — then a delimiter).
 * Cut the whole stream at every delimiter byte into "pieces" (the raw bytes between two
 * delimiters, or from the start to the first). Then, for any chunking:
 *   1. the decoder emits exactly the pieces that fit (piece + delimiter ≤ maxLength), in order,
 *      each with one trailing CR removed when stripCR is on, decoded as latin1; it never emits a
 *      truncated piece or anything else, and never throws;
 *   2. hence every valid line is emitted, in order (records end at a delimiter, so each valid
 *      line is a whole piece), and a garbage line is either dropped or emitted as a piece that
 *      was literally present between delimiters;
 *   3. errors.overlong is the number of pieces that do not fit, discardedBytes their bytes
 *      (with their delimiters).
 */
describe('LineDecoder properties', () => {
  interface Case {
    options: Required<LineDecoderOptions>;
    records: { valid: boolean; bytes: Uint8Array; text?: string }[];
  }

  const caseArb: fc.Arbitrary<Case> = fc
    .record({
      delimiter: fc.constantFrom(0x0a, 0x0d),
      stripCR: fc.boolean(),
      maxLength: fc.integer({ min: 1, max: 40 }),
    })
    .chain((options) => {
      const { delimiter, maxLength } = options;
      const notDelimiter = fc.integer({ min: 0, max: 255 }).filter((b) => b !== delimiter);
      const valid = fc
        .tuple(fc.array(notDelimiter, { maxLength: 40 }), fc.boolean())
        .map(([content, crlf]) => {
          const cr = crlf && delimiter === 0x0a ? [0x0d] : [];
          const body = content.slice(0, Math.max(0, maxLength - 1 - cr.length));
          // Content never ends in CR, so that what the decoder strips is only the CR we add.
          while (body.at(-1) === 0x0d) body.pop();
          const raw = [...body, ...cr];
          const fits = raw.length + 1 <= maxLength;
          const text = Buffer.from(options.stripCR ? body : raw).toString('latin1');
          return fits ? { valid: true, bytes: Uint8Array.from([...raw, delimiter]), text } : { valid: false, bytes: Uint8Array.of(delimiter) };
        });
      const garbage = fc
        .oneof(
          fc.uint8Array({ maxLength: 20 }),
          fc.array(fc.constantFrom(0x0a, 0x0d, 0x41, 0xff), { maxLength: 12 }).map((a) => Uint8Array.from(a)),
          fc.uint8Array({ minLength: 40, maxLength: 90 }), // overlong for every maxLength here
        )
        .map((bytes) => ({ valid: false, bytes: Uint8Array.from([...bytes, delimiter]) }));
      return fc.record({
        options: fc.constant(options),
        records: fc.array(fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: garbage, weight: 2 }), { maxLength: 10 }),
      });
    });

  function pieces(stream: Uint8Array, delimiter: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i < stream.length; i++) {
      if (stream[i] === delimiter) {
        out.push(stream.subarray(from, i));
        from = i + 1;
      }
    }
    return out; // the bytes after the last delimiter are an unfinished line
  }

  it('emits exactly the delimited pieces that fit, so every valid line is recovered in order (10 000 cases)', () => {
    fc.assert(
      fc.property(caseArb, fc.array(fc.nat(), { maxLength: 12 }), fc.uint8Array({ maxLength: 30 }), ({ options, records }, cuts, tail) => {
        // An unterminated tail (no delimiter) may follow: it must stay pending.
        const unfinished = tail.filter((b) => b !== options.delimiter);
        const stream = Buffer.concat([...records.map((r) => r.bytes), unfinished]);

        const decoder = new LineDecoder(options);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const lines: string[] = [];
        let from = 0;
        for (const to of [...points, stream.length]) {
          lines.push(...decoder.push(stream.subarray(from, to)));
          from = to;
        }

        const all = pieces(stream, options.delimiter);
        const fitting = all.filter((p) => p.length + 1 <= options.maxLength);
        const expected = fitting.map((p) => {
          const end = options.stripCR && p.length > 0 && p[p.length - 1] === 0x0d ? p.length - 1 : p.length;
          return Buffer.from(p.subarray(0, end)).toString('latin1');
        });
        expect(lines).toEqual(expected);

        // Every valid line, in order, is among them (a subsequence check, stated separately).
        const validTexts = records.filter((r) => r.valid).map((r) => r.text);
        let k = 0;
        for (const line of lines) if (k < validTexts.length && line === validTexts[k]) k++;
        expect(k).toBe(validTexts.length);

        // An unfinished tail already too long is known to be overlong before its delimiter: it is
        // counted and its bytes discarded as they come; a tail that may still fit waits.
        const overlong = all.filter((p) => p.length + 1 > options.maxLength);
        const tailOverlong = unfinished.length >= options.maxLength;
        expect(decoder.stats.errors.overlong).toBe(overlong.length + (tailOverlong ? 1 : 0));
        expect(decoder.stats.messages).toBe(expected.length);
        const tailDiscarded = tailOverlong ? unfinished.length : 0;
        expect(decoder.stats.discardedBytes).toBe(overlong.reduce((n, p) => n + p.length + 1, 0) + tailDiscarded);
      }),
      { numRuns: 10_000 },
    );
  });
});
