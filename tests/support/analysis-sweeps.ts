import type { Epoch, QcResult, Sweep, SweepChannel } from '../../src/core/sweep.ts';
import { sampleShape } from '../../src/analysis/psp-shape.ts';
import { gaussian } from './analysis-noise.ts';

/**
 * Hand-made probe sweeps for unit tests: two current-clamp headstages taking turns (12-pulse train
 * at `frequency`, 250 ms recovery delay), each pulse evoking `spikes` spikes in the presynaptic
 * cell and, when `psp` is set, a PSP of that peak in the other cell (0 → 1 only). Epochs as the
 * probe protocol writes them. Noise: white, `noise` V rms.
 */
export interface SyntheticOptions {
  index: number;
  frequency?: number;
  /** Peak of the 0 → 1 PSP, V (0 = no connection). */
  psp?: number;
  spikes?: number;
  noise?: number;
  seed?: number;
  qcPass?: boolean;
  /** Only this headstage's recording fails QC. */
  failRecording?: number;
  aborted?: boolean;
  /** Potential of both cells, V (−70 mV; the sweep's recording category follows it). */
  holding?: number;
}

const RATE = 20_000;
const SHAPE = { latency: 1.5e-3, tauRise: 1e-3, tauDecay: 15e-3 };

function qc(pass: boolean): QcResult {
  return { pass, checks: [{ name: 'baselineNoise', pass, value: pass ? 1e-4 : 1e-2, limit: '≤ 0.005', unit: 'V' }] };
}

export function syntheticSweep(o: SyntheticOptions): Sweep {
  const f = o.frequency ?? 50;
  const rand = gaussian(o.seed ?? o.index + 1);
  const epochs: Epoch[] = [];
  const turnLength = 0.2 + 7 / f + 0.003 + 0.25 + 3 / f + 0.003 + 0.2;
  const n = Math.round((0.04 + 2 * turnLength) * RATE);
  const channels: SweepChannel[] = [0, 1].map((h) => ({
    headstage: h,
    mode: 'IC',
    command: new Float32Array(n),
    response: new Float32Array(n).fill(o.holding ?? -0.07),
    holding: 0,
    stimScale: 1,
    settings: { mode: 'IC', outputScale: 10, commandSensitivity: 4e-10, lpfHz: 10_000, device: {} },
    qc: qc((o.qcPass ?? true) && o.failRecording !== h),
  }));
  for (const h of [0, 1]) epochs.push({ start: 0.01, stop: 0.02, kind: 'test-pulse', headstage: h, params: { amplitude: -5e-11, width: 0.01 } });
  const spikeShape = (y: Float32Array, t: number) => {
    const i0 = Math.round(t * RATE);
    for (let k = 0; k < 20; k++) y[i0 + k] = (y[i0 + k] as number) + 0.1 * Math.exp(-k / 4);
  };
  [0, 1].forEach((h, turn) => {
    const start = 0.04 + turn * turnLength;
    epochs.push({ start, stop: start + turnLength, kind: 'stimset', headstage: h, params: { turn } });
    epochs.push({ start, stop: start + 0.2, kind: 'baseline', headstage: h, params: { turn } });
    const onsets: number[] = [];
    for (let k = 0; k < 8; k++) onsets.push(start + 0.2 + k / f);
    const t9 = (onsets[7] as number) + 0.003 + 0.25;
    for (let k = 0; k < 4; k++) onsets.push(t9 + k / f);
    onsets.forEach((t, k) => {
      epochs.push({ start: t, stop: t + 0.003, kind: 'pulse', headstage: h, params: { pulse: k + 1, amplitude: 1.3e-9, width: 0.003 } });
      const pre = channels[h] as SweepChannel;
      for (let s = 0; s < (o.spikes ?? 1); s++) spikeShape(pre.response, t + 1e-3 + s * 1.5e-3);
      if (h === 0 && (o.psp ?? 0) !== 0) {
        // The event is the spike's steepest rise, at the sample the spike starts.
        const col = sampleShape(SHAPE, -(t + 1e-3 - 0.5 / RATE), RATE, n);
        const post = (channels[1] as SweepChannel).response;
        for (let i = 0; i < n; i++) post[i] = (post[i] as number) + (o.psp as number) * (col[i] as number);
      }
    });
  });
  for (const ch of channels) for (let i = 0; i < n; i++) ch.response[i] = (ch.response[i] as number) + (o.noise ?? 50e-6) * rand();
  return {
    index: o.index,
    protocol: 'synphys-probe',
    stimulusName: `PulseTrain_${f}Hz_250ms`,
    startTime: '2026-01-01T00:00:00Z',
    sampleRate: RATE,
    channels,
    epochs,
    parameters: { frequency: f, recoveryDelay: 0.25, repetition: 0, holdingPotential: o.holding ?? -0.07 },
    aborted: o.aborted ?? false,
  };
}
