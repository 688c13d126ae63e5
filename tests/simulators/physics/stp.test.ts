import { describe, expect, it } from 'vitest';
import { CONNECTION_RULES } from '../../../simulators/physics/cell-classes.ts';
import {
  TsodyksMarkram,
  probeTrainOnsets,
  tmDepressionSteadyState,
  tmRelease,
  type StpParams,
} from '../../../simulators/physics/stp.ts';

// Connection classes of cell-classes.ts: pyramid→pyramid depresses (Tsodyks & Markram 1997),
// pyramid→Sst facilitates (Markram, Wang & Tsodyks 1998; Campagnola et al. 2022).
const DEPRESSING = CONNECTION_RULES.pyramidal.pyramidal.stp;
const FACILITATING = CONNECTION_RULES.pyramidal.sst.stp;
const FREQS = [10, 20, 50, 100, 200]; // synphys induction frequencies (synphys-protocols.md §1.1)

function train(p: StpParams, f: number, delay = 0.25): number[] {
  return tmRelease(p, probeTrainOnsets(f, delay));
}

describe('Tsodyks–Markram short-term plasticity', () => {
  it('the event-driven state reproduces the closed-form recursion on every probe train', () => {
    for (const p of [DEPRESSING, FACILITATING, { U: 0.3, tauRec: 0.2, tauFacil: 0.1 }]) {
      for (const f of FREQS) {
        const times = probeTrainOnsets(f, 0.25).map((t) => 2 + t);
        const stp = new TsodyksMarkram(p);
        const sim = times.map((t) => stp.onSpike(t));
        const ref = tmRelease(p, times);
        sim.forEach((a, k) => expect(Math.abs(a - (ref[k] as number))).toBeLessThan(1e-15));
      }
    }
  });

  it('regular trains converge to the closed-form depression steady state U(1−e)/(1−(1−U)e)', () => {
    const p = { U: 0.5, tauRec: 0.8, tauFacil: 0 };
    const times = Array.from({ length: 200 }, (_, k) => k * 0.02);
    const a = tmRelease(p, times);
    expect(a.at(-1)).toBeCloseTo(tmDepressionSteadyState(0.5, 0.8, 0.02), 12);
  });

  it('follows the probe-train geometry of synphys-protocols.md §1.3 (8 + 4 pulses, delay after pulse 8 ends)', () => {
    const t = probeTrainOnsets(20, 0.25, 0.003);
    expect(t).toHaveLength(12);
    expect(t[7]).toBeCloseTo(0.35, 12);
    expect(t[8]).toBeCloseTo(0.35 + 0.003 + 0.25, 12); // 603 ms after pulse 1 (1628 − 1025 ms in the published example)
    expect((t[11] as number) - (t[8] as number)).toBeCloseTo(0.15, 12);
  });

  it.each(FREQS)('a depressing class depresses over the 8 induction pulses at %s Hz, more at higher rates', (f) => {
    const a = train(DEPRESSING, f);
    expect((a[1] as number) / (a[0] as number)).toBeLessThan(1);
    expect((a[7] as number) / (a[0] as number)).toBeLessThan(0.8);
    if (f > 10) {
      const slower = train(DEPRESSING, f / 2);
      expect((a[7] as number) / (a[0] as number)).toBeLessThan((slower[7] as number) / (slower[0] as number));
    }
  });

  it.each(FREQS)('a facilitating class facilitates over the 8 induction pulses at %s Hz', (f) => {
    const a = train(FACILITATING, f);
    expect((a[1] as number) / (a[0] as number)).toBeGreaterThan(1);
    expect(Math.max(...a.slice(1, 8)) / (a[0] as number)).toBeGreaterThan(1.5);
  });

  it('recovers with the delay: pulse 9 approaches pulse 1 as the 50 Hz recovery delay grows to 4 s', () => {
    // Recovery delays of synphys-protocols.md §1.1.
    const delays = [0.125, 0.25, 0.5, 1, 2, 4];
    for (const p of [DEPRESSING, FACILITATING]) {
      const dev = delays.map((d) => {
        const a = train(p, 50, d);
        return Math.abs((a[8] as number) / (a[0] as number) - 1);
      });
      // From 250 ms on the deviation shrinks monotonically (at 125 ms facilitation and depletion
      // of the facilitating class still compete, so the first step may go either way).
      for (let k = 2; k < dev.length; k++) expect(dev[k] as number).toBeLessThan(dev[k - 1] as number);
      expect(dev.at(-1)).toBeLessThan(0.05);
      expect(dev[0]).toBeGreaterThan(0.1);
    }
  });

  it('refuses non-physical parameters', () => {
    expect(() => new TsodyksMarkram({ U: 0, tauRec: 0.5, tauFacil: 0 })).toThrow(/stp\.U = 0 is outside its allowed range \(0, 1\]/);
    expect(() => tmRelease({ U: 0.5, tauRec: Number.NaN, tauFacil: 0 }, [0])).toThrow(/tauRec = NaN/);
  });
});
