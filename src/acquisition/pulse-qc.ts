import { detectSpikes, detectVcSpikes, spikesPerPulse } from '../analysis/spikes.ts';
import type { Epoch, PulseQcRecord, Sweep } from '../core/sweep.ts';
import { RECORDING_QC_LIMITS, baselineLevels, baselineMask, pulseResponseQc, recordingQc, spikeQc } from '../../protocols/qc/index.ts';

/** Longest response window after a pulse, s (the next pulse, at most this). */
const MAX_RESPONSE = 0.025;
/** Spikes counted within this of a pulse onset, s (or until the next pulse). */
const SPIKE_WINDOW = 0.015;
const BASELINE = 0.005;

/**
 * The per-pulse QC of a sweep (synphys-protocols.md §7.2): for every presynaptic pulse (a `pulse`
 * epoch of a headstage), how many spikes it evoked in its cell, and whether each other
 * headstage's response to it may be used for excitatory and for inhibitory detection.
 */
export function pulseQcOf(sweep: Sweep): PulseQcRecord[] {
  const rate = sweep.sampleRate;
  const pulses = sweep.epochs.filter((e) => e.kind === 'pulse' && e.headstage !== undefined).sort((a, b) => a.start - b.start);
  if (pulses.length === 0) return [];
  const onsetsAll = pulses.map((e) => e.start);
  const post = new Map(
    sweep.channels.map((c) => [
      c.headstage,
      { qc: c.qc ?? recordingQc(sweep, c), potential: baselineLevels(c, baselineMask(sweep, c.response.length, RECORDING_QC_LIMITS.settlingTime)).potential },
    ]),
  );
  const out: PulseQcRecord[] = [];
  for (const pre of sweep.channels) {
    const own = pulses.filter((e) => e.headstage === pre.headstage);
    if (own.length === 0) continue;
    const spikes = pre.mode === 'VC' ? undefined : detectSpikes(pre.response);
    own.forEach((e, k) => {
      const next = own[k + 1]?.start ?? Number.POSITIVE_INFINITY;
      const on = Math.round(e.start * rate);
      const nSpikes = spikes ? (spikesPerPulse(spikes, [on], Math.round(Math.min(SPIKE_WINDOW, next - e.start) * rate))[0] ?? 0) : vcSpikeCount(pre.response, e, rate);
      const others = onsetsAll.filter((t) => t !== e.start && pulses.some((p) => p.start === t && p.headstage !== pre.headstage));
      for (const c of sweep.channels) {
        if (c.headstage === pre.headstage) continue;
        const p = post.get(c.headstage);
        const window = { start: e.start - BASELINE, stop: e.start + Math.min(MAX_RESPONSE, next - e.start) };
        const r = spikeQc(nSpikes, pulseResponseQc({ sweep, post: c, window, pulseOnset: e.start, nSpikes, adjacentPulses: others, postQc: p?.qc, recordingPotential: p?.potential }));
        const failed = [...new Set([...r.ex.checks, ...r.in.checks].filter((x) => !x.pass).map((x) => x.name))];
        out.push({ pre: pre.headstage, post: c.headstage, pulse: Number(e.params.pulse ?? k + 1), spikes: nSpikes, exPass: r.ex.pass, inPass: r.in.pass, failed });
      }
    });
  }
  return out;
}

/**
 * Escape action currents of a voltage-clamped presynaptic cell during a depolarising pulse
 * (spikes.ts `detectVcSpikes`); null for a pulse that is not depolarising (nothing to see).
 */
function vcSpikeCount(current: Float32Array, e: Epoch, rate: number): number | null {
  const amplitude = Number(e.params.amplitude ?? Number.NaN);
  if (!(amplitude > 0) || !(e.stop > e.start)) return null;
  return detectVcSpikes(current, Math.round(e.start * rate), Math.round(e.stop * rate)).length;
}
