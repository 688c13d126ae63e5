/**
 * Analysis benchmark (issue 7): the online analysis of a whole Synaptic Physiology probe
 * experiment — 8 headstages, the full grid of 10 conditions, 5 repetitions (50 sweeps, 56 pairs,
 * 33 600 responses).
 *
 * The sweeps: one repetition of the grid is acquired on the simulated 8-headstage slice (seed 11,
 * calibrated stimulus), and each of its 10 sweeps is used 5 times with independent recording noise
 * (tests/support/analysis-noise.ts, ≈ 71 µV rms), renumbered as sweeps 0–49 in blocked order; the
 * acquisition itself is not timed.
 *
 * - probe_analysis_s: OnlineAnalysis.addSweep for all 50 sweeps, then tables(). Baseline: one plain
 *   typed-array pass over the same samples (sum of every response sample) — the least any analysis
 *   that reads the data must cost.
 * - online_ms_per_sweep: mean wall time of addSweep. Baseline: the mean recorded duration of a sweep
 *   (its samples at the sample rate): ratio < 1 means the analysis keeps up with acquisition even
 *   with no rest between sweeps (the protocol rests 15 s).
 */
import { performance } from 'node:perf_hooks';
import { ExperimentRunner } from '../src/acquisition/experiment-runner.ts';
import { OnlineAnalysis } from '../src/analysis/online.ts';
import type { Sweep } from '../src/core/sweep.ts';
import { defaultSimulatedRig } from '../src/rig/default-rig.ts';
import { openRig } from '../src/rig/open-rig.ts';
import { expandPlan } from '../protocols/definitions/index.ts';
import { IC_NOISE, addNoise, gaussian } from '../tests/support/analysis-noise.ts';
import { report } from './format.ts';

const REPETITIONS = 5;

async function acquire(): Promise<Sweep[]> {
  const config = defaultSimulatedRig(8, 11);
  const daq = config.devices.daq0;
  if (daq) config.devices.daq0 = { ...daq, timeoutMs: 30_000 };
  const rig = await openRig(config, { speed: 'max' });
  const sweeps: Sweep[] = [];
  try {
    const plan = expandPlan({ protocol: 'synphys-probe', repetitions: 1 }, { headstages: [0, 1, 2, 3, 4, 5, 6, 7], sampleRate: 20_000, safety: rig.safety });
    const runner = new ExperimentRunner({ rig, plan, speed: 'max', store: (s) => void sweeps.push(s) });
    await runner.prepare({ calibrate: true });
    runner.start();
    const summary = await runner.finished();
    if (summary.phase !== 'done') throw new Error(`the probe run ended in phase ${summary.phase}: ${summary.error ?? ''}`);
  } finally {
    await rig.close();
  }
  return sweeps;
}

/** Five noisy copies of every sweep, numbered in blocked order (each condition's repetitions together). */
function experiment(base: readonly Sweep[]): Sweep[] {
  const rand = gaussian(2026);
  const out: Sweep[] = [];
  for (const s of base) {
    for (let r = 0; r < REPETITIONS; r++) {
      const channels = s.channels.map((c) => {
        const response = Float32Array.from(c.response);
        addNoise(response, s.sampleRate, IC_NOISE, rand);
        return { ...c, response };
      });
      out.push({ ...s, index: out.length, channels, parameters: { ...s.parameters, repetition: r } });
    }
  }
  return out;
}

export async function run(): Promise<void> {
  const sweeps = experiment(await acquire());
  const samples = sweeps.reduce((n, s) => n + s.channels.reduce((m, c) => m + c.response.length, 0), 0);

  let t = performance.now();
  let sink = 0;
  for (const s of sweeps) for (const c of s.channels) for (let i = 0; i < c.response.length; i++) sink += c.response[i] as number;
  const pass = (performance.now() - t) / 1000;

  const analysis = new OnlineAnalysis();
  const per: number[] = [];
  t = performance.now();
  for (const s of sweeps) {
    const a = performance.now();
    analysis.addSweep(s);
    per.push(performance.now() - a);
  }
  const tables = analysis.tables();
  const total = (performance.now() - t) / 1000;
  const duration = sweeps.reduce((d, s) => d + (s.channels[0]?.response.length ?? 0) / s.sampleRate, 0) / sweeps.length;
  const connected = analysis.pairStatus().filter((p) => p.status === 'connected').length;
  const context = { sweeps: sweeps.length, headstages: 8, pairs: 56, responses: tables.pulseResponses.height, connected, samples, checksum: Math.round(sink) };

  report({ bench: 'analysis', metric: 'probe_analysis_s', value: total, baseline: { name: 'typed-array single pass', value: pass }, context });
  report({
    bench: 'analysis',
    metric: 'online_ms_per_sweep',
    value: per.reduce((a, b) => a + b, 0) / per.length,
    baseline: { name: 'recorded sweep duration (ms)', value: duration * 1000 },
    context: { max_ms: Math.round(Math.max(...per)), last_ms: Math.round(per[per.length - 1] ?? 0), sweeps: sweeps.length },
  });
}
