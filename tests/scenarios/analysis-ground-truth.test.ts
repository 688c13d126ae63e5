import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SeedFigures, figures } from '../support/analysis-figures.ts';
import type { ProbeOutcome } from '../support/analysis-probe.ts';

/**
 * The online analysis against the simulated slice's ground truth (issue 7). Each run is the full
 * probe grid once (10 conditions, 8 headstages: 56 pairs) recorded at −70 mV and again at −55 mV
 * (where inhibitory connections are measured, docs/analysis.md "Response categories"), on a fresh
 * slice with realistic noise added (tests/support/analysis-noise.ts), with a 50 ms inserted test
 * pulse; at most two runs at a time. Seeds 11 and 12 keep their synapses; seed 13 is run without any
 * synapse for the false-positive check. One repetition is what the CI budget allows (≈ 8 usable
 * first-pulse traces per pair and holding, against ≥ 40 in a real experiment of 5 repetitions):
 * where that leaves the issue's targets out of reach the test says so in its name and checks a
 * looser bound; the measured figures are printed per seed, and docs/analysis.md records them for
 * 1, 3 and 5 repetitions.
 *
 * A fourth run records the grid in voltage clamp (−70 and −55 mV) on seed 14 without the added
 * noise: where short-term plasticity is fitted when a run has voltage clamp (decision 0008), it
 * checks the method itself against the 15 % target, and its test pulse against 5 % (decision 0011).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Seed, synapses, and for the voltage-clamp run its recordings and noise (analysis-probe.ts arguments). */
type Run = [number, 'synapses' | 'no-synapses'] | [number, 'synapses', string, 'no-noise'];
const VC_RUN: Run = [14, 'synapses', 'vc-70,vc-55', 'no-noise'];
const RUNS: Run[] = [[11, 'synapses'], [12, 'synapses'], [13, 'no-synapses'], VC_RUN];
const key = (r: Run) => r.join('/');

function probe(run: Run): Promise<ProbeOutcome> {
  const [seed, kind, recordings, noise] = run;
  const args = recordings ? [String(seed), kind, '1', recordings, noise ?? 'noise'] : [String(seed), kind];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['bin/run-ts.js', 'tests/support/analysis-probe.ts', ...args], { cwd: ROOT, maxBuffer: 64 << 20 }, (err, out, errOut) =>
      err ? reject(new Error(`probe run (${key(run)}) failed: ${err.message}\n${errOut.slice(-2000)}`)) : resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as ProbeOutcome),
    ),
  );
}

const outcomes = new Map<string, ProbeOutcome>();
/** The current-clamp runs with realistic noise. */
const figs: SeedFigures[] = [];
let vc: SeedFigures;

beforeAll(async () => {
  // Two at a time: the slice of a synaptic run computes in a worker thread next to the runner.
  const queue = [...RUNS];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) outcomes.set(key(next), await probe(next));
  };
  await Promise.all([worker(), worker()]);
  for (const r of RUNS) if (r !== VC_RUN) figs.push(figures(outcomes.get(key(r)) as ProbeOutcome));
  vc = figures(outcomes.get(key(VC_RUN)) as ProbeOutcome);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  for (const f of [...figs, vc]) {
    console.log(
      [
        `seed ${f.seed} (${f.synapses ? 'synapses' : 'no synapses'}): recall ${f.strongFound}/${f.strong} = ${pct(f.recall)}, precision ${f.calledTrue}/${f.called} = ${pct(f.precision)}`,
        `  PSP amplitude error: ${f.amplitudeErrors.map(pct).join(', ') || '-'}`,
        `  STP error (U, τ_rec, τ_facil): ${f.stpErrors.map((s) => `${s.pair} ${pct(s.U)} ${pct(s.tauRec)} ${s.tauFacil === null ? '-' : pct(s.tauFacil)}`).join('; ') || '-'}`,
        `  test pulse error (Ra, Ri, Cm): ${f.testPulseErrors.map((t) => `${pct(t.ra)} ${pct(t.ri)} ${pct(t.cm)}`).join('; ') || '-'}`,
        `  wall ${f.wallSeconds.toFixed(0)} s, addSweep ${f.addSweepMs.toFixed(0)} ms per sweep`,
      ].join('\n'),
    );
  }
}, 600_000);

describe('online analysis of the full probe grid against the simulated ground truth', () => {
  it('analyses every sweep of every run and excludes none', () => {
    for (const o of outcomes.values()) expect({ seed: o.seed, phase: o.phase, sweeps: o.sweeps, excluded: o.excludedSweeps }).toEqual({ seed: o.seed, phase: 'done', sweeps: 20, excluded: 0 });
  });

  it('calls no connection on a slice without synapses', () => {
    const f = figs.find((x) => !x.synapses);
    expect(f?.called).toBe(0);
  });

  it('finds ≥ 95 % of the connections with a first PSP ≥ 0.2 mV, with ≥ 95 % precision, on every seed', () => {
    const synaptic = figs.filter((x) => x.synapses);
    for (const f of synaptic) expect(f.strong).toBeGreaterThan(0);
    expect(synaptic.filter((f) => f.recall < 0.95 || f.precision < 0.95).map((f) => ({ seed: f.seed, recall: f.recall, precision: f.precision }))).toEqual([]);
  });

  it('measures the first PSP of every detected connection ≥ 0.2 mV within 10 % (median ≤ 5 % per seed)', () => {
    const errors = figs.flatMap((f) => f.amplitudeErrors);
    expect(errors.length).toBeGreaterThan(0);
    for (const f of figs.filter((x) => x.synapses)) {
      const sorted = [...f.amplitudeErrors].sort((a, b) => a - b);
      expect({ seed: f.seed, median: sorted[sorted.length >> 1] }).toEqual({ seed: f.seed, median: expect.toSatisfy((m: number) => m <= 0.05) });
    }
    expect(errors.filter((e) => !(e <= 0.1))).toEqual([]);
  });

  it('fits short-term plasticity of every detected connection ≥ 0.2 mV (target 15 %: not met with one repetition; U, τ_rec and τ_facil within 40 %)', () => {
    const stp = figs.flatMap((f) => f.stpErrors.map((s) => ({ seed: f.seed, ...s })));
    expect(stp.length).toBeGreaterThan(0);
    expect(stp.filter((s) => !(s.U <= 0.4 && s.tauRec <= 0.4 && (s.tauFacil === null || s.tauFacil <= 0.4)))).toEqual([]);
  });

  it('fits short-term plasticity in voltage clamp within 15 % of the truth: U, τ_rec, τ_facil of every connection ≥ 0.2 mV (seed 14, no added noise)', () => {
    const o = outcomes.get(key(VC_RUN)) as ProbeOutcome;
    expect({ phase: o.phase, sweeps: o.sweeps, recall: vc.recall, precision: vc.precision }).toEqual({ phase: 'done', sweeps: 20, recall: 1, precision: 1 });
    // Fitted in voltage clamp at the connection's holding: −70 mV excitatory, −55 mV inhibitory.
    const found = o.pairs.filter((p) => p.truthConnected && p.status === 'connected');
    expect(found.map((p) => p.stpMode)).toEqual(found.map((p) => (p.truthHolding === -0.055 ? 'VC-55' : 'VC-70')));
    expect(vc.stpErrors.length).toBeGreaterThanOrEqual(8);
    expect(vc.stpErrors.filter((s) => !(s.U <= 0.15 && s.tauRec <= 0.15 && (s.tauFacil === null || s.tauFacil <= 0.15)))).toEqual([]);
  });

  it('fits the voltage-clamp test pulse within 5 % of the cell: Ra, Ri, Cm (seed 14, no added noise; medians over the run, Ri at −70 mV)', () => {
    expect(vc.testPulseErrors.length).toBe(8);
    expect(vc.testPulseErrors.map((e, h) => ({ h, ...e })).filter((e) => !(e.ri <= 0.05 && e.cm <= 0.05 && e.ra <= 0.05))).toEqual([]);
  });

  it('fits the test pulse within 5 % of the cell: Ra, Ri, Cm (medians over the run; Ri at −70 mV, where the truth is)', () => {
    const tp = figs.flatMap((f) => f.testPulseErrors.map((e, h) => ({ seed: f.seed, h, ...e })));
    expect(tp.length).toBe(16);
    expect(tp.filter((e) => !(e.ri <= 0.05 && e.cm <= 0.05 && e.ra <= 0.05))).toEqual([]);
  });
});
