import { fitExponential } from './exp-fit.ts';
import { SEPARATION, fitTwoExponentials } from './exp2-fit.ts';

/**
 * The voltage-clamp test pulse read as its circuit: a step ΔV through Ra onto the membrane. At the
 * onset the membrane has not moved yet, whatever its conductances do, so the current there is
 * I(0) = ΔV/Ra and its initial slope I'(0) = −ΔV/(Ra²·Cm) (all of the step's current charges Cm).
 * Both come from an exponential fitted to the first EARLY_TAUS time constants of the transient and
 * extrapolated to the onset. The steady state — Ri — comes from the whole pulse, fitted with a
 * second, slow exponential for active conductances that relax while the pulse lasts.
 *
 * For a passive cell this is the reference procedure (synphys-protocols.md §4.3) with the peak
 * taken at the onset: its Cm = τ·(1/Ra + 1/Ri) is the same number as ΔV/(Ra²·|I'(0)|).
 */
export interface VcReading {
  ra: number;
  ri: number;
  cm: number;
  /** Time constant of the clamp transient (Cm · Ra∥Rm for a passive cell), s. */
  tau: number;
  /** Action currents escaped the clamp: Ra and Cm from the transient before them, no Ri. */
  actionCurrents: boolean;
}

export interface VcPulse {
  y: ArrayLike<number>;
  rate: number;
  /** Sample of the onset, first sample fitted, end of the pulse region (exclusive). */
  on: number;
  fitFrom: number;
  regionEnd: number;
  /** Step, V; baseline current and its noise (robust s.d.), A. */
  amplitude: number;
  baseline: number;
  noise: number;
  /** The reference's one exponential over the pulse: τ (s) and offset (A); what a pulse too short for two exponentials keeps. */
  tau0: number;
  offset0: number;
  /** The reference's VC peak (max / min of the first 1 ms), A. */
  sampledPeak: number;
}

/**
 * Length of the early window, in time constants of the transient. Its exponential then sees the
 * membrane near the holding potential, before voltage-dependent conductances follow it: the Sst
 * cells' T current, activated by a +10 mV step from −70 mV, bends the transient within a few ms.
 * Noise-free, their Ra / Cm read +0.6 / +2.1 % from 3 τ, +0.2 / +1.0 % from 2 τ (with 1.5–2× the
 * scatter under 2 + 2 pA of noise), −2.3 / −2.1 % from the whole 50 ms pulse's one exponential.
 */
const EARLY_TAUS = 3;
/**
 * A current against the step larger than this fraction of the transient's peak, and than
 * ACTION_NOISE baseline s.d., is an action current escaping the clamp: a passive or merely slow
 * membrane cannot reverse the step's current. The noise bound keeps a sealed pipette's pulse
 * (a few pA, its "peak" mostly noise) a bath pulse: without it 15 of 200 noisy 2 GΩ seal pulses
 * (3 pA rms) read as action currents.
 */
const ACTION_FRACTION = 0.5;
const ACTION_NOISE = 10;
/** A slow time constant within this fraction of the pulse width counts as resolved (the search's bound is the width). */
const RESOLVED = 0.99;

/**
 * The first sample from which an action current has reversed the step's current, or −1: the last
 * sample on the step's side of the baseline before the current first goes against the step by more
 * than ACTION_FRACTION of the peak (and ACTION_NOISE s.d.).
 */
function actionCurrentStart(p: VcPulse): number {
  const s = Math.sign(p.amplitude) || 1;
  const limit = -Math.max(ACTION_FRACTION * s * (p.sampledPeak - p.baseline), ACTION_NOISE * p.noise);
  if (!(limit < 0)) return -1;
  for (let i = p.on + 1; i < p.regionEnd; i++) {
    if (s * ((p.y[i] as number) - p.baseline) >= limit) continue;
    let k = i;
    while (k > p.on + 1 && s * ((p.y[k - 1] as number) - p.baseline) < 0) k--;
    return k;
  }
  return -1;
}

/** A slow exponential, A and s (amp 0: none). */
interface Slow {
  amp: number;
  tau: number;
}

const NO_SLOW: Slow = { amp: 0, tau: 1 };

/**
 * Ra, Cm and τ from an exponential over samples [fitFrom, to) less the slow relaxation `slow`,
 * extrapolated to the onset: I(0) = offset + amp + slow, −I'(0) = amp/τ + slow/τ_s.
 */
function accessStage(p: VcPulse, to: number, slow: Slow): { ra: number; cm: number; tau: number } {
  const n = to - p.fitFrom;
  if (n < 4) return { ra: Number.NaN, cm: Number.NaN, tau: Number.NaN };
  const t = new Float64Array(n);
  const y = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    t[k] = (p.fitFrom + k - p.on) / p.rate;
    y[k] = (p.y[p.fitFrom + k] as number) - slow.amp * Math.exp(-(t[k] as number) / slow.tau);
  }
  const f = fitExponential(t, y, 1 / p.rate, (p.regionEnd - p.on) / p.rate);
  const ra = p.amplitude / (f.offset + f.amp + slow.amp - p.baseline);
  return { ra, cm: p.amplitude / (ra * ra * (f.amp / f.tau + slow.amp / slow.tau)), tau: f.tau };
}

/**
 * The steady-state current, the fast time constant and the slow relaxation, from two exponentials
 * over the whole pulse. A slow relaxation the fit resolves within the pulse (the Sst cells' T current
 * inactivating, τ ≈ 26 ms) is extrapolated to its end, as the reference's one exponential is to its
 * offset; a drift slower than the pulse (the fit at its bound: the pyramidal cells' M current
 * activating, τ ≈ 140 ms at −60 mV) cannot be told from a ramp and is read where the pulse ends.
 * A pulse shorter than SEPARATION transients has no room for a second exponential: the reference's.
 */
function steadyState(p: VcPulse): { current: number; tauFast: number; slow: Slow } {
  const width = (p.regionEnd - p.on) / p.rate;
  if (SEPARATION * p.tau0 >= width) return { current: p.offset0, tauFast: p.tau0, slow: NO_SLOW };
  const n = p.regionEnd - p.fitFrom;
  const y = new Float64Array(n);
  for (let k = 0; k < n; k++) y[k] = p.y[p.fitFrom + k] as number;
  const f = fitTwoExponentials(y, (p.fitFrom - p.on) / p.rate, 1 / p.rate, [1 / p.rate, width / SEPARATION], [1 / p.rate, width]);
  const slow = { amp: f.slowAmp, tau: f.slowTau };
  if (f.slowTau < RESOLVED * width) return { current: f.offset, tauFast: f.fastTau, slow };
  return { current: f.offset + f.fastAmp * Math.exp(-width / f.fastTau) + f.slowAmp * Math.exp(-width / f.slowTau), tauFast: f.fastTau, slow };
}

/**
 * The reading of a pulse (see VcReading); undefined for a bath pulse — `flat`, the reference's one
 * exponential explaining too little of it, and no action currents (which also defeat that fit).
 */
export function readVcTestPulse(p: VcPulse, flat: boolean): VcReading | undefined {
  const escape = actionCurrentStart(p);
  if (escape < 0 && flat) return undefined;
  if (escape >= 0) {
    // The action current bends the transient well before it crosses the baseline (the simulated
    // pyramidal cells at −55 mV: 8 % below the exponential 1 ms before the crossing): the first half
    // of the time to the crossing is used (seed 12, noise-free: Ra within 0.9 %, Cm 3.9 %).
    const a = accessStage(p, p.on + Math.floor((escape - p.on) / 2), NO_SLOW);
    return { ...a, ri: Number.NaN, actionCurrents: true };
  }
  const ss = steadyState(p);
  const to = Math.min(p.regionEnd, Math.max(p.fitFrom + 4, p.on + Math.round(EARLY_TAUS * ss.tauFast * p.rate)));
  const a = accessStage(p, to, ss.slow);
  return { ...a, ri: p.amplitude / (ss.current - p.baseline) - a.ra, actionCurrents: false };
}
