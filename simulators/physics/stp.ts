import { requireInRange } from './errors.ts';

/**
 * Tsodyks–Markram short-term plasticity (Tsodyks, Pawelzik & Markram 1998, Neural Comput 10:821;
 * the event-based form of Maass & Markram 2002, Neural Comput 14:2587). At the n-th presynaptic
 * spike, with Δ the interval since the previous one:
 *   u_n = U + u_{n−1}·(1 − U)·e^(−Δ/τ_facil)       (u_1 = U; τ_facil = 0 → u_n = U)
 *   x_n = 1 + (x_{n−1} − u_{n−1}·x_{n−1} − 1)·e^(−Δ/τ_rec)   (x_1 = 1)
 *   release A_n = u_n·x_n  (fraction of the resources; the PSC amplitude is weight × A_n).
 */
export interface StpParams {
  /** Baseline release probability / utilisation, 0 < U ≤ 1. */
  U: number;
  /** Recovery time constant of resources, s. */
  tauRec: number;
  /** Facilitation time constant, s (0 = no facilitation). */
  tauFacil: number;
}

export function validateStp(p: StpParams, prefix = 'stp'): StpParams {
  requireInRange(`${prefix}.U`, p.U, 0, 1, '', { minOpen: true });
  requireInRange(`${prefix}.tauRec`, p.tauRec, 1e-4, 100, 's');
  requireInRange(`${prefix}.tauFacil`, p.tauFacil, 0, 100, 's');
  return p;
}

/** The running state of one synapse's STP. */
export class TsodyksMarkram {
  u = 0;
  x = 1;
  private last = Number.NEGATIVE_INFINITY;
  constructor(readonly params: StpParams) {
    validateStp(params);
  }

  /** Resets to the resting state (as after a long pause). */
  reset(): void {
    this.u = 0;
    this.x = 1;
    this.last = Number.NEGATIVE_INFINITY;
  }

  /** Registers a presynaptic spike at time t (s) and returns the released fraction u_n·x_n. */
  onSpike(t: number): number {
    const { U, tauRec, tauFacil } = this.params;
    if (this.last === Number.NEGATIVE_INFINITY) {
      this.u = U;
      this.x = 1;
    } else {
      const d = t - this.last;
      const uPrev = this.u;
      this.u = tauFacil > 0 ? U + uPrev * (1 - U) * Math.exp(-d / tauFacil) : U;
      this.x = 1 + (this.x - uPrev * this.x - 1) * Math.exp(-d / tauRec);
    }
    this.last = t;
    return this.u * this.x;
  }

  /** Time of the last spike (−Infinity before the first). */
  get lastSpike(): number {
    return this.last;
  }

  /** Resources available for a spike at t without registering it (for stochastic release). */
  recoveredFraction(t: number): number {
    if (this.last === Number.NEGATIVE_INFINITY) return 1;
    return 1 - Math.exp(-(t - this.last) / this.params.tauRec);
  }
}

/** The recursion above for arbitrary spike times: A_n for each spike. */
export function tmRelease(params: StpParams, spikeTimes: readonly number[]): number[] {
  validateStp(params);
  const { U, tauRec, tauFacil } = params;
  const out: number[] = [];
  let u = U;
  let x = 1;
  for (let k = 0; k < spikeTimes.length; k++) {
    if (k > 0) {
      const d = (spikeTimes[k] as number) - (spikeTimes[k - 1] as number);
      const uPrev = u;
      u = tauFacil > 0 ? U + uPrev * (1 - U) * Math.exp(-d / tauFacil) : U;
      x = 1 + (x - uPrev * x - 1) * Math.exp(-d / tauRec);
    }
    out.push(u * x);
  }
  return out;
}

/**
 * Pulse onsets of the synphys probe train (synphys-protocols.md §1.3): 8 pulses at `frequency`,
 * then 4 more starting `recoveryDelay` after the end of pulse 8 (pulse width `width`), all times
 * relative to the first onset.
 */
export function probeTrainOnsets(frequency: number, recoveryDelay: number, width = 0.003): number[] {
  requireInRange('frequency', frequency, 0.1, 1000, 'Hz');
  requireInRange('recoveryDelay', recoveryDelay, 0, 100, 's');
  const t: number[] = [];
  for (let k = 0; k < 8; k++) t.push(k / frequency);
  const t9 = 7 / frequency + width + recoveryDelay;
  for (let j = 0; j < 4; j++) t.push(t9 + j / frequency);
  return t;
}

/**
 * Closed form of the depression-only steady state for a regular train of interval Δ
 * (τ_facil = 0): x_∞ = (1 − e)/(1 − (1 − U)·e), e = e^(−Δ/τ_rec); release → U·x_∞.
 */
export function tmDepressionSteadyState(U: number, tauRec: number, interval: number): number {
  const e = Math.exp(-interval / tauRec);
  return (U * (1 - e)) / (1 - (1 - U) * e);
}
