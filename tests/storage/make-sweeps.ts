/**
 * Hand-made multipatch sweeps and writer options for the NWB tests, the crash child and the
 * benchmark (the acquisition engine is not needed to exercise the writer).
 */
import type { ClampMode } from '../../src/core/clamp.ts';
import type { Epoch, Sweep, SweepChannel } from '../../src/core/sweep.ts';
import type { NwbWriterOptions } from '../../src/storage/writer.ts';

export const SESSION_START = '2026-11-25T14:03:07.512+01:00';

export function writerOptions(headstages: number, extra: Partial<NwbWriterOptions> = {}): NwbWriterOptions {
  const hs = Array.from({ length: headstages }, (_, i) => i);
  return {
    metadata: {
      identifier: `test-${headstages}hs`,
      sessionDescription: 'synaptic connectivity probe on a simulated rig',
      sessionStartTime: SESSION_START,
      experimenter: ['Doe, Jane'],
      lab: 'Multipatch lab',
      institution: 'Example Institute',
      experimentDescription: 'multipatch connectivity mapping in acute slice',
      keywords: ['multipatch', 'connectivity'],
      subject: { subjectId: 'mouse-001', species: 'Mus musculus', age: 'P60D', sex: 'F', genotype: 'Pvalb-IRES-Cre/wt;Ai14/wt' },
      slice: { id: 'slice-3', thickness: 300e-6, region: 'VISp' },
      cells: hs.map((h) => ({ headstage: h, cellId: `cell-${h}`, subclass: h % 2 === 0 ? 'Pvalb' : 'L2/3 IT', location: 'VISp L2/3' })),
    },
    devices: [
      { name: 'amp0', kind: 'amplifier', serialNumber: 'AMP-1234', manufacturer: 'patchrig', model: 'sim-amp' },
      { name: 'daq0', kind: 'digitizer', serialNumber: 'DAQ-9876', manufacturer: 'patchrig', model: 'sim-daq' },
    ],
    headstages: hs.map((h) => ({ headstage: h, amplifier: 'amp0', channel: h + 1, adcVoltsPerCount: 10 / 32768, dacVoltsPerCount: 10 / 32768 })),
    ...extra,
  };
}

/** Deterministic pseudo-random noise, so that files made twice hold the same samples. */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export interface SweepShape {
  headstages: number;
  samples: number;
  rate: number;
  /** Clamp mode of each headstage (cycled). */
  modes?: ClampMode[];
  aborted?: boolean;
}

function channel(index: number, hs: number, mode: ClampMode, n: number, rand: () => number): SweepChannel {
  const command = new Float32Array(n);
  const response = new Float32Array(n);
  const holding = mode === 'VC' ? -0.07 : mode === 'IC' ? -20e-12 : 0;
  const amp = mode === 'VC' ? 0.01 : 200e-12;
  for (let i = 0; i < n; i++) {
    const pulse = mode !== 'I=0' && i % 1000 >= 200 && i % 1000 < 300 ? amp : 0;
    command[i] = mode === 'I=0' ? 0 : holding + pulse;
    response[i] = mode === 'VC' ? -50e-12 + 20e-12 * rand() : -0.07 + 0.002 * rand();
  }
  return {
    headstage: hs,
    mode,
    command,
    response,
    holding,
    stimScale: 1 + hs / 10,
    settings: {
      mode,
      outputScale: mode === 'VC' ? 0.5e9 : 10,
      commandSensitivity: mode === 'VC' ? 0.02 : 4e-10,
      lpfHz: 10_000,
      device: { MODE: mode, HOLD: holding, GAIN: 5, BRIDGE: 10e6, BRIDGEEN: true, NEUT: 2e-12, CFAST: 3e-12, CSLOW: 20e-12, RSCOMP: 70, RSCOMPEN: index % 2 === 0, RSBW: 5000, RSPRED: 60, WCCAP: 25e-12, WCRES: 12e6, WCCOMPEN: true },
    },
    qc: index % 3 === 0 ? { pass: hs !== 1, checks: [{ name: 'baseline_rms', pass: hs !== 1, value: 0.4e-3, limit: '< 0.5 mV', unit: 'V' }] } : undefined,
    testPulse: mode === 'VC' ? { accessResistance: 12e6 + hs, inputResistance: 150e6, capacitance: 30e-12 } : undefined,
  };
}

const STIMULI = ['PulseTrain_50Hz_250ms', 'PulseTrain_50Hz_250ms', 'PulseTrain_20Hz_250ms'];

export function makeSweep(index: number, shape: SweepShape): Sweep {
  const rand = lcg(index * 7919 + 17);
  const modes = shape.modes ?? ['VC', 'IC'];
  const channels = Array.from({ length: shape.headstages }, (_, hs) => channel(index, hs, modes[hs % modes.length] as ClampMode, shape.samples, rand));
  if (shape.aborted) for (const ch of channels) ch.response[shape.samples - 1] = Number.NaN;
  const dur = shape.samples / shape.rate;
  const epochs: Epoch[] = [{ start: 0, stop: dur, kind: 'sweep', params: { repetition: Math.floor(index / 3) } }];
  for (const ch of channels) {
    if (ch.mode === 'I=0') continue;
    for (let p = 0; p * 1000 + 300 <= shape.samples && p < 8; p++) {
      epochs.push({ start: (p * 1000 + 200) / shape.rate, stop: (p * 1000 + 300) / shape.rate, kind: 'pulse', headstage: ch.headstage, params: { amplitude: ch.mode === 'VC' ? 0.01 : 200e-12, pulse_number: p } });
    }
  }
  const start = Date.parse(SESSION_START) + 1000 * (5 + index * 10);
  return {
    index,
    protocol: 'synphys_probe',
    stimulusName: STIMULI[index % STIMULI.length] as string,
    startTime: new Date(start).toISOString(),
    sampleRate: shape.rate,
    channels,
    epochs,
    parameters: { repetition: Math.floor(index / 3), frequency: index % 3 === 2 ? 20 : 50, label: 'probe' },
    aborted: shape.aborted === true,
  };
}
