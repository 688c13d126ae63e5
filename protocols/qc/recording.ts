import type { Epoch, QcCheck, QcResult, Sweep, SweepChannel } from '../../src/core/sweep.ts';
import { BASELINE_SETTLING_TIME, baselineLevels, baselineMask } from './baseline.ts';

/**
 * Per-sweep, per-recording QC (reference §7.1, aisynphys `qc.py` `recording_qc_pass`): removes only
 * egregious data (dead cells, interrupted sweeps), it does not judge cell health.
 */
export interface RecordingQcLimits {
  /** |baseline current| limit, A: ±800 pA. */
  maxBaselineCurrent: number;
  /** IC baseline potential range, V: [−85, −45] mV. */
  icBaselinePotential: [number, number];
  /** IC baseline RMS noise limit, V: 5 mV. */
  icMaxNoise: number;
  /** VC baseline RMS noise limit, A: 200 pA. */
  vcMaxNoise: number;
  /** Largest fraction of primary samples that may be exactly 0: 10 %. */
  maxZeroFraction: number;
  /** Settling time after each stimulus excluded from the baseline, s: 100 ms. */
  settlingTime: number;
}

export const RECORDING_QC_LIMITS: RecordingQcLimits = {
  maxBaselineCurrent: 800e-12,
  icBaselinePotential: [-85e-3, -45e-3],
  icMaxNoise: 5e-3,
  vcMaxNoise: 200e-12,
  maxZeroFraction: 0.1,
  settlingTime: BASELINE_SETTLING_TIME,
};

export function resultOf(checks: QcCheck[]): QcResult {
  return { pass: checks.every((c) => c.pass), checks };
}

const within = (v: number, lo: number, hi: number) => Number.isFinite(v) && v >= lo && v <= hi;

/** QC of one headstage's recording in a sweep; `epochs` (default: the sweep's) locate every stimulus on any channel. */
export function recordingQc(sweep: Sweep, channel: SweepChannel, limits: RecordingQcLimits = RECORDING_QC_LIMITS, epochs: readonly Epoch[] = sweep.epochs): QcResult {
  const r = channel.response;
  const last = r.length > 0 ? (r[r.length - 1] ?? Number.NaN) : Number.NaN;
  let zeros = 0;
  for (const v of r) if (v === 0) zeros++;
  const zeroFraction = r.length > 0 ? zeros / r.length : 1;
  const mask = baselineMask(sweep, r.length, limits.settlingTime, epochs);
  const base = baselineLevels(channel, mask);
  const checks: QcCheck[] = [
    // neuroanalysis miesnwb.py: a sweep whose last sample is NaN was interrupted.
    { name: 'complete', pass: !sweep.aborted && !Number.isNaN(last), value: sweep.aborted ? 1 : 0, limit: 'not aborted, last sample not NaN' },
    { name: 'zeroSamples', pass: zeroFraction <= limits.maxZeroFraction, value: zeroFraction, limit: `≤ ${limits.maxZeroFraction}`, unit: '1' },
    // Unknown baseline current (no baseline samples) fails, as in qc.py.
    { name: 'baselineCurrent', pass: within(base.current, -limits.maxBaselineCurrent, limits.maxBaselineCurrent), value: base.current, limit: `±${limits.maxBaselineCurrent}`, unit: 'A' },
  ];
  if (channel.mode === 'VC') {
    checks.push({ name: 'baselineNoise', pass: within(base.noise, 0, limits.vcMaxNoise), value: base.noise, limit: `≤ ${limits.vcMaxNoise}`, unit: 'A' });
  } else {
    const [lo, hi] = limits.icBaselinePotential;
    checks.push({ name: 'baselinePotential', pass: within(base.potential, lo, hi), value: base.potential, limit: `[${lo}, ${hi}]`, unit: 'V' });
    checks.push({ name: 'baselineNoise', pass: within(base.noise, 0, limits.icMaxNoise), value: base.noise, limit: `≤ ${limits.icMaxNoise}`, unit: 'V' });
  }
  return resultOf(checks);
}

/** QC of every channel of a sweep, by headstage. */
export function sweepQc(sweep: Sweep, limits: RecordingQcLimits = RECORDING_QC_LIMITS): Map<number, QcResult> {
  return new Map(sweep.channels.map((c) => [c.headstage, recordingQc(sweep, c, limits)]));
}
