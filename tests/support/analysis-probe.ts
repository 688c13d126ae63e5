/**
 * One ground-truth run for tests/scenarios/analysis-ground-truth.test.ts, in its own process (the
 * slice's hot loops run at full speed outside vitest): the Synaptic Physiology probe grid with
 * stimulus calibration on the simulated 8-headstage slice of a seed, realistic recording noise
 * added to every trace (analysis-noise.ts), the online analysis after every sweep, then the
 * slice's ground truth (analysis-truth.ts). Prints one JSON line (ProbeOutcome).
 *
 *   node bin/run-ts.js tests/support/analysis-probe.ts SEED [synapses|no-synapses] [REPETITIONS]
 */
import { performance } from 'node:perf_hooks';
import { ExperimentRunner } from '../../src/acquisition/experiment-runner.ts';
import { OnlineAnalysis } from '../../src/analysis/online.ts';
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
  truthConnected: boolean;
  truthAmplitude: number | null;
  amplitude: number | null;
  firstPulseMean: number | null;
  truthStp: { U: number; tauRec: number; tauFacil: number } | null;
  stp: { U: number; tauRec: number; tauFacil: number } | null;
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
const t0 = performance.now();
const { rig, slice } = await openAnalysisRig(seed, synapses);
const online = new OnlineAnalysis();
const addSweepMs: number[] = [];
const sweepSeconds: number[] = [];
let calibration: { headstage: number; scale: number }[] = [];
let phase = '';
try {
  const headstages = [0, 1, 2, 3, 4, 5, 6, 7];
  const plan = expandPlan({ protocol: 'synphys-probe', repetitions }, { headstages, sampleRate: 20_000, safety: rig.safety });
  const rand = gaussian(seed * 7919 + (synapses ? 1 : 2));
  const runner = new ExperimentRunner({
    rig,
    plan,
    speed: 'max',
    store: (s) => {
      for (const ch of s.channels) addNoise(ch.response, s.sampleRate, ch.mode === 'VC' ? VC_NOISE : IC_NOISE, rand);
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
const psps = synapses ? pspTruth(slice, (h) => 1.3e-9 * scale(h)) : [];
const cells = synapses ? cellTruth(slice) : [];
const counts = online.counts();
const fin = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
const pairs: PairOutcome[] = online.pairResults().map((r) => {
  const c = truth?.connections.find((x) => x.pre === truth.patched[r.pre] && x.post === truth.patched[r.post]);
  return {
    pre: r.pre,
    post: r.post,
    status: r.detection.status,
    pValue: fin(r.detection.pValue),
    truthConnected: c !== undefined,
    truthAmplitude: synapses ? fin(psps.find((p) => p.pre === r.pre && p.post === r.post)?.amplitude) : 0,
    amplitude: fin(r.psp?.amplitude),
    firstPulseMean: fin(r.firstPulseMean),
    truthStp: c ? { ...c.stp } : null,
    stp: r.tm && Number.isFinite(r.tm.U) ? { U: r.tm.U, tauRec: r.tm.tauRec, tauFacil: r.tm.tauFacil } : null,
  };
});
const recs = recordsOf(online.tables().recordings);
const med = (x: number[]) => {
  const s = x.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s[s.length >> 1] as number) : Number.NaN;
};
const testPulse = cells.map((c) => {
  const mine = recs.filter((r) => r.headstage === c.headstage);
  const col = (k: string) => med(mine.map((r) => Number(r[k] ?? Number.NaN)));
  return {
    headstage: c.headstage,
    truth: { ra: c.accessResistance, ri: c.inputResistance, cm: c.capacitance },
    measured: { ra: col('access_resistance'), ri: col('input_resistance'), cm: col('capacitance') },
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
