import { type Column, type Table, frame } from './frame.ts';
import type { PairResult } from './pair-analysis.ts';
import { pulseKinetics } from './pulse-kinetics.ts';
import { tmResolved } from './tm-fit.ts';
import type { PairTrial, PulseRow, RecordingRow, SweepRow } from './records.ts';

/** The six analysis tables (docs/analysis.md lists every column with its unit). */
export interface AnalysisTables {
  sweeps: Table;
  recordings: Table;
  pulses: Table;
  pulseResponses: Table;
  pairs: Table;
  connections: Table;
}

/** File names of the tables (`patchrig analyze` writes NAME.parquet and NAME.csv). */
export const TABLE_FILES: Readonly<Record<keyof AnalysisTables, string>> = {
  sweeps: 'sweeps',
  recordings: 'recordings',
  pulses: 'pulses',
  pulseResponses: 'pulse_responses',
  pairs: 'pairs',
  connections: 'connections',
};

const i32 = <R>(name: string, get: (r: R) => number | null): Column<R> => ({ name, kind: 'i32', get });
const f64 = <R>(name: string, get: (r: R) => number | null | undefined): Column<R> => ({ name, kind: 'f64', get: (r) => get(r) ?? Number.NaN });
const bool = <R>(name: string, get: (r: R) => boolean | null): Column<R> => ({ name, kind: 'bool', get });
const str = <R>(name: string, get: (r: R) => string): Column<R> => ({ name, kind: 'str', get });

const SWEEP_COLUMNS: Column<SweepRow>[] = [
  i32('sweep', (r) => r.sweep),
  str('protocol', (r) => r.protocol),
  str('stimulus', (r) => r.stimulus),
  f64('frequency', (r) => r.frequency),
  f64('recovery_delay', (r) => r.recoveryDelay),
  i32('repetition', (r) => r.repetition),
  f64('sample_rate', (r) => r.sampleRate),
  i32('channels', (r) => r.channels),
  bool('aborted', (r) => r.aborted),
  bool('included', (r) => r.included),
  str('exclusion', (r) => r.exclusion),
];

const RECORDING_COLUMNS: Column<RecordingRow>[] = [
  i32('sweep', (r) => r.sweep),
  i32('headstage', (r) => r.headstage),
  str('mode', (r) => r.mode),
  f64('holding', (r) => r.holding),
  bool('qc_pass', (r) => r.qcPass),
  str('qc_failed', (r) => r.qcFailed),
  f64('baseline_potential', (r) => r.baselinePotential),
  f64('baseline_current', (r) => r.baselineCurrent),
  f64('access_resistance', (r) => r.accessResistance),
  f64('input_resistance', (r) => r.inputResistance),
  f64('capacitance', (r) => r.capacitance),
  f64('time_constant', (r) => r.timeConstant),
  bool('tp_bath_fit', (r) => r.bathFit),
];

const PULSE_COLUMNS: Column<PulseRow>[] = [
  i32('sweep', (r) => r.sweep),
  i32('headstage', (r) => r.headstage),
  i32('pulse', (r) => r.pulse),
  f64('onset', (r) => r.onset),
  f64('width', (r) => r.width),
  f64('amplitude', (r) => r.amplitude),
  i32('spike_count', (r) => r.spikeCount),
  bool('one_spike', (r) => r.oneSpike),
  f64('spike_onset', (r) => r.spikeOnset),
  f64('spike_max_slope_time', (r) => r.spikeMaxSlopeTime),
  f64('spike_peak_time', (r) => r.spikePeakTime),
  f64('spike_peak', (r) => r.spikePeak),
];

interface ResponseRow {
  sweep: number;
  pre: number;
  post: number;
  pulse: number;
  mode: string;
  /** Nominal holding of the response's category, V. */
  holding: number;
  eventTime: number;
  used: boolean;
  failed: string;
  detection: number;
  amplitude: number;
  baseline: number;
  latency: number;
  riseTime: number;
  decayTau: number;
}

const RESPONSE_COLUMNS: Column<ResponseRow>[] = [
  i32('sweep', (r) => r.sweep),
  i32('pre', (r) => r.pre),
  i32('post', (r) => r.post),
  i32('pulse', (r) => r.pulse),
  str('mode', (r) => r.mode),
  f64('holding', (r) => r.holding),
  f64('event_time', (r) => r.eventTime),
  bool('qc_pass', (r) => r.used),
  str('qc_failed', (r) => r.failed),
  f64('detection_amplitude', (r) => r.detection),
  f64('amplitude', (r) => r.amplitude),
  f64('baseline', (r) => r.baseline),
  f64('latency', (r) => r.latency),
  f64('rise_time', (r) => r.riseTime),
  f64('decay_tau', (r) => r.decayTau),
];

const PAIR_COLUMNS: Column<PairResult>[] = [
  i32('pre', (r) => r.pre),
  i32('post', (r) => r.post),
  i32('trials', (r) => r.detection.trials),
  i32('responses', (r) => r.detection.responses),
  i32('excluded_responses', (r) => r.detection.excludedResponses),
  f64('statistic', (r) => r.detection.statistic),
  f64('p_value', (r) => r.detection.pValue),
  str('status', (r) => r.detection.status),
  bool('connected', (r) => r.detection.status === 'connected'),
  bool('uncertain', (r) => r.detection.uncertain),
  i32('sign', (r) => r.detection.sign),
  f64('strength', (r) => r.detection.strength),
  f64('null_sd', (r) => r.detection.nullSd),
  f64('single_trial_fraction', (r) => r.detection.singleTrialFraction),
  str('category_mode', (r) => r.category?.mode ?? ''),
  f64('category_holding', (r) => r.category?.holding),
  f64('psp_amplitude', (r) => r.psp?.amplitude),
  f64('psp_amplitude_measured', (r) => r.pspMeasuredAmplitude),
  f64('psp_baseline', (r) => r.psp?.baseline),
  f64('psp_latency', (r) => r.psp?.latency),
  f64('psp_rise_time', (r) => r.psp?.riseTime),
  f64('psp_tau_rise', (r) => r.psp?.tauRise),
  f64('psp_tau_decay', (r) => r.psp?.tauDecay),
  f64('psp_fit_r2', (r) => r.psp?.r2),
  f64('first_pulse_median', (r) => r.firstPulseMedian),
  f64('ppr_50hz', (r) => r.conditions.find((c) => c.frequency === 50 && Math.abs(c.recoveryDelay - 0.25) < 1e-9)?.pairedPulseRatio),
  f64('tm_u', (r) => r.tm?.U),
  f64('tm_tau_rec', (r) => r.tm?.tauRec),
  f64('tm_tau_facil', (r) => r.tm?.tauFacil),
  f64('tm_gain', (r) => r.tm?.gain),
  f64('tm_r2', (r) => r.tm?.r2),
  f64('tm_u_rse', (r) => r.tm?.relativeErrors.U),
  f64('tm_tau_rec_rse', (r) => r.tm?.relativeErrors.tauRec),
  f64('tm_tau_facil_rse', (r) => r.tm?.relativeErrors.tauFacil),
  bool('tm_resolved', (r) => (r.tm && Number.isFinite(r.tm.U) ? tmResolved(r.tm) : null)),
  str('tm_mode', (r) => (r.tm ? (r.tmCategory?.mode ?? '') : '')),
  f64('tm_holding', (r) => (r.tm ? r.tmCategory?.holding : undefined)),
];

interface ConnectionRow {
  pair: PairResult;
  c: PairResult['conditions'][number];
}

const CONNECTION_COLUMNS: Column<ConnectionRow>[] = [
  i32('pre', (r) => r.pair.pre),
  i32('post', (r) => r.pair.post),
  f64('frequency', (r) => r.c.frequency),
  f64('recovery_delay', (r) => r.c.recoveryDelay),
  i32('trials', (r) => r.c.trials),
  f64('paired_pulse_ratio', (r) => r.c.pairedPulseRatio),
  f64('induction', (r) => r.c.induction),
  f64('recovery', (r) => r.c.recovery),
  ...Array.from({ length: 12 }, (_, k) => f64<ConnectionRow>(`a${k + 1}`, (r) => r.c.amplitudes[k])),
];

function responseRows(trials: readonly PairTrial[], pair: PairResult | undefined): ResponseRow[] {
  const out: ResponseRow[] = [];
  const connected = pair?.detection.status === 'connected' && pair.psp !== undefined;
  for (const tr of trials) {
    const a = pair?.amplitudes.get(tr);
    tr.pulses.forEach((pulse, k) => {
      const kin = connected && a && pair.psp && tr.used[k] ? pulseKinetics(tr, k, pair.psp, a.amplitudes, a.baselines) : undefined;
      out.push({
        sweep: tr.sweep,
        pre: tr.pre,
        post: tr.post,
        pulse,
        mode: tr.mode,
        holding: tr.holding,
        eventTime: tr.events[k] as number,
        used: tr.used[k] === true,
        failed: tr.failed[k] ?? '',
        detection: tr.detection[k] as number,
        amplitude: a?.amplitudes[k] ?? Number.NaN,
        baseline: kin?.baseline ?? Number.NaN,
        latency: kin?.latency ?? Number.NaN,
        riseTime: kin?.riseTime ?? Number.NaN,
        decayTau: kin?.decayTau ?? Number.NaN,
      });
    });
  }
  return out;
}

export interface TableInput {
  sweeps: readonly SweepRow[];
  recordings: readonly RecordingRow[];
  pulses: readonly PulseRow[];
  /** Per pair key, in (pre, post) order: its trials and current result. */
  pairs: readonly { trials: readonly PairTrial[]; result: PairResult }[];
}

export function buildTables(x: TableInput): AnalysisTables {
  const responses = x.pairs.flatMap((p) => responseRows(p.trials, p.result)).sort((a, b) => a.sweep - b.sweep || a.pre - b.pre || a.post - b.post || a.pulse - b.pulse);
  const results = x.pairs.map((p) => p.result);
  return {
    sweeps: frame(x.sweeps, SWEEP_COLUMNS),
    recordings: frame(x.recordings, RECORDING_COLUMNS),
    pulses: frame(x.pulses, PULSE_COLUMNS),
    pulseResponses: frame(responses, RESPONSE_COLUMNS),
    pairs: frame(results, PAIR_COLUMNS),
    connections: frame(
      results.filter((r) => r.detection.status === 'connected').flatMap((pair) => pair.conditions.map((c) => ({ pair, c }))),
      CONNECTION_COLUMNS,
    ),
  };
}
