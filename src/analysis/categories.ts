import type { ClampMode } from '../core/clamp.ts';
import type { PairTrial } from './records.ts';

/**
 * Response categories (synphys-protocols.md §3): responses are sorted by the postsynaptic
 * recording's clamp mode and holding potential — (IC, −70 mV), (IC, −55 mV), (VC, −70 mV),
 * (VC, −55 mV) — and only responses of one category are averaged or fitted together: the driving
 * force, and hence the amplitude of an inhibitory response, differs several-fold between −70 and
 * −55 mV. Excitatory connections are measured at −70 mV, inhibitory ones at −55 mV, where the
 * driving force of an IPSP (reversal ≈ −75 mV) is 20 mV instead of 5 mV (aisynphys
 * `conductance.py`: `target_holding = -55e-3 if in else -70e-3`).
 */
export interface Category {
  mode: ClampMode;
  /** Nominal holding, V: −0.07 or −0.055, or the holding rounded to 1 mV outside both bins. */
  holding: number;
}

export const EXCITATORY_HOLDING = -0.07;
export const INHIBITORY_HOLDING = -0.055;

/**
 * The nominal holding of a recording from its holding potential (IC: the measured baseline
 * potential; VC: the command), by the reference's bins: −80…−60 mV → −70 mV, −60…−50 mV → −55 mV
 * (`avg_response_fit.py` `sort_responses`). Elsewhere the potential rounded to 1 mV, a category
 * of its own; NaN when unknown.
 */
export function nominalHolding(potential: number): number {
  if (!Number.isFinite(potential)) return Number.NaN;
  if (potential >= -0.08 && potential < -0.06) return EXCITATORY_HOLDING;
  if (potential >= -0.06 && potential <= -0.05) return INHIBITORY_HOLDING;
  return Math.round(potential * 1e3) / 1e3;
}

export function categoryKey(c: Category): string {
  return `${c.mode}/${Math.round(c.holding * 1e4) / 10}`;
}

export function categoryOf(tr: Pick<PairTrial, 'mode' | 'holding'>): Category {
  return { mode: tr.mode, holding: tr.holding };
}

/** Trials grouped by category, in a stable order (IC before VC, then by holding). */
export function byCategory(trials: readonly PairTrial[]): { category: Category; trials: PairTrial[] }[] {
  const groups = new Map<string, { category: Category; trials: PairTrial[] }>();
  for (const tr of trials) {
    const c = categoryOf(tr);
    const key = categoryKey(c);
    const g = groups.get(key) ?? { category: c, trials: [] };
    g.trials.push(tr);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => (a.category.mode === b.category.mode ? 0 : a.category.mode === 'IC' ? -1 : 1) || b.category.holding - a.category.holding);
}

/**
 * The category a connection of this sign is measured in (PSP amplitude and kinetics): at −70 mV
 * when excitatory and −55 mV when inhibitory, in current clamp when that category has at least
 * `minTrials` trials (the PSP amplitude is the strength the Synaptic Physiology tables report),
 * else in the detection's clamp mode; otherwise the detection's own category.
 */
export function measurementCategory(sign: -1 | 0 | 1, detection: Category, available: readonly { category: Category; trials: number }[], minTrials: number): Category {
  const want = sign < 0 ? INHIBITORY_HOLDING : sign > 0 ? EXCITATORY_HOLDING : detection.holding;
  const at = (mode: ClampMode) => available.find((a) => a.category.mode === mode && Math.abs(a.category.holding - want) < 1e-6 && a.trials >= minTrials);
  const hit = at('IC') ?? at(detection.mode);
  return hit ? hit.category : detection;
}

/**
 * The category short-term plasticity is measured in: voltage clamp at the connection's holding
 * (−70 mV excitatory, −55 mV inhibitory) when it has at least `minTrials` trials and its first
 * responses stand out of the noise in single trials (detection strength ≥ `minSnr` null s.d.),
 * otherwise the measurement category. Clamped, the postsynaptic membrane does not move, so a
 * train's currents follow the synaptic conductance; in current clamp the driving force and the
 * cell's own conductances move with the train and its own recent activity, and the PSPs of a
 * train can depress faster than the release does. But a PSC is resolved several times less well
 * than its PSP (the membrane integrates the current; VC noise is pA where IC noise is tens of
 * µV), and below a few s.d. the noise of the VC fit costs more than the bias it avoids
 * (docs/analysis.md "Short-term plasticity").
 */
export function plasticityCategory(
  sign: -1 | 0 | 1,
  measurement: Category,
  available: readonly { category: Category; trials: number; snr: number }[],
  minTrials: number,
  minSnr: number,
): Category {
  if (sign === 0) return measurement;
  const want = sign < 0 ? INHIBITORY_HOLDING : EXCITATORY_HOLDING;
  const hit = available.find((a) => a.category.mode === 'VC' && Math.abs(a.category.holding - want) < 1e-6 && a.trials >= minTrials && a.snr >= minSnr);
  return hit ? hit.category : measurement;
}
