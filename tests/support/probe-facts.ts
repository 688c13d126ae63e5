/**
 * Runs the whole Synaptic Physiology probe grid (1 repetition) with stimulus-scale calibration on
 * the simulated 8-headstage slice at max speed and prints, as one JSON line, what the scenario test
 * checks: per sweep the spikes after every presynaptic pulse and what the command alone says about
 * frequency and recovery delay. It runs as its own process (node bin/run-ts.js): the slice's hot
 * loops run at full speed there, and the samples (≈ 40 s × 8 headstages per sweep) never pile up.
 */
import { ExperimentRunner } from '../../src/acquisition/experiment-runner.ts';
import { detectSpikes, spikesPerPulse } from '../../src/analysis/spikes.ts';
import type { Sweep } from '../../src/core/sweep.ts';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { openRig } from '../../src/rig/open-rig.ts';
import { expandPlan } from '../../protocols/definitions/index.ts';

const RATE = 20_000;
const HEADSTAGES = [0, 1, 2, 3, 4, 5, 6, 7];

export interface SweepFacts {
  frequency: number;
  recoveryDelay: number;
  /** Per presynaptic headstage: spikes after each of its 12 pulses. */
  spikes: Record<number, number[]>;
  /** Per presynaptic headstage, from its command alone: round(1/(t2 − t1)), onset-to-onset delay (s) and the gap pulse 8 end → pulse 9 onset in samples. */
  fromCommand: Record<number, { frequency: number; delay: number; gapSamples: number; pulses: number }>;
  /** The runner's per-pulse QC: records, how many saw exactly one presynaptic spike, how many pass for excitatory detection. */
  pulseQc: { records: number; oneSpike: number; exPass: number };
}

/** Pulse onsets and ends (sample indices) in a command: rises and falls of more than half the largest step. */
function pulsesOf(command: Float32Array, from: number, to: number): { on: number[]; off: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = from; i < to; i++) {
    lo = Math.min(lo, command[i] as number);
    hi = Math.max(hi, command[i] as number);
  }
  const mid = (lo + hi) / 2;
  const on: number[] = [];
  const off: number[] = [];
  for (let i = from + 1; i < to; i++) {
    const a = command[i - 1] as number;
    const b = command[i] as number;
    if (a < mid && b >= mid) on.push(i);
    if (a >= mid && b < mid) off.push(i);
  }
  return { on, off };
}

function facts(sweep: Sweep): SweepFacts {
  const q = sweep.pulseQc ?? [];
  const out: SweepFacts = {
    frequency: Number(sweep.parameters.frequency),
    recoveryDelay: Number(sweep.parameters.recoveryDelay),
    spikes: {},
    fromCommand: {},
    pulseQc: { records: q.length, oneSpike: q.filter((r) => r.spikes === 1).length, exPass: q.filter((r) => r.exPass).length },
  };
  for (const ch of sweep.channels) {
    const pulses = sweep.epochs.filter((e) => e.kind === 'pulse' && e.headstage === ch.headstage).sort((a, b) => a.start - b.start);
    if (pulses.length === 0) continue;
    const onsets = pulses.map((e) => Math.round(e.start * RATE));
    const window = Math.round(Math.min(1 / out.frequency, 0.015) * RATE);
    out.spikes[ch.headstage] = spikesPerPulse(detectSpikes(ch.response), onsets, window);
    // The headstage's own turn (its stimulus set), where only its pulses are.
    const turn = sweep.epochs.find((e) => e.kind === 'stimset' && e.headstage === ch.headstage);
    if (!turn) throw new Error(`sweep ${sweep.index}: no stimset epoch for headstage ${ch.headstage}`);
    const { on, off } = pulsesOf(ch.command, Math.round(turn.start * RATE), Math.round(turn.stop * RATE));
    const diffs = on.slice(1).map((t, k) => (t - (on[k] as number)) / RATE);
    out.fromCommand[ch.headstage] = {
      frequency: Math.round(1 / (((on[1] as number) - (on[0] as number)) / RATE)),
      delay: Math.round(Math.max(...diffs) * 1000) / 1000,
      gapSamples: (on[8] as number) - (off[7] as number),
      pulses: on.length,
    };
  }
  return out;
}

const seed = Number(process.argv[2] ?? 11);
const rig = await openRig(defaultSimulatedRig(8, seed), { speed: 'max' });
try {
  const plan = expandPlan({ protocol: 'synphys-probe', repetitions: 1 }, { headstages: HEADSTAGES, sampleRate: RATE, safety: rig.safety });
  const seen: SweepFacts[] = [];
  const runner = new ExperimentRunner({ rig, plan, speed: 'max', store: (s) => void seen.push(facts(s)) });
  const prep = await runner.prepare({ calibrate: true });
  runner.start();
  const summary = await runner.finished();
  process.stdout.write(`${JSON.stringify({ phase: summary.phase, calibration: prep.calibration.map((c) => ({ headstage: c.headstage, ok: c.ok, scale: c.scale })), sweeps: seen })}\n`);
} finally {
  await rig.close();
}
