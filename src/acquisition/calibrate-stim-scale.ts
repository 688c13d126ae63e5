import { detectSpikes, spikesPerPulse } from '../analysis/spikes.ts';
import type { PlannedSweep } from '../../protocols/plan.ts';
import { pulseTrain } from '../../protocols/stimuli/index.ts';
import type { AcquisitionEngine } from './engine.ts';

export interface CalibrationOptions {
  /** Pulse amplitude before scaling, A (the probe's, e.g. 1.3 nA). */
  amplitude: number;
  width: number;
  /**
   * Trains used to judge, played one after another in one sweep: `pulses` induction pulses at
   * `frequency`, then — with `recoveryDelay` — the probe's 4 recovery pulses (a cell rested by the
   * delay may fire twice on pulse 9 at a scale that is right for pulses 1–8).
   */
  trains: { frequency: number; recoveryDelay?: number }[];
  pulses: number;
  sampleRate: number;
  /** IC holding current during calibration, A. */
  holding?: number;
  minScale?: number;
  maxScale?: number;
  /** The rig's current limit, A: the scale never asks for more. */
  maxCurrent?: number;
  maxIterations?: number;
  signal?: AbortSignal;
}

export interface CalibrationResult {
  headstage: number;
  /** The scale to use: every pulse evoked exactly one spike with it when `ok`. */
  scale: number;
  ok: boolean;
  /** Spikes per pulse at the chosen scale. */
  spikes: number[];
  iterations: number;
  /** Every scale tried, with the spikes per pulse it gave. */
  tried: { scale: number; spikes: number[] }[];
}

/**
 * Finds a per-cell stimulus scale at which each presynaptic pulse evokes exactly one spike
 * (synphys-protocols.md §1.1; the QC of aisynphys `spike_qc` wants one spike per pulse): plays a
 * short train on one headstage in current clamp and bisects the scale on a log axis — up while a
 * pulse evokes no spike, down while one evokes more than one.
 */
export async function calibrateStimScale(engine: AcquisitionEngine, headstage: number, o: CalibrationOptions): Promise<CalibrationResult> {
  let lo = o.minScale ?? 0.05;
  let hi = Math.min(o.maxScale ?? 5, (o.maxCurrent ?? Number.POSITIVE_INFINITY) / Math.abs(o.amplitude) - Math.abs((o.holding ?? 0) / o.amplitude) * 1.001);
  let scale = Math.min(Math.max(1, lo), hi);
  const limitHi = hi;
  const tried: CalibrationResult['tried'] = [];
  const lead = 0.05;
  // One sweep plays a train at each frequency in turn, so one run judges them all.
  const trains = o.trains.map((t) => {
    const built = pulseTrain({ sampleRate: o.sampleRate, start: lead, frequency: t.frequency, width: o.width, amplitude: o.amplitude, count: o.pulses, recoveryDelay: t.recoveryDelay });
    // Half a second after each train lets the cell recover, as the protocol's rest between sweeps does.
    return pulseTrain({ sampleRate: o.sampleRate, start: lead, frequency: t.frequency, width: o.width, amplitude: o.amplitude, count: o.pulses, recoveryDelay: t.recoveryDelay, duration: built.samples.length / o.sampleRate + 0.5 });
  });
  const stimulus = new Float32Array(trains.reduce((n, t) => n + t.samples.length, 0));
  const onsets: number[] = [];
  const windows: number[] = [];
  let at = 0;
  trains.forEach((t, k) => {
    stimulus.set(t.samples, at);
    const window = Math.round(Math.min(1 / (o.trains[k]?.frequency ?? 1), 0.015) * o.sampleRate);
    for (const e of t.epochs.filter((x) => x.kind === 'pulse')) {
      onsets.push(at + Math.round(e.start * o.sampleRate));
      windows.push(window);
    }
    at += t.samples.length;
  });
  const planned: PlannedSweep = {
    index: 0,
    protocol: 'stim-scale-calibration',
    stimulusName: `Calibration_${o.trains.map((t) => t.frequency).join('_')}Hz`,
    sampleRate: o.sampleRate,
    scans: stimulus.length,
    headstages: [{ headstage, mode: 'IC', stimulus, stimScale: 1, holding: o.holding, epochs: [] }],
    epochs: [],
    parameters: {},
    interSweepInterval: 0,
  };
  const max = o.maxIterations ?? 12;
  for (let i = 0; i < max; i++) {
    const sweep = await engine.runSweep(planned, { signal: o.signal, stimScale: () => scale });
    const v = sweep.channels[0]?.response ?? new Float32Array(0);
    const detected = detectSpikes(v);
    const spikes = onsets.map((on, k) => spikesPerPulse(detected, [on], windows[k] as number)[0] as number);
    tried.push({ scale, spikes });
    if (spikes.every((n) => n === 1)) return { headstage, scale, ok: true, spikes, iterations: i + 1, tried };
    if (spikes.some((n) => n === 0)) {
      if (scale >= limitHi) break; // the strongest allowed pulse still misses spikes
      lo = scale;
    } else hi = scale;
    if (hi / lo < 1.01) break;
    scale = Math.sqrt(lo * hi);
  }
  const best = tried.reduce((a, b) => (score(b.spikes) < score(a.spikes) ? b : a));
  return { headstage, scale: best.scale, ok: false, spikes: best.spikes, iterations: tried.length, tried };
}

/** How far a train is from one spike per pulse. */
function score(spikes: number[]): number {
  return spikes.reduce((s, n) => s + Math.abs(n - 1), 0);
}
