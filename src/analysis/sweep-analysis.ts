import type { Epoch, PulseQcRecord, QcResult, Sweep, SweepChannel } from '../core/sweep.ts';
import { recordingQc } from '../../protocols/qc/recording.ts';
import { STIMULUS_EPOCH_KINDS } from '../../protocols/stimuli/timing.ts';
import { DETECTION_WINDOW, FIRST_PULSE_WINDOW, NULL_EVENT_SPACING, detectionAmplitude, detectionShape } from './detection-kernel.ts';
import { nominalHolding } from './categories.ts';
import type { Segment } from './event-fit.ts';
import { baselineNoise } from './noise-model.ts';
import { presynapticSpikes, pulseEpochs, type PulseSpikes } from './presynaptic.ts';
import { FIRST_PRE, type PairTrial, type PulseRow, type RecordingRow, type SweepRow } from './records.ts';
import { analyzeTestPulse } from './test-pulse.ts';

/** Everything one sweep contributes to the analysis. */
export interface SweepResult {
  sweep: SweepRow;
  recordings: RecordingRow[];
  pulses: PulseRow[];
  trials: PairTrial[];
}

/** Before the first event of a train stretch (baseline for the fit), s. */
const PRE = 10e-3;

/** After the last event of a stretch (the response's decay), s. */
const POST = 80e-3;

function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : Number.NaN;
}

function segment(ch: SweepChannel, rate: number, start: number, stop: number): Segment {
  const a = Math.max(0, Math.round(start * rate));
  const b = Math.min(ch.response.length, Math.round(stop * rate));
  // A copy: the pair keeps it after the sweep's buffers are gone.
  return { y: ch.response.slice(a, Math.max(a, b)), start: a / rate, rate };
}

function testPulseOf(sweep: Sweep, ch: SweepChannel): Partial<RecordingRow> {
  const e = sweep.epochs.find((x) => x.kind === 'test-pulse' && x.headstage === ch.headstage);
  if (!e) return {};
  const device = ch.settings.device;
  const bridge = device.BRIDGEEN === true ? num(device.BRIDGE) : 0;
  try {
    const tp = analyzeTestPulse({
      mode: ch.mode === 'VC' ? 'VC' : 'IC',
      response: ch.response,
      sampleRate: sweep.sampleRate,
      onset: e.start,
      end: e.stop,
      amplitude: num(e.params.amplitude),
      holding: ch.holding,
      bridgeBalance: Number.isFinite(bridge) ? bridge : 0,
    });
    return {
      baselinePotential: tp.holdingPotential,
      baselineCurrent: tp.holdingCurrent,
      accessResistance: tp.accessResistance,
      inputResistance: tp.inputResistance,
      capacitance: tp.capacitance,
      timeConstant: tp.timeConstant,
      bathFit: tp.bathFit,
    };
  } catch {
    return {};
  }
}

/**
 * The response category's holding of a postsynaptic recording (categories.ts): in current clamp
 * the potential it actually sat at (the test pulse's baseline; the protocol's target when that is
 * missing), as the reference bins responses by the measured holding; in voltage clamp the command.
 */
function holdingOf(sweep: Sweep, ch: SweepChannel, rec: RecordingRow | undefined): number {
  if (ch.mode === 'VC') return nominalHolding(ch.holding);
  const measured = rec?.baselinePotential ?? Number.NaN;
  return nominalHolding(Number.isFinite(measured) ? measured : num(sweep.parameters.holdingPotential));
}

function failedChecks(qc: QcResult): string {
  return qc.checks.filter((c) => !c.pass).map((c) => c.name).join(',');
}

/** Stimuli of any headstage are followed by this much settling before a stretch counts as baseline, s (reference §7.1). */
const SETTLING = 0.1;

/**
 * The event-free baseline of the presynaptic cell's turn: only where no stimulus on any headstage
 * (test pulses included) happened in the last 100 ms, so a decaying test-pulse response does not
 * pass for a synaptic one. [start, stop] in s, or undefined.
 */
function quietBaseline(sweep: Sweep, pre: number): [number, number] | undefined {
  const b = sweep.epochs.find((e) => e.kind === 'baseline' && e.headstage === pre);
  if (!b) return undefined;
  let settled = b.start;
  for (const e of sweep.epochs) {
    if (STIMULUS_EPOCH_KINDS.has(e.kind) && e.stop <= b.stop && e.stop + SETTLING > settled) settled = e.stop + SETTLING;
  }
  return settled < b.stop ? [settled, b.stop] : undefined;
}

/** Fake event times in the quiet baseline (`quietBaseline`), every 40 ms (null distribution). */
function nullEvents(quiet: [number, number] | undefined): number[] {
  if (!quiet) return [];
  const events: number[] = [];
  for (let t = quiet[0] - DETECTION_WINDOW[0]; t + DETECTION_WINDOW[1] <= quiet[1]; t += NULL_EVENT_SPACING) events.push(t);
  return events;
}

function pairTrial(sweep: Sweep, pre: SweepChannel, post: SweepChannel, spikes: PulseSpikes[], turn: Epoch | undefined, usable: { preOk: boolean; postOk: boolean }, qcRecords: Map<string, PulseQcRecord>, row: SweepRow, holding: number): PairTrial {
  const rate = sweep.sampleRate;
  const limitStop = turn?.stop ?? post.response.length / rate;
  const events = spikes.map((s) => s.spikeMaxSlopeTime);
  const used: boolean[] = [];
  const failed: string[] = [];
  for (const s of spikes) {
    const why: string[] = [];
    if (!usable.preOk) why.push('preRecordingQc');
    if (!usable.postOk) why.push('postRecordingQc');
    if (s.spikeCount !== null && s.spikeCount !== 1) why.push('exactlyOneSpike');
    const q = qcRecords.get(`${pre.headstage}/${post.headstage}/${s.pulse}`);
    // Excitatory and inhibitory flags differ only in the baseline-potential range: either will do.
    if (q && !q.exPass && !q.inPass) why.push(...q.failed.filter((f) => !why.includes(f)));
    used.push(why.length === 0);
    failed.push(why.join(','));
  }
  const shape = detectionShape(post.mode);
  const segments: PairTrial['segments'] = [];
  const groups = events.length === 12 ? [[0, 8], [8, 4]] : [[0, events.length]];
  for (const [first, count] of groups as [number, number][]) {
    const ev = events.slice(first, first + count);
    if (ev.length === 0) continue;
    segments.push({ seg: segment(post, rate, (ev[0] as number) - (first === 0 ? FIRST_PRE : PRE), Math.min(limitStop, (ev[ev.length - 1] as number) + POST)), first, count });
  }
  // Each window ends before the next event's response can start (its latency is ≥ 1 ms).
  const detection = events.map((e, k) => detectionAmplitude(post.response, 0, rate, e, shape, Math.min(e + DETECTION_WINDOW[1], (events[k + 1] ?? Infinity) + 1e-3)));
  const quiet = quietBaseline(sweep, pre.headstage);
  const nul = nullEvents(quiet);
  const nullAmplitudes = nul.map((e) => detectionAmplitude(post.response, 0, rate, e, shape, e + DETECTION_WINDOW[1]));
  const e1 = events[0];
  // Only when pulse 2 comes no sooner than the window is long (by the pulse onsets; spikes jitter).
  const s1 = spikes[0];
  const fullWindow = s1 !== undefined && (spikes[1]?.onset ?? Infinity) - s1.onset >= FIRST_PULSE_WINDOW - 1e-9;
  const firstAmplitude = e1 !== undefined && used[0] === true && fullWindow ? detectionAmplitude(post.response, 0, rate, e1, shape, e1 + FIRST_PULSE_WINDOW) : Number.NaN;
  const nullFirst = nullAmplitudes;
  return {
    sweep: sweep.index,
    pre: pre.headstage,
    post: post.headstage,
    mode: post.mode,
    holding,
    frequency: row.frequency,
    recoveryDelay: row.recoveryDelay,
    events,
    pulses: spikes.map((s) => s.pulse),
    used,
    failed,
    segments,
    detection,
    nullAmplitudes,
    firstAmplitude,
    nullFirst,
    noise: quiet ? baselineNoise(post.response, rate, quiet[0] * rate, quiet[1] * rate) : undefined,
  };
}

/**
 * Analyses one sweep: per channel the test pulse and recording QC, per presynaptic headstage its
 * pulses and spikes, per (pre, post) pair the detection amplitudes and what the pair analysis
 * needs later. Aborted sweeps and sweeps without presynaptic pulses are excluded (and say why);
 * recordings that failed QC stay in the recordings table but none of their responses is used.
 */
export function analyzeSweep(sweep: Sweep): SweepResult {
  const rate = sweep.sampleRate;
  const pulsesOf = new Map<number, Epoch[]>();
  for (const ch of sweep.channels) {
    const p = pulseEpochs(sweep.epochs, ch.headstage);
    if (p.length > 0) pulsesOf.set(ch.headstage, p);
  }
  const qcOf = new Map<number, QcResult>();
  const recordings: RecordingRow[] = sweep.channels.map((ch) => {
    const qc = ch.qc ?? recordingQc(sweep, ch);
    qcOf.set(ch.headstage, qc);
    return {
      sweep: sweep.index,
      headstage: ch.headstage,
      mode: ch.mode,
      holding: ch.holding,
      qcPass: qc.pass,
      qcFailed: failedChecks(qc),
      baselinePotential: Number.NaN,
      baselineCurrent: Number.NaN,
      accessResistance: Number.NaN,
      inputResistance: Number.NaN,
      capacitance: Number.NaN,
      timeConstant: Number.NaN,
      bathFit: false,
      ...testPulseOf(sweep, ch),
    };
  });
  const allFailed = recordings.length > 0 && recordings.every((r) => !r.qcPass);
  const exclusion = sweep.aborted ? 'aborted' : pulsesOf.size === 0 ? 'no presynaptic pulses' : allFailed ? 'every recording failed QC' : '';
  const row: SweepRow = {
    sweep: sweep.index,
    protocol: sweep.protocol,
    stimulus: sweep.stimulusName,
    frequency: num(sweep.parameters.frequency),
    recoveryDelay: num(sweep.parameters.recoveryDelay),
    repetition: Number.isFinite(num(sweep.parameters.repetition)) ? num(sweep.parameters.repetition) : -1,
    sampleRate: rate,
    channels: sweep.channels.length,
    aborted: sweep.aborted,
    included: exclusion === '',
    exclusion,
  };
  const pulses: PulseRow[] = [];
  const trials: PairTrial[] = [];
  const qcRecords = new Map((sweep.pulseQc ?? []).map((q) => [`${q.pre}/${q.post}/${q.pulse}`, q] as const));
  for (const pre of sweep.channels) {
    const eps = pulsesOf.get(pre.headstage);
    if (!eps) continue;
    const spikes = presynapticSpikes(pre, eps, rate);
    for (const s of spikes) {
      pulses.push({
        sweep: sweep.index,
        headstage: pre.headstage,
        pulse: s.pulse,
        onset: s.onset,
        width: s.width,
        amplitude: s.amplitude,
        spikeCount: s.spikeCount,
        oneSpike: s.spikeCount === null ? null : s.spikeCount === 1,
        spikeOnset: s.spikeOnset,
        spikeMaxSlopeTime: s.spikeMaxSlopeTime,
        spikePeakTime: s.spikePeakTime,
        spikePeak: s.spikePeak,
      });
    }
    if (!row.included) continue;
    const turn = sweep.epochs.find((e) => e.kind === 'stimset' && e.headstage === pre.headstage);
    for (const post of sweep.channels) {
      if (post.headstage === pre.headstage) continue;
      const usable = { preOk: qcOf.get(pre.headstage)?.pass ?? false, postOk: qcOf.get(post.headstage)?.pass ?? false };
      const holding = holdingOf(sweep, post, recordings.find((r) => r.headstage === post.headstage));
      trials.push(pairTrial(sweep, pre, post, spikes, turn, usable, qcRecords, row, holding));
    }
  }
  return { sweep: row, recordings, pulses, trials };
}
