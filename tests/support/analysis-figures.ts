import type { ProbeOutcome } from './analysis-probe.ts';

/** The ground-truth figures of one run, as reported per seed (docs/analysis.md). */
export interface SeedFigures {
  seed: number;
  synapses: boolean;
  /** Truth connections with a first PSP ≥ 0.2 mV, and how many of them were called connected. */
  strong: number;
  strongFound: number;
  recall: number;
  /** Pairs called connected, and how many of them are truth connections (any size). */
  called: number;
  calledTrue: number;
  precision: number;
  /** |measured / truth − 1| of the PSP amplitude, per detected strong connection. */
  amplitudeErrors: number[];
  /** |fit / truth − 1| of U and τ_rec per detected strong connection; τ_facil where the truth has facilitation. */
  /** (The fit's category is the probe outcome's `stpMode`.) */
  stpErrors: { pair: string; U: number; tauRec: number; tauFacil: number | null }[];
  /** |measured / truth − 1| per headstage. */
  testPulseErrors: { ra: number; ri: number; cm: number }[];
  wallSeconds: number;
  addSweepMs: number;
}

export const STRONG = 0.2e-3;

export function figures(o: ProbeOutcome): SeedFigures {
  const strong = o.pairs.filter((p) => p.truthConnected && Math.abs(p.truthAmplitude ?? 0) >= STRONG);
  const found = strong.filter((p) => p.status === 'connected');
  const called = o.pairs.filter((p) => p.status === 'connected');
  const calledTrue = called.filter((p) => p.truthConnected);
  const rel = (m: number, t: number) => Math.abs(m / t - 1);
  return {
    seed: o.seed,
    synapses: o.synapses,
    strong: strong.length,
    strongFound: found.length,
    recall: strong.length ? found.length / strong.length : 1,
    called: called.length,
    calledTrue: calledTrue.length,
    precision: called.length ? calledTrue.length / called.length : 1,
    // The truth is a PSP: only amplitudes measured in current clamp compare (a VC-only run has none).
    amplitudeErrors: found.filter((p) => p.mode === 'IC').map((p) => rel(p.amplitude ?? Number.NaN, p.truthAmplitude ?? Number.NaN)),
    stpErrors: found
      .filter((p) => p.stp && p.truthStp)
      .map((p) => ({
        pair: `${p.pre}→${p.post}`,
        U: rel(p.stp?.U ?? Number.NaN, p.truthStp?.U ?? Number.NaN),
        tauRec: rel(p.stp?.tauRec ?? Number.NaN, p.truthStp?.tauRec ?? Number.NaN),
        tauFacil: (p.truthStp?.tauFacil ?? 0) > 0 ? rel(p.stp?.tauFacil ?? Number.NaN, p.truthStp?.tauFacil ?? Number.NaN) : null,
      })),
    testPulseErrors: o.testPulse.map((t) => ({ ra: rel(t.measured.ra, t.truth.ra), ri: rel(t.measured.ri, t.truth.ri), cm: rel(t.measured.cm, t.truth.cm) })),
    wallSeconds: o.wallSeconds,
    addSweepMs: o.addSweepMs.reduce((a, b) => a + b, 0) / Math.max(1, o.addSweepMs.length),
  };
}
