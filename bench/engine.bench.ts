/**
 * Engine benchmark (protocols issue): the engine's own cost per sweep for 8 headstages × 5 s ×
 * 50 kHz — composing and checking commands, telegraphs, scaling — measured as the wall time of
 * `runSweep` minus the wall time of the same acquisition driven straight through the digitizer
 * driver in the same run (the baseline), on the simulated rig at max speed with passive cells;
 * and the wall time of the whole probe grid (8 headstages, 1 repetition, the simulated slice) at
 * max speed, with the simulated time it covers beside it.
 */
import { AcquisitionEngine } from '../src/acquisition/engine.ts';
import { ExperimentRunner } from '../src/acquisition/experiment-runner.ts';
import { expandPlan } from '../protocols/definitions/index.ts';
import { defaultSimulatedRig } from '../src/rig/default-rig.ts';
import { openRig } from '../src/rig/open-rig.ts';
import type { PlannedSweep } from '../protocols/plan.ts';
import { report } from './format.ts';

const RATE = 50_000;
const SECONDS = 5;
const HEADSTAGES = 8;
const REPEATS = 3;

function plannedSweep(): PlannedSweep {
  const scans = RATE * SECONDS;
  return {
    index: 0,
    protocol: 'bench',
    stimulusName: 'Steps',
    sampleRate: RATE,
    scans,
    headstages: Array.from({ length: HEADSTAGES }, (_, hs) => {
      const stimulus = new Float32Array(scans);
      stimulus.fill(0.005, RATE, 2 * RATE);
      return { headstage: hs, mode: 'VC' as const, stimulus, stimScale: 1, holding: -0.07, epochs: [] };
    }),
    epochs: [],
    parameters: {},
    interSweepInterval: 0,
  };
}

export async function run(): Promise<void> {
  const config = defaultSimulatedRig(HEADSTAGES);
  const rig = await openRig({ ...config, simulation: { ...config.simulation, speed: 'max', preparation: 'passive' } as typeof config.simulation });
  const engine = new AcquisitionEngine(rig);
  const planned = plannedSweep();
  const daq = rig.digitizers.get('daq0');
  if (!daq) throw new Error('no digitizer');
  const volts = planned.headstages.map((h) => ({ channel: h.headstage, volts: h.stimulus.map((v) => (v - 0.07) / 0.02) }));
  let best = Infinity;
  let bestRaw = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    let t0 = performance.now();
    await engine.runSweep(planned);
    best = Math.min(best, performance.now() - t0);
    t0 = performance.now();
    await daq.configure({ rateHz: RATE, scans: planned.scans, outputs: volts, inputs: volts.map((v) => v.channel) });
    const acq = await daq.start();
    for await (const _ of acq.blocks()) {
      // the baseline consumes blocks without scaling them
    }
    bestRaw = Math.min(bestRaw, performance.now() - t0);
  }
  await rig.close();
  report({
    bench: 'engine',
    metric: 'overhead_ms_per_sweep',
    value: best - bestRaw,
    baseline: { name: 'same acquisition through the digitizer driver alone, ms', value: bestRaw },
    context: { engine_ms_per_sweep: Math.round(best), headstages: HEADSTAGES, seconds: SECONDS, rate_hz: RATE, preparation: 'passive', best_of: REPEATS },
  });
  await probeGrid();
}

/** The probe grid end to end: plan, runner, engine, drivers, simulated slice in its worker. */
async function probeGrid(): Promise<void> {
  const rig = await openRig(defaultSimulatedRig(HEADSTAGES, 3), { speed: 'max' });
  const plan = expandPlan({ protocol: 'synphys-probe', repetitions: 1 }, { headstages: Array.from({ length: HEADSTAGES }, (_, k) => k), sampleRate: 20_000, safety: rig.safety });
  let sampled = 0;
  const runner = new ExperimentRunner({ rig, plan, speed: 'max', store: (s) => void (sampled += (s.channels[0]?.response.length ?? 0) / s.sampleRate) });
  const t0 = performance.now();
  runner.start();
  const summary = await runner.finished();
  const wall = (performance.now() - t0) / 1000;
  await rig.close();
  if (summary.phase !== 'done') throw new Error(`the probe grid ended ${summary.phase}: ${summary.error ?? ''}`);
  report({ bench: 'engine', metric: 'probe_grid_wall_s', value: wall, baseline: null, context: { probe_grid_sim_s: Math.round(summary.duration * 10) / 10, sampled_s: Math.round(sampled * 10) / 10, sweeps: summary.sweeps.length, headstages: HEADSTAGES, rate_hz: 20_000, preparation: 'slice (worker)' } });
  report({ bench: 'engine', metric: 'probe_grid_sim_s', value: summary.duration, baseline: null, context: { note: 'simulated time of the grid incl. the 15 s rests, start to start' } });
}
