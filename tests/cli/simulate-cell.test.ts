import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { addSimulateCellCommand } from '../../src/cli/simulate-cell.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simulate-cell-'));
});

/** Runs `simulate-cell ARGS` on a fresh program; returns stdout, commander's stderr and the error. */
async function run(args: string[]): Promise<{ out: string; err: string; error: unknown }> {
  let out = '';
  let err = '';
  const cli = new Command('patchrig').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  addSimulateCellCommand(cli, (s) => (out += s));
  try {
    await cli.parseAsync(['simulate-cell', ...args], { from: 'user' });
    return { out, err, error: undefined };
  } catch (e) {
    return { out, err, error: e };
  }
}

async function trace(file: string): Promise<{ header: string; t: number[]; v: number[] }> {
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  return { header: lines[0] as string, t: rows.map((r) => r[0] as number), v: rows.map((r) => r[1] as number) };
}

/** Upward crossings of 0 V. */
function spikes(t: number[], v: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < v.length; i++) if ((v[i - 1] as number) < 0 && (v[i] as number) >= 0) out.push(t[i] as number);
  return out;
}

describe('patchrig simulate-cell', () => {
  it('a 200 pA step into rs-pyramidal makes it spike only during the step', async () => {
    const file = join(dir, 'rs.csv');
    const r = await run(['--model', 'rs-pyramidal', '--inject', 'step:amp=200e-12,start=0.05,dur=0.2', '--duration', '0.3', '--out', file]);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/rs-pyramidal, 15001 samples, \d+ spikes/);
    const { t, v } = await trace(file);
    const s = spikes(t, v);
    expect(s.length).toBeGreaterThanOrEqual(2);
    expect(s.every((x) => x > 0.05 && x < 0.26)).toBe(true);
    expect(v[0]).toBeCloseTo(-0.0719, 3); // rests at the published −71.9 mV (Pospischil et al. 2008)
  });

  it('hh1952 at 6.3 °C with 10 µA/cm² × area fires repetitively (≈ 68 Hz, Rinzel & Miller 1980)', async () => {
    const file = join(dir, 'hh.csv');
    const area = 1e-6; // 1e-2 cm²: 10 µA/cm² is 1e-7 A
    const r = await run(['--model', 'hh1952', '--celsius', '6.3', '--area', String(area), '--inject', 'step:amp=1e-7,start=0,dur=0.3', '--duration', '0.3', '--out', file]);
    expect(r.error).toBeUndefined();
    const { t, v } = await trace(file);
    const late = spikes(t, v).filter((x) => x > 0.1);
    expect(late.length).toBeGreaterThanOrEqual(12);
    expect(late.length).toBeLessThanOrEqual(15);
  });

  it('writes exactly a "t,v" header and one row per sample at 0, dt, …, duration, in SI', async () => {
    const file = join(dir, 'format.csv');
    const r = await run(['--model', 'pvalb', '--inject', 'step:amp=0', '--duration', '0.001', '--dt', '1e-4', '--out', file]);
    expect(r.error).toBeUndefined();
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('t,v');
    expect(lines.at(-1)).toBe(''); // final newline
    expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual(['0', '0.0001', '0.0002', '0.0003', '0.0004', '0.0005', '0.0006', '0.0007', '0.0008', '0.0009', '0.001']);
    for (const l of lines.slice(1, -1)) {
      expect(l).toMatch(/^[0-9.e-]+,-0\.0\d+(e-?\d+)?$/); // volts, near rest
    }
  });

  it('reads a time,current CSV (header optional) as piecewise-constant current', async () => {
    const csv = join(dir, 'current.csv');
    // Hyperpolarising then nothing: the cell sags below rest during [0.01, 0.05) and recovers.
    await writeFile(csv, 'time,current\n0,0\n0.01,-50e-12\n0.05,0\n');
    const file = join(dir, 'from-csv.csv');
    const r = await run(['--model', 'pyramidal', '--inject', csv, '--duration', '0.1', '--dt', '1e-4', '--out', file]);
    expect(r.error).toBeUndefined();
    const { v } = await trace(file);
    const rest = v[0] as number;
    // v[i] is V at i·dt, before the current of sample i acts: unchanged up to the row at 10 ms,
    // then ≈ −6 mV 30 ms into the −50 pA step (R_in ≈ 170 MΩ, τ ≈ 20 ms), recovering after 50 ms.
    expect(v[100]).toBeCloseTo(rest, 6);
    expect((v[101] as number) - rest).toBeLessThan(0);
    expect((v[400] as number) - rest).toBeLessThan(-3e-3);
    expect((v[1000] as number) - rest).toBeGreaterThan((v[500] as number) - rest);
    await writeFile(csv, '0,0\n0.01,-50e-12\n0.05,0\n'); // same without header
    const r2 = await run(['--model', 'pyramidal', '--inject', csv, '--duration', '0.1', '--dt', '1e-4', '--out', join(dir, 'no-header.csv')]);
    expect(r2.error).toBeUndefined();
    expect(await readFile(join(dir, 'no-header.csv'), 'utf8')).toBe(await readFile(file, 'utf8'));
  });

  describe('bad input: one clear sentence each', () => {
    /** Usage errors: commander's InvalidArgumentError → CommanderError (exit code 2 in patchrig). */
    async function usage(args: string[]): Promise<string> {
      const r = await run(args);
      expect(r.error).toBeInstanceOf(CommanderError);
      return r.err;
    }
    /** Runtime failures: a plain Error (exit code 1 in patchrig). */
    async function failure(args: string[]): Promise<string> {
      const r = await run(args);
      expect(r.error).toBeInstanceOf(Error);
      expect(r.error).not.toBeInstanceOf(CommanderError);
      return (r.error as Error).message;
    }
    const out = (): string => join(dir, 'bad.csv');

    it('unknown model: lists the known ones', async () => {
      const err = await usage(['--model', 'purkinje', '--inject', 'step:amp=1e-10', '--duration', '0.1', '--out', out()]);
      expect(err).toMatch(/unknown model "purkinje"; known models: rs-pyramidal, fs-interneuron, lts-interneuron, hh1952, pyramidal, pvalb, sst, vip\./);
    });

    it('malformed step SPEC: says what is expected', async () => {
      for (const spec of ['step:amp=ten', 'step:start=0.1', 'step:amp=1e-10,width=3', 'step:amp=1e-10,dur=-1']) {
        const err = await usage(['--model', 'hh1952', '--inject', spec, '--duration', '0.1', '--out', out()]);
        expect(err).toMatch(/expected step:amp=A,start=S,dur=D \(SI units/);
      }
    });

    it('dt out of range and negative duration', async () => {
      expect(await usage(['--model', 'hh1952', '--inject', 'step:amp=0', '--duration', '0.1', '--dt', '0.01', '--out', out()])).toMatch(
        /--dt must be a number of seconds in \[1e-7, 0\.001\], got "0\.01"/,
      );
      expect(await usage(['--model', 'hh1952', '--inject', 'step:amp=0', '--duration', '-1', '--out', out()])).toMatch(
        /--duration must be a number of seconds in \(0, 3600\], got "-1"/,
      );
      expect(await usage(['--model', 'hh1952', '--inject', 'step:amp=0', '--duration', '0.1', '--celsius', '80', '--out', out()])).toMatch(
        /--celsius must be a number in \[0, 45\] °C/,
      );
    });

    it('unreadable or malformed CSV', async () => {
      const missing = join(dir, 'missing.csv');
      expect(await failure(['--model', 'hh1952', '--inject', missing, '--duration', '0.1', '--out', out()])).toBe(
        `cannot read the --inject CSV "${missing}" (ENOENT); expected step:amp=A,start=S,dur=D (SI units: A in amperes, S and D in seconds), or the path of a CSV file of time,current rows.`,
      );
      const bad = join(dir, 'bad-rows.csv');
      await writeFile(bad, 'time,current\n0,0\n0.01,lots\n');
      expect(await failure(['--model', 'hh1952', '--inject', bad, '--duration', '0.1', '--out', out()])).toBe(
        `${bad} line 3 ("0.01,lots") is not a row of two numbers; expected time,current in s,A.`,
      );
    });

    it('unwritable --out', async () => {
      const target = join(dir, 'no-such-dir', 'v.csv');
      expect(await failure(['--model', 'hh1952', '--inject', 'step:amp=0', '--duration', '0.01', '--out', target])).toBe(
        `cannot write --out "${target}" (ENOENT).`,
      );
    });
  });
});
