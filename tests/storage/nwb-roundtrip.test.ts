import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sweep } from '../../src/core/sweep.ts';
import { readNwb, type NwbContents } from '../../src/storage/reader.ts';
import { NwbWriter } from '../../src/storage/writer.ts';
import { makeSweep, writerOptions } from './make-sweeps.ts';

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

let dir: string;
let written: Sweep[];
let back: NwbContents;
const opts = writerOptions(3);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwb-rt-'));
  const file = join(dir, 'rt.nwb');
  written = Array.from({ length: 7 }, (_, i) => makeSweep(i, { headstages: 3, samples: 3000, rate: 50_000, modes: ['VC', 'IC', 'I=0'], aborted: i === 6 }));
  const w = await NwbWriter.create(file, opts);
  // Copied, not transferred: the sweeps are compared with what comes back.
  for (const s of written) await w.append(s, { transfer: false });
  await w.close();
  back = await readNwb(file);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('reading our NWB files back', () => {
  it('gives every sample back bit for bit, NaN of an aborted sweep included', () => {
    expect(back.sweeps).toHaveLength(written.length);
    let samples = 0;
    written.forEach((s, k) => {
      s.channels.forEach((ch, c) => {
        const got = back.sweeps[k]?.channels[c];
        expect(got?.headstage).toBe(ch.headstage);
        expect(bytes(got?.response as Float32Array).equals(bytes(ch.response))).toBe(true);
        expect(bytes(got?.command as Float32Array).equals(bytes(ch.command))).toBe(true);
        samples += ch.response.length + ch.command.length;
      });
    });
    expect(samples).toBe(7 * 3 * 2 * 3000);
    expect(Number.isNaN(back.sweeps[6]?.channels[0]?.response[2999])).toBe(true);
  });

  it('pairs stimulus and response per sweep and headstage, with mode, settings, QC and test pulse', () => {
    expect(back.sweeps).toEqual(written);
  });

  it('keeps the epochs of every pulse as planned', () => {
    const pulses = back.sweeps.flatMap((s) => s.epochs.filter((e) => e.kind === 'pulse'));
    expect(pulses.length).toBe(7 * 2 * 3);
    back.sweeps.forEach((s, k) => expect(s.epochs).toEqual(written[k]?.epochs));
  });

  it('returns the session metadata, cells with subclass labels and devices', () => {
    const { cells, ...rest } = back.metadata;
    const { cells: wantCells, ...want } = opts.metadata;
    // An age without a reference is stored as counted from birth (the NWB default).
    expect(rest).toEqual({ ...want, subject: { ...want.subject, ageReference: 'birth' } });
    expect(cells).toEqual(wantCells);
    expect(back.devices.map((d) => d.name)).toEqual(['amp0', 'daq0']);
    expect(back.devices[0]?.description).toContain('serial number AMP-1234');
  });
});
