import { describe, expect, it } from 'vitest';
import { decodeJournal, encodeJournal } from '../../../src/storage/commit-layer/journal.ts';
import { bytes } from './fixtures.ts';

const journal = { length: 123_456, records: [{ start: 0, bytes: bytes(48, 1) }, { start: 70_000, bytes: bytes(3000, 2) }] };

describe('commit journal encoding', () => {
  it('decodes what it encodes', () => {
    const back = decodeJournal(encodeJournal(journal));
    expect(back).toEqual({ length: journal.length, records: journal.records.map((r) => ({ start: r.start, bytes: Buffer.from(r.bytes) })) });
  });

  it('an empty journal (only a new length) is valid', () => {
    expect(decodeJournal(encodeJournal({ length: 10, records: [] }))).toEqual({ length: 10, records: [] });
  });

  it('every torn prefix of a journal is recognised as incomplete', () => {
    const full = encodeJournal(journal);
    for (let n = 0; n < full.length; n += n < 100 ? 1 : 97) {
      expect(decodeJournal(full.subarray(0, n)), `prefix ${n}`).toHaveProperty('invalid');
    }
  });

  it('a changed byte anywhere or trailing garbage makes it invalid', () => {
    const full = encodeJournal(journal);
    for (const at of [0, 9, 20, 100, full.length - 1]) {
      const bad = full.slice();
      bad[at] = (bad[at] as number) ^ 0x40;
      expect(decodeJournal(bad), `byte ${at}`).toHaveProperty('invalid');
    }
    const longer = new Uint8Array(full.length + 1);
    longer.set(full);
    expect(decodeJournal(longer)).toHaveProperty('invalid');
  });
});
