import type { AnalogWiring } from '../analog-wiring.ts';

/**
 * Between acquisitions the cells live on at the AO idle levels; a START first lets the idle time
 * since the last acquisition pass for them, up to this much. The slice's slowest processes have
 * settled well before (slow conductances within ≈ 3 s, τ_rec and τ_facil ≤ 0.8 s); the 15 s rest of
 * the Synaptic Physiology protocol passes in full, and a rig left idle for an hour is not
 * integrated for an hour (decision 0010).
 */
export const MAX_IDLE_CATCH_UP_S = 15;
/** Scans per wiring call while idle time passes. */
const IDLE_CHUNK_SECONDS = 0.05;

/**
 * Runs `wiring` for `seconds` (capped at MAX_IDLE_CATCH_UP_S) at `rate` with every AO channel at
 * its idle level, discarding what the inputs see; stops early when `going()` turns false.
 */
export async function passIdleTime(wiring: AnalogWiring, levels: ArrayLike<number>, aiChannels: number, rate: number, seconds: number, going: () => boolean): Promise<void> {
  let left = Math.round(Math.min(seconds, MAX_IDLE_CATCH_UP_S) * rate);
  if (!(left > 0)) return;
  const chunk = Math.min(left, Math.max(1, Math.round(IDLE_CHUNK_SECONDS * rate)));
  const ao = Array.from({ length: levels.length }, (_, ch) => new Float64Array(chunk).fill(levels[ch] as number));
  const ai = Array.from({ length: aiChannels }, () => new Float64Array(chunk));
  while (left > 0 && going()) {
    const n = Math.min(chunk, left);
    const computing = wiring.run(ao, ai, n, 1 / rate);
    if (computing) await computing;
    left -= n;
  }
}
