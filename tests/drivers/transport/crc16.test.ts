import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { crc16 } from '../../../drivers/transport/crc16.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Bit-by-bit CRC-16/CCITT-FALSE straight from its definition, independent of the table. */
function referenceCrc(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

describe('crc16 (CRC-16/CCITT-FALSE)', () => {
  it('gives the catalogue check value 0x29B1 for "123456789"', () => {
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
  });

  it('returns the init value 0xFFFF for no bytes', () => {
    expect(crc16(new Uint8Array(0))).toBe(0xffff);
  });

  it('matches the CRCs of the golden frames of device-protocols.md §9.4 (type..payload)', () => {
    // AI_BLOCK seq 1: CRC bytes 32 67 (LE) = 0x6732
    expect(crc16(hex('10 01 00 13 00 00 00 00 00 00 00 00 00 02 02 00 64 00 9C FF FF 7F 00 80'))).toBe(0x6732);
    // STATUS seq 7: 54 62 = 0x6254
    expect(crc16(hex('11 07 00 0A 00 02 01 20 4E 00 00 00 00 00 00'))).toBe(0x6254);
    // CTRL seq 2 "3 START": 88 3E = 0x3E88
    expect(crc16(hex('01 02 00 07 00 33 20 53 54 41 52 54'))).toBe(0x3e88);
  });

  it('covers only bytes[start, end) when a range is given', () => {
    const framed = hex('A5 5A 01 02 00 07 00 33 20 53 54 41 52 54 88 3E');
    expect(crc16(framed, 2, 14)).toBe(0x3e88);
  });

  it('continues a previous CRC when it is passed as init', () => {
    const data = Buffer.from('123456789', 'ascii');
    expect(crc16(data, 4, data.length, crc16(data, 0, 4))).toBe(0x29b1);
  });

  it('agrees with the bit-by-bit definition on random data and ranges', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (data, a, b) => {
        const start = a % (data.length + 1);
        const end = start + (b % (data.length - start + 1));
        expect(crc16(data, start, end)).toBe(referenceCrc(data.subarray(start, end)));
      }),
      { numRuns: 2000 },
    );
  });

  it('detects every single-bit error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (data, k) => {
        const bit = k % (data.length * 8);
        const flipped = Uint8Array.from(data);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        expect(crc16(flipped)).not.toBe(crc16(data));
      }),
      { numRuns: 2000 },
    );
  });
});
