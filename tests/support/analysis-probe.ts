/**
 * One ground-truth run for tests/scenarios/analysis-ground-truth.test.ts, in its own process (the
 * slice's hot loops run at full speed outside vitest): the Synaptic Physiology probe grid with
 * stimulus calibration on the simulated 8-headstage slice of a seed, realistic recording noise
 * added to every trace (analysis-noise.ts), the online analysis after every sweep, then the
 * slice's ground truth (analysis-truth.ts). Prints one JSON line (ProbeOutcome).
 *
 *   node bin/run-ts.js tests/support/analysis-probe.ts SEED [synapses|no-synapses] [REPETITIONS] [RECORDINGS] [noise|no-noise] [TP_WIDTH]
 *
 * RECORDINGS: the postsynaptic recording categories, comma-separated (default `ic-70,ic-55`: the
 * grid at −70 mV, then again at −55 mV, where the analysis measures inhibitory connections;
 * `ic-70` alone halves the run). `no-noise` leaves out the added noise (diagnostic runs only:
 * without noise the detection statistic means nothing). TP_WIDTH: the inserted current-clamp test
 * pulse, s (default 0.05: MIES's 10 ms default ends before the Sst cells' response has settled and
 * reads their Ri up to ≈ 10 % high, docs/analysis.md; 50 ms costs 0.13 s per sweep).
 *
 * With `PROBE_DUMP=DIR` every sweep, noise included, is also written to DIR/sweep-N.bin (v8
 * serialisation), so an analysis change can be measured on the very same traces.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { serialize } from 'node:v8';
import { ExperimentRunner } from '../../src/acquisition/experiment-runner.ts';
import { OnlineAnalysis } from '../../src/analysis/online.ts';
import { tmResolved } from '../../src/analysis/tm-fit.ts';
import { recordsOf } from '../../src/analysis/frame.ts';
import { expandPlan } from '../../protocols/definitions/index.ts';
import { IC_NOISE, VC_NOISE, addNoise, gaussian } from './analysis-noise.ts';
import { openAnalysisRig } from './analysis-rig.ts';
import { cellTruth, pspTruth } from './analysis-truth.ts';

export interface PairOutcome {
  pre: number;
  post: number;
  status: string;
  pValue: number | null;
  /** Detection strength (mean first-pulse estimate − mean baseline estimate), V or A. */
  strength: number | null;
  truthConnected: boolean;
  truthAmplitude: number | null;
  /** Holding the truth amplitude is taken at, V: −55 mV for inhibitory synapses when the run has that category, else −70 mV. */
  truthHolding: number;
  amplitude: number | null;
  /** Category the analysis measured the pair in (null when it measured nothing). */
  mode: string | null;
  holding: number | null;
  firstPulseMean: number | null;
  truthStp: { U: number; tauRec: number; tauFacil: number } | null;
  stp: { U: number; tauRec: number; tauFacil: number } | null;
  /** The fit's relative standard errors (null: not fitted or not determined) and whether it calls itself resolved (tm-fit.ts). */
  stpRelativeErrors: { U: number | null; tauRec: number | null; tauFacil: number | null } | null;
  stpResolved: boolean | null;
  /** Category the Tsodyks–Markram fit came from (VC at the holding when the run records it and resolves its responses). */
  stpMode: string | null;
}

export interface ProbeOutcome {
  seed: number;
  synapses: boolean;
  phase: string;
  sweeps: number;
  excludedSweeps: number;
  excludedResponses: number;
  usedResponses: number;
  pairs: PairOutcome[];
  testPulse: { headstage: number; truth: { ra: number; ri: number; cm: number }; measured: { ra: number; ri: number; cm: number } }[];
  /** Wall time of each addSweep, ms. */
  addSweepMs: number[];
  /** Simulated duration of each sweep, s. */
  sweepSeconds: number[];
  wallSeconds: number;
}

const seed = Number(process.argv[2] ?? 11);
const synapses = (process.argv[3] ?? 'synapses') !== 'no-synapses';
const repetitions = Number(process.argv[4] ?? 1);
const recordings = (process.argv[5] ?? 'ic-70,ic-55').split(',').map((r) => {
  const m = /^(ic|vc)(-\d+)$/i.exec(r.trim());
  if (!m) throw new Error(`recording category "${r}": expected e.g. ic-70 or ic-55`);
  return { mode: (m[1] as string).toUpperCase() as 'IC' | 'VC', holdingPotential: Number(m[2]) / 1000 };
});
const noise = (process.argv[6] ?? 'noise') !== 'no-noise';
const testPulseWidth = Number(process.argv[7] ?? 0.05);
const dumpDir = process.env.PROBE_DUMP;
if (dumpDir) mkdirSync(dumpDir, { recursive: true });
const t0 = performance.now();
const { rig, slice } = await openAnalysisRig(seed, synapses);
const online = new OnlineAnalysis();
const addSweepMs: number[] = [];
const sweepSeconds: number[] = [];
let calibration: { headstage: number; scale: number }[] = [];
let phase = '';
try {
  const headstages = [0, 1, 2, 3, 4, 5, 6, 7];
  const plan = expandPlan({ protocol: 'synphys-probe', repetitions, recording: recordings, testPulse: { width: testPulseWidth } }, { headstages, sampleRate: 20_000, safety: rig.safety });
  const rand = gaussian(seed * 7919 + (synapses ? 1 : 2));
  const runner = new ExperimentRunner({
    rig,
    plan,
    speed: 'max',
    store: (s) => {
      if (noise) for (const ch of s.channels) addNoise(ch.response, s.sampleRate, ch.mode === 'VC' ? VC_NOISE : IC_NOISE, rand);
      if (dumpDir) writeFileSync(`${dumpDir}/sweep-${s.index}.bin`, serialize(s));
      const a = performance.now();
      online.addSweep(s);
      addSweepMs.push(performance.now() - a);
      sweepSeconds.push((s.channels[0]?.response.length ?? 0) / s.sampleRate);
    },
  });
  const prep = await runner.prepare({ calibrate: true });
  calibration = prep.calibration.map((c) => ({ headstage: c.headstage, scale: c.scale }));
  runner.start();
  phase = (await runner.finished()).phase;
} finally {
  await rig.close();
}

const truth = rig.simulation?.groundTruth().amplifiers[0]?.slice;
const scale = (h: number) => calibration.find((c) => c.headstage === h)?.scale ?? 1;
// Without synapses every PSP is 0 and the test-pulse figures come from the synaptic runs.
const pulse = (h: number) => 1.3e-9 * scale(h);
const psps = synapses ? pspTruth(slice, pulse) : [];
// Inhibitory connections are measured at −55 mV when the run records there (categories.ts); the
// truth is the PSP there (a voltage-clamp run's "strong" connections are those of the IC runs).
const at55 = recordings.some((r) => Math.abs(r.holdingPotential + 0.055) < 1e-6);
const psps55 = synapses && at55 ? pspTruth(slice, pulse, -0.055) : [];
const cells = synapses ? cellTruth(slice) : [];
const counts = online.counts();
const fin = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
const pairs: PairOutcome[] = online.pairResults().map((r) => {
  const c = truth?.connections.find((x) => x.pre === truth.patched[r.pre] && x.post === truth.patched[r.post]);
  const inhibitory = at55 && c !== undefined && c.reversal < -0.03;
  return {
    pre: r.pre,
    post: r.post,
    status: r.detection.status,
    pValue: fin(r.detection.pValue),
    strength: fin(r.detection.strength),
    truthConnected: c !== undefined,
    truthAmplitude: synapses ? fin((inhibitory ? psps55 : psps).find((p) => p.pre === r.pre && p.post === r.post)?.amplitude) : 0,
    truthHolding: inhibitory ? -0.055 : -0.07,
    amplitude: fin(r.psp?.amplitude),
    mode: r.category?.mode ?? null,
    holding: r.category?.holding ?? null,
    firstPulseMean: fin(r.firstPulseMean),
    truthStp: c ? { ...c.stp } : null,
    stp: r.tm && Number.isFinite(r.tm.U) ? { U: r.tm.U, tauRec: r.tm.tauRec, tauFacil: r.tm.tauFacil } : null,
    stpRelativeErrors: r.tm && Number.isFinite(r.tm.U) ? { U: fin(r.tm.relativeErrors.U), tauRec: fin(r.tm.relativeErrors.tauRec), tauFacil: fin(r.tm.relativeErrors.tauFacil) } : null,
    stpResolved: r.tm && Number.isFinite(r.tm.U) ? tmResolved(r.tm) : null,
    stpMode: r.tmCategory ? `${r.tmCategory.mode}${Math.round(r.tmCategory.holding * 1e3)}` : null,
  };
});
const recs = recordsOf(online.tables().recordings);
const med = (x: number[]) => {
  const s = x.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s[s.length >> 1] as number) : Number.NaN;
};
const testPulse = cells.map((c) => {
  // Ra and Cm do not depend on the holding: every sweep's test pulse counts. The Ri truth is at
  // −70 mV (active conductances make Ri depend on the potential): the sweeps at −55 mV are left out.
  // The truth is the current-clamp cell's: a run with both modes is read on its IC sweeps (the VC
  // pulse's +10 mV step moves the cells' slow conductances; decision 0011).
  const mine = recs.filter((r) => r.headstage === c.headstage);
  const ic = mine.filter((r) => r.mode === 'IC');
  const all = ic.length > 0 ? ic : mine;
  const at70 = all.filter((r) => Math.abs(Number(r.baseline_potential) + 0.07) < 5e-3);
  const col = (rows: typeof all, k: string) => med(rows.map((r) => Number(r[k] ?? Number.NaN)));
  return {
    headstage: c.headstage,
    truth: { ra: c.accessResistance, ri: c.inputResistance, cm: c.capacitance },
    measured: { ra: col(all, 'access_resistance'), ri: col(at70, 'input_resistance'), cm: col(all, 'capacitance') },
  };
});
const out: ProbeOutcome = {
  seed,
  synapses,
  phase,
  sweeps: counts.sweeps,
  excludedSweeps: counts.excludedSweeps,
  excludedResponses: counts.excludedResponses,
  usedResponses: counts.usedResponses,
  pairs,
  testPulse,
  addSweepMs,
  sweepSeconds,
  wallSeconds: (performance.now() - t0) / 1000,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
