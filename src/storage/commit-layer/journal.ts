import { createHash } from 'node:crypto';
import type { Extent } from './overlay.ts';

/**
 * The redo journal of one commit, `FILE.journal`: what the file's committed region must become and
 * the file's length after the commit. Little-endian:
 *
 *   magic "PRJRNL01" | u64 length | u32 count | count × (u64 offset | u32 size | size bytes) | sha256
 *
 * The SHA-256 covers every byte before it, so a journal cut short or half-written by a crash is
 * recognised as incomplete and ignored (the file is then still its previous commit).
 */
export interface Journal {
  /** The file's length once the journal is applied. */
  length: number;
  records: readonly Extent[];
}

const MAGIC = Buffer.from('PRJRNL01', 'latin1');
const HEAD = MAGIC.length + 8 + 4;
const RECORD_HEAD = 8 + 4;
const SUM = 32;

export function journalPathOf(file: string): string {
  return `${file}.journal`;
}

export function encodeJournal(j: Journal): Uint8Array {
  const size = HEAD + j.records.reduce((n, r) => n + RECORD_HEAD + r.bytes.length, 0) + SUM;
  const out = Buffer.alloc(size);
  MAGIC.copy(out, 0);
  out.writeBigUInt64LE(BigInt(j.length), MAGIC.length);
  out.writeUInt32LE(j.records.length, MAGIC.length + 8);
  let at = HEAD;
  for (const r of j.records) {
    out.writeBigUInt64LE(BigInt(r.start), at);
    out.writeUInt32LE(r.bytes.length, at + 8);
    out.set(r.bytes, at + RECORD_HEAD);
    at += RECORD_HEAD + r.bytes.length;
  }
  createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at);
  return out;
}

/** The journal in `bytes`, or why it is not a complete one. */
export function decodeJournal(bytes: Uint8Array): Journal | { invalid: string } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < HEAD + SUM) return { invalid: `${b.length} bytes is shorter than an empty journal` };
  if (!b.subarray(0, MAGIC.length).equals(MAGIC)) return { invalid: 'no journal magic' };
  const body = b.length - SUM;
  if (!createHash('sha256').update(b.subarray(0, body)).digest().equals(b.subarray(body))) return { invalid: 'checksum mismatch (incomplete journal)' };
  const length = Number(b.readBigUInt64LE(MAGIC.length));
  const count = b.readUInt32LE(MAGIC.length + 8);
  const records: Extent[] = [];
  let at = HEAD;
  for (let i = 0; i < count; i++) {
    if (at + RECORD_HEAD > body) return { invalid: `record ${i} runs past the end` };
    const start = Number(b.readBigUInt64LE(at));
    const size = b.readUInt32LE(at + 8);
    if (at + RECORD_HEAD + size > body) return { invalid: `record ${i} runs past the end` };
    records.push({ start, bytes: b.subarray(at + RECORD_HEAD, at + RECORD_HEAD + size) });
    at += RECORD_HEAD + size;
  }
  if (at !== body) return { invalid: `${body - at} unexplained bytes after the records` };
  return { length, records };
}
