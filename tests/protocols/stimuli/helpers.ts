/** Reading a command back as the synphys analysis does: from the samples alone (reference §1.2). */

/** Sample indices where the signal departs from zero (rising edges of square pulses). */
export function onsets(samples: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < samples.length; i++) if (samples[i] !== 0 && (i === 0 || samples[i - 1] === 0)) out.push(i);
  return out;
}

/** Sample indices where the signal returns to zero (one past each pulse's last sample). */
export function offsets(samples: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < samples.length; i++) if (samples[i] !== 0 && (i === samples.length - 1 || samples[i + 1] === 0)) out.push(i + 1);
  return out;
}

/** MultiPatchProbe.stim_params(): ind_freq = round(1/(t2 − t1)), rec_delay = round(max(diff(onsets)), 3). */
export function stimParams(samples: Float32Array, rate: number): { indFreq: number; recDelay: number } {
  const t = onsets(samples).map((i) => i / rate);
  const diffs = t.slice(1).map((v, i) => v - (t[i] ?? 0));
  return { indFreq: Math.round(1 / ((t[1] ?? 0) - (t[0] ?? 0))), recDelay: Math.round(Math.max(...diffs) * 1e3) / 1e3 };
}
