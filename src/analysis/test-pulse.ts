import { fitExponential } from './exp-fit.ts';
import { type IcCircuit, fitFastStage, invertIcCircuit } from './ic-circuit.ts';
import { readVcTestPulse } from './vc-test-pulse.ts';

/** Results of one test pulse, SI (Ω, F, s, V, A); NaN where a value cannot be had. */
export interface TestPulseResult {
  accessResistance: number;
  inputResistance: number;
  capacitance: number;
  timeConstant: number;
  /** Holding current (VC: baseline current; IC: the commanded holding). */
  holdingCurrent: number;
  /** Holding potential (IC: baseline potential; VC: the commanded holding). */
  holdingPotential: number;
  /** Steady-state resistance Ri + Ra. */
  steadyStateResistance: number;
  /** True when the exponential fit was too poor and Ohm's law alone was used (bath). */
  bathFit: boolean;
  /** IC: the pipette capacitance the fast stage shows, F (0: none seen); absent in VC and the bath fit. */
  pipetteCapacitance?: number;
  /** VC: action currents escaped the clamp during the pulse (Ri NaN; Ra and Cm from the transient before them). */
  actionCurrents?: boolean;
}

export interface TestPulseInput {
  mode: 'VC' | 'IC';
  /** Response: A in VC, V in IC. */
  response: ArrayLike<number>;
  sampleRate: number;
  /** Pulse onset and end, s from the first sample. */
  onset: number;
  end: number;
  /** Pulse amplitude: V in VC, A in IC. */
  amplitude: number;
  /** Commanded holding (V in VC, A in IC). */
  holding: number;
  /** IC: the bridge balance in force, Ω. */
  bridgeBalance?: number;
}

const PADDING = 50e-6;
const FIT_START = 150e-6;
const PEAK_WINDOW = 1e-3;
const PREPULSE = 5e-3;
const MIN_CONFIDENCE = 0.15;
/** IC: the stretch after the onset the access stage is read from on longer pulses (MIES's 10 ms pulse), s. */
const EARLY_WINDOW = 10e-3;

function median(v: number[]): number {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function slice(y: ArrayLike<number>, a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = Math.max(0, a); i < Math.min(y.length, b); i++) out.push(y[i] as number);
  return out;
}

/**
 * Access resistance, input resistance, capacitance and time constant from one test pulse, by the
 * procedure of neuroanalysis `PatchClampTestPulse._analyze` as the reference states it
 * (synphys-protocols.md §4.3): median baseline, one exponential fitted from 150 µs into the pulse,
 * Ohm's law in the bath when the fit confidence is below 0.15 — except that the transient's
 * start (IC y0) comes from the fit extrapolated to the onset (see below), that in current clamp the
 * pipette capacitance's fast stage is taken into account (ic-circuit.ts: the one exponential reads
 * Ra 8–14 % low and Cm by Cp high on the simulated cells), and that voltage clamp reads the
 * transient's start from its first time constants and the steady state from two exponentials
 * (vc-test-pulse.ts: the one exponential read the simulated Sst cells' Ri +126 % on a +10 mV step).
 */
export function analyzeTestPulse(p: TestPulseInput): TestPulseResult {
  const r = p.sampleRate;
  const on = Math.round(p.onset * r);
  const off = Math.round(p.end * r);
  const pad = Math.max(1, Math.round(PADDING * r));
  const base = slice(p.response, 0, on - pad);
  const baseMedian = median(base);
  const prepulseMedian = median(slice(p.response, on - Math.round(PREPULSE * r), on));
  const regionStart = on + pad;
  const regionEnd = off - pad;
  const fitFrom = on + Math.max(1, Math.round(FIT_START * r));
  const n = regionEnd - fitFrom;
  if (n < 4) throw new RangeError(`test pulse too short to analyse: ${regionEnd - regionStart} samples in its pulse region`);
  const t = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = (fitFrom + i - regionStart) / r;
    y[i] = p.response[fitFrom + i] as number;
  }
  const dur = (regionEnd - regionStart) / r;
  const fit = fitExponential(t, y, 2 / r, Math.max(dur * 20, 4 / r));
  let tau = fit.tau;
  let yOffset = fit.offset;
  // The fit extrapolated back to the onset: the reference takes y0 at the start of the padded
  // pulse region, which loses the first 50 µs of the transient (≈ 5 % of Ra with τ ≈ 1 ms).
  let y0 = fit.offset + fit.amp * Math.exp((regionStart - on) / r / fit.tau);
  const bathFit = fit.confidence < MIN_CONFIDENCE;
  if (bathFit) {
    tau = Number.NaN;
    const last = Math.max(1, Math.round((regionEnd - regionStart) * 0.01));
    const tail = slice(p.response, regionEnd - last, regionEnd);
    yOffset = tail.reduce((a, b) => a + b, 0) / tail.length;
    y0 = baseMedian;
  }
  const A = p.amplitude;
  const away = (x: number, eps: number) => (Math.abs(x) < eps ? Math.sign(A || 1) * eps : x);
  if (p.mode === 'VC') {
    const first = slice(p.response, regionStart, regionStart + Math.round(PEAK_WINDOW * r));
    const sampled = A >= 0 ? Math.max(...first) : Math.min(...first);
    // Robust s.d. of the baseline (1.4826 · median absolute deviation).
    const noise = 1.4826 * median(base.map((x) => Math.abs(x - baseMedian)));
    const pulse = { y: p.response, rate: r, on, fitFrom, regionEnd, amplitude: A, baseline: baseMedian, noise, tau0: fit.tau, offset0: fit.offset, sampledPeak: sampled };
    const c = readVcTestPulse(pulse, bathFit);
    if (c) {
      return {
        accessResistance: c.ra,
        inputResistance: c.ri,
        capacitance: c.cm,
        timeConstant: c.tau,
        holdingCurrent: baseMedian,
        holdingPotential: p.holding,
        steadyStateResistance: c.ri + c.ra,
        bathFit: false,
        actionCurrents: c.actionCurrents,
      };
    }
    const ra = A / away(sampled - baseMedian, 1e-16);
    const ri = A / away(yOffset - baseMedian, 1e-16) - ra;
    return {
      accessResistance: ra,
      inputResistance: ri,
      capacitance: Number.NaN,
      timeConstant: tau,
      holdingCurrent: baseMedian,
      holdingPotential: p.holding,
      steadyStateResistance: ri + ra,
      bathFit,
      actionCurrents: false,
    };
  }
  const I = A === 0 ? 1e-14 : A;
  const bb = p.bridgeBalance ?? 0;
  if (bathFit) {
    const ri = away(yOffset - y0, 1e-5) / I;
    const ra = away(y0 - prepulseMedian, 1e-5) / I + bb;
    return icResult(p, baseMedian, { ra, rm: ri, cm: Number.NaN, cp: Number.NaN, tauM: Number.NaN }, bathFit);
  }
  // The pipette capacitance delays the membrane's charging (ic-circuit.ts): the exponential fitted
  // from 150 µs, extrapolated to the onset, reads Ra ≈ 2·Ra·Cp/Cm low and Cm ≈ Cp high. The
  // samples before the fit start show the fast stage (the node charging through Ra); its time
  // constant and the slow fit give Ra, Rm, Cm and Cp of the circuit. The bridge subtracts I·BB at
  // once while the node has not moved, so at the onset the data sit I·BB below the prepulse level.
  const atOnset = prepulseMedian - bb * I;
  // On a pulse longer than EARLY_WINDOW the transient is fitted again over its first EARLY_WINDOW:
  // slow active conductances (M, T currents) bend a long response away from one exponential, and
  // the whole-pulse fit then misplaces the onset (Ra 5 % and 12 % low on an 80 ms pulse of the
  // simulated pyramidal and Sst cells, noise-free). Ri keeps the whole pulse's steady state, which
  // a longer pulse measures better.
  const earlyEnd = on + Math.round(EARLY_WINDOW * r);
  let early = fit;
  if (regionEnd - earlyEnd > Math.round(0.5 * EARLY_WINDOW * r)) {
    const m = earlyEnd - fitFrom;
    early = fitExponential(t.subarray(0, m), y.subarray(0, m), 2 / r, Math.max(EARLY_WINDOW * 20, 4 / r));
  }
  const y0e = early.offset + early.amp * Math.exp((regionStart - on) / r / early.tau);
  const d0 = y0e - atOnset;
  const slowAt = (s: number) => early.offset + early.amp * Math.exp(-(s - (regionStart - on) / r) / early.tau);
  const ft: number[] = [];
  const fd: number[] = [];
  for (let k = 1; on + k < fitFrom; k++) {
    ft.push(k / r);
    fd.push(slowAt(k / r) - (p.response[on + k] as number));
  }
  const tauFast = fitFastStage(ft, fd, d0, 0.05 / r, FIT_START);
  const c = invertIcCircuit(away(early.offset - atOnset, 1e-5) / I, away(d0, 1e-5) / I, early.tau, tauFast);
  if (early === fit) return icResult(p, baseMedian, c, bathFit);
  // Ra and Cm from the early circuit, Ri from the whole pulse's steady state.
  const rm = away(yOffset - atOnset, 1e-5) / I - c.ra;
  return icResult(p, baseMedian, { ...c, rm, tauM: c.cm * rm }, bathFit);
}

function icResult(p: TestPulseInput, baseMedian: number, c: IcCircuit, bathFit: boolean): TestPulseResult {
  return {
    accessResistance: c.ra,
    inputResistance: c.rm,
    capacitance: c.cm,
    timeConstant: c.tauM,
    holdingCurrent: p.holding,
    holdingPotential: baseMedian,
    steadyStateResistance: c.rm + c.ra,
    bathFit,
    ...(bathFit ? {} : { pipetteCapacitance: c.cp }),
  };
}
