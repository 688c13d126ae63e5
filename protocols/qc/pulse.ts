import type { Epoch, QcCheck, QcResult, Sweep, SweepChannel } from '../../src/core/sweep.ts';
import { baselineLevels, baselineMask, median, selected, std } from './baseline.ts';
import { RECORDING_QC_LIMITS, recordingQc, resultOf } from './recording.ts';

/**
 * Per-pulse QC of a postsynaptic response (reference §7.2, aisynphys `qc.py`
 * `pulse_response_qc_pass`): separate pass flags for excitatory (`ex`) and inhibitory (`in`)
 * detection, which differ only in the baseline-potential ranges.
 */
export interface PulseQcLimits {
  /** Other presynaptic pulses must be farther than this from the pulse, s: ±8 ms. */
  adjacentPulseWindow: number;
  /** Length of the window's baseline at its start, s: 5 ms. */
  baselineWindow: number;
  icMaxBaselineSd: number; // V, 1.5 mV
  icMaxPotential: number; // V, −40 mV
  icMaxDeflection: number; // V, 10 mV
  vcMaxBaselineSd: number; // A, 15 pA
  vcMaxDeflection: number; // A, 500 pA
  /** Open ranges of baseline potential, V: ex (−85, −50) mV, in (−60, −50) mV. */
  exPotential: [number, number];
  inPotential: [number, number];
}

export const PULSE_QC_LIMITS: PulseQcLimits = {
  adjacentPulseWindow: 8e-3,
  baselineWindow: 5e-3,
  icMaxBaselineSd: 1.5e-3,
  icMaxPotential: -40e-3,
  icMaxDeflection: 10e-3,
  vcMaxBaselineSd: 15e-12,
  vcMaxDeflection: 500e-12,
  exPotential: [-85e-3, -50e-3],
  inPotential: [-60e-3, -50e-3],
};

export interface PulseQcInput {
  sweep: Sweep;
  /** The postsynaptic channel. */
  post: SweepChannel;
  /** The response window, s from the sweep start (its first 5 ms are its baseline). */
  window: { start: number; stop: number };
  /** Onset of the presynaptic pulse, s; default: the window start. */
  pulseOnset?: number;
  /** Presynaptic spikes evoked by the pulse; null skips the check (e.g. background windows). */
  nSpikes: number | null;
  /** Onsets of other presynaptic pulses (other cells), s. */
  adjacentPulses?: readonly number[];
  /** The postsynaptic recording's QC; default: computed with recordingQc. */
  postQc?: QcResult;
  /** The postsynaptic recording's baseline potential (V); default: computed. Pass it when checking many pulses of one sweep. */
  recordingPotential?: number;
  limits?: PulseQcLimits;
  epochs?: readonly Epoch[];
}

function slice(data: Float32Array, rate: number, start: number, stop: number): Float32Array {
  return data.subarray(Math.max(0, Math.round(start * rate)), Math.min(data.length, Math.round(stop * rate)));
}

export function pulseResponseQc(o: PulseQcInput): { ex: QcResult; in: QcResult } {
  const L = o.limits ?? PULSE_QC_LIMITS;
  const { sweep, post } = o;
  const rate = sweep.sampleRate;
  const epochs = o.epochs ?? sweep.epochs;
  const postQc = o.postQc ?? recordingQc(sweep, post, RECORDING_QC_LIMITS, epochs);
  const onset = o.pulseOnset ?? o.window.start;
  const response = selected(slice(post.response, rate, o.window.start, o.window.stop));
  const base = selected(slice(post.response, rate, o.window.start, o.window.start + L.baselineWindow));
  const baseMedian = median(base);
  const baseSd = std(base);
  const deflection = response.reduce((m, v) => Math.max(m, Math.abs(v - baseMedian)), response.length ? 0 : Number.NaN);
  const ic = post.mode !== 'VC';
  const common: QcCheck[] = [{ name: 'postRecordingQc', pass: postQc.pass, limit: 'recording QC passes (§7.1)' }];
  if (o.nSpikes !== null) common.push({ name: 'presynapticSpikes', pass: o.nSpikes >= 1, value: o.nSpikes, limit: '≥ 1', unit: '1' });
  const near = (o.adjacentPulses ?? []).filter((t) => Math.abs(t - onset) <= L.adjacentPulseWindow).length;
  common.push({ name: 'adjacentPulses', pass: near === 0, value: near, limit: `none within ±${L.adjacentPulseWindow} s`, unit: '1' });
  const finite = Number.isFinite;
  if (ic) {
    const max = response.reduce((m, v) => Math.max(m, v), response.length ? -Infinity : Number.NaN);
    common.push({ name: 'baselineNoise', pass: finite(baseSd) && baseSd <= L.icMaxBaselineSd, value: baseSd, limit: `≤ ${L.icMaxBaselineSd}`, unit: 'V' });
    common.push({ name: 'maxPotential', pass: finite(max) && max <= L.icMaxPotential, value: max, limit: `≤ ${L.icMaxPotential}`, unit: 'V' });
    common.push({ name: 'maxDeflection', pass: finite(deflection) && deflection <= L.icMaxDeflection, value: deflection, limit: `≤ ${L.icMaxDeflection}`, unit: 'V' });
  } else {
    common.push({ name: 'baselineNoise', pass: finite(baseSd) && baseSd <= L.vcMaxBaselineSd, value: baseSd, limit: `≤ ${L.vcMaxBaselineSd}`, unit: 'A' });
    common.push({ name: 'maxDeflection', pass: finite(deflection) && deflection <= L.vcMaxDeflection, value: deflection, limit: `≤ ${L.vcMaxDeflection}`, unit: 'A' });
  }
  // Window baseline potential: IC median of the first 5 ms of the response; VC median command over the window.
  const windowPotential = ic ? baseMedian : median(selected(slice(post.command, rate, o.window.start, o.window.stop)));
  const recordingPotential =
    o.recordingPotential ?? baselineLevels(post, baselineMask(sweep, post.response.length, RECORDING_QC_LIMITS.settlingTime, epochs)).potential;
  const ranged = ([lo, hi]: [number, number]): QcCheck[] => [
    { name: 'windowBaselinePotential', pass: windowPotential > lo && windowPotential < hi, value: windowPotential, limit: `(${lo}, ${hi})`, unit: 'V' },
    { name: 'recordingBaselinePotential', pass: recordingPotential > lo && recordingPotential < hi, value: recordingPotential, limit: `(${lo}, ${hi})`, unit: 'V' },
  ];
  return { ex: resultOf([...common, ...ranged(L.exPotential)]), in: resultOf([...common.map((c) => ({ ...c })), ...ranged(L.inPotential)]) };
}

/**
 * aisynphys `spike_qc`: a pulse counts only when it evoked exactly one presynaptic spike; otherwise
 * the postsynaptic responses fail too.
 */
export function spikeQc(nSpikes: number | null, post: { ex: QcResult; in: QcResult }): { spike: QcCheck; ex: QcResult; in: QcResult } {
  const spike: QcCheck = { name: 'exactlyOneSpike', pass: nSpikes === 1, value: nSpikes ?? Number.NaN, limit: '= 1', unit: '1' };
  const add = (r: QcResult) => resultOf([...r.checks, { ...spike }]);
  return { spike, ex: add(post.ex), in: add(post.in) };
}
