import { requireInRange, requireInteger } from './errors.ts';
import type { Rng } from './rng.ts';
import { TsodyksMarkram, validateStp, type StpParams } from './stp.ts';

/** One conductance synapse from a presynaptic to a postsynaptic cell. SI units. */
export interface SynapseParams {
  pre: number;
  post: number;
  /** Peak conductance for a full release (u·x = 1), S. */
  weight: number;
  /** Reversal potential, V (≈ 0 excitatory, −75 mV inhibitory). */
  reversal: number;
  tauRise: number;
  tauDecay: number;
  /** Spike-to-conductance-onset delay, s, and its trial-to-trial jitter (s.d.), s. */
  latency: number;
  jitter: number;
  stp: StpParams;
  /** Independent release sites for stochastic release; 0 = deterministic (mean) release. */
  releaseSites: number;
}

export function validateSynapse(s: SynapseParams, prefix = 'synapse'): SynapseParams {
  requireInRange(`${prefix}.weight`, s.weight, 0, 1e-6, 'S');
  requireInRange(`${prefix}.reversal`, s.reversal, -0.12, 0.06, 'V');
  requireInRange(`${prefix}.tauRise`, s.tauRise, 1e-5, 0.05, 's');
  requireInRange(`${prefix}.tauDecay`, s.tauDecay, 1e-4, 1, 's');
  if (!(s.tauDecay > s.tauRise)) requireInRange(`${prefix}.tauDecay`, s.tauDecay, s.tauRise, 1, 's', { minOpen: true });
  requireInRange(`${prefix}.latency`, s.latency, 1e-4, 0.05, 's');
  requireInRange(`${prefix}.jitter`, s.jitter, 0, 0.01, 's');
  requireInteger(`${prefix}.releaseSites`, s.releaseSites, 0, 1000);
  validateStp(s.stp, `${prefix}.stp`);
  return s;
}

/**
 * Peak of e^(−t/τd) − e^(−t/τr), so a dual exponential can be scaled to a given peak conductance.
 */
export function dualExpPeak(tauRise: number, tauDecay: number): number {
  const tp = ((tauRise * tauDecay) / (tauDecay - tauRise)) * Math.log(tauDecay / tauRise);
  return Math.exp(-tp / tauDecay) - Math.exp(-tp / tauRise);
}

/** One release, recorded when `recordReleases` is on (for tests and ground-truth checks). */
export interface ReleaseEvent {
  synapse: number;
  /** Presynaptic spike time, s. */
  spikeTime: number;
  /** Released fraction (u·x, or k/N for stochastic release). */
  release: number;
  /** Time the conductance starts, s. */
  arrival: number;
}

const QUEUE = 64; // pending arrivals per synapse: ≥ latency × max rate with margin

/**
 * All synapses of a circuit. Presynaptic spikes are events: STP is evaluated at the spike, the
 * conductance increment is queued for spike + latency (+ jitter). Conductances are dual
 * exponentials, g(t) = w·A·(d − r)/peak with d, r decaying by exact per-substep factors, so the
 * per-substep cost is two multiplies per synapse and no allocation.
 */
export class SynapseBank {
  readonly count: number;
  readonly params: readonly SynapseParams[];
  private readonly stp: TsodyksMarkram[];
  private readonly post: Int32Array;
  private readonly reversal: Float64Array;
  private readonly scale: Float64Array; // w / peak
  private readonly rise: Float64Array;
  private readonly decay: Float64Array;
  private readonly kRise: Float64Array;
  private readonly kDecay: Float64Array;
  private readonly outgoing: number[][]; // synapse indices per presynaptic cell
  private readonly qTime: Float64Array;
  private readonly qAmp: Float64Array;
  private readonly qHead: Int32Array;
  private readonly qLen: Int32Array;
  private readonly sites: Uint8Array[];
  private readonly rng: Rng[];
  private nextArrival = Number.POSITIVE_INFINITY;
  private h = Number.NaN;
  recordReleases = false;
  readonly releases: ReleaseEvent[] = [];

  constructor(params: readonly SynapseParams[], cellCount: number, rng: Rng) {
    this.params = params.map((p, i) => validateSynapse({ ...p, stp: { ...p.stp } }, `synapses[${i}]`));
    this.count = params.length;
    this.stp = this.params.map((p) => new TsodyksMarkram(p.stp));
    this.post = Int32Array.from(this.params, (p) => p.post);
    this.reversal = Float64Array.from(this.params, (p) => p.reversal);
    this.scale = Float64Array.from(this.params, (p) => p.weight / dualExpPeak(p.tauRise, p.tauDecay));
    this.rise = new Float64Array(this.count);
    this.decay = new Float64Array(this.count);
    this.kRise = new Float64Array(this.count);
    this.kDecay = new Float64Array(this.count);
    this.outgoing = Array.from({ length: cellCount }, () => []);
    this.params.forEach((p, i) => {
      requireInteger(`synapses[${i}].pre`, p.pre, 0, cellCount - 1);
      requireInteger(`synapses[${i}].post`, p.post, 0, cellCount - 1);
      (this.outgoing[p.pre] as number[]).push(i);
    });
    this.qTime = new Float64Array(this.count * QUEUE);
    this.qAmp = new Float64Array(this.count * QUEUE);
    this.qHead = new Int32Array(this.count);
    this.qLen = new Int32Array(this.count);
    this.sites = this.params.map((p) => new Uint8Array(p.releaseSites).fill(1));
    this.rng = this.params.map((_, i) => rng.fork(`synapse-${i}`));
  }

  /** Sets the substep h (s): recomputes the exact decay factors. */
  useSubstep(h: number): void {
    if (h === this.h) return;
    this.h = h;
    for (let i = 0; i < this.count; i++) {
      const p = this.params[i] as SynapseParams;
      this.kRise[i] = Math.exp(-h / p.tauRise);
      this.kDecay[i] = Math.exp(-h / p.tauDecay);
    }
  }

  /** A presynaptic spike of cell `pre` at time t: evaluates STP and queues each arrival. */
  onSpike(pre: number, t: number): void {
    const out = this.outgoing[pre];
    if (out === undefined) return;
    for (const s of out) {
      const p = this.params[s] as SynapseParams;
      const stp = this.stp[s] as TsodyksMarkram;
      const rng = this.rng[s] as Rng;
      let release: number;
      if (p.releaseSites > 0) {
        // Stochastic TM (Fuhrmann et al. 2002, J Neurophysiol 87:140): each empty site refills
        // with probability 1 − e^(−Δ/τ_rec); each full site releases with probability u_n.
        const site = this.sites[s] as Uint8Array;
        const refill = stp.recoveredFraction(t);
        stp.onSpike(t); // advances u_n (facilitation); x is tracked per site here
        let k = 0;
        for (let j = 0; j < site.length; j++) {
          if (site[j] === 0 && rng.uniform() < refill) site[j] = 1;
          if (site[j] === 1 && rng.uniform() < stp.u) {
            site[j] = 0;
            k++;
          }
        }
        release = k / site.length;
      } else {
        release = stp.onSpike(t);
      }
      let arrival = t + p.latency + (p.jitter > 0 ? p.jitter * rng.normal() : 0);
      if (arrival < t + 1e-4) arrival = t + 1e-4; // causality: never before 0.1 ms after the spike
      if (this.recordReleases) this.releases.push({ synapse: s, spikeTime: t, release, arrival });
      if (release > 0) this.enqueue(s, arrival, release);
    }
  }

  private enqueue(s: number, time: number, amp: number): void {
    const len = this.qLen[s] as number;
    if (len >= QUEUE) return; // > 64 spikes within one latency: physically impossible, drop
    // Keep each queue sorted (jitter may reorder arrivals): insertion from the tail.
    const base = s * QUEUE;
    const head = this.qHead[s] as number;
    let k = len;
    while (k > 0) {
      const prev = base + ((head + k - 1) % QUEUE);
      if ((this.qTime[prev] as number) <= time) break;
      const dst = base + ((head + k) % QUEUE);
      this.qTime[dst] = this.qTime[prev] as number;
      this.qAmp[dst] = this.qAmp[prev] as number;
      k--;
    }
    const at = base + ((head + k) % QUEUE);
    this.qTime[at] = time;
    this.qAmp[at] = amp;
    this.qLen[s] = len + 1;
    if (time < this.nextArrival) this.nextArrival = time;
  }

  /**
   * Delivers arrivals due by time t, then adds each synapse's conductance at t to its
   * postsynaptic cell: gSum[post] += g, gESum[post] += g·E (arrays are not cleared here).
   * Then advances the kinetics by one substep.
   */
  accumulate(t: number, gSum: Float64Array, gESum: Float64Array): void {
    if (t >= this.nextArrival) this.deliver(t);
    const rise = this.rise;
    const decay = this.decay;
    for (let s = 0; s < this.count; s++) {
      const d = decay[s] as number;
      if (d === 0) continue;
      const r = rise[s] as number;
      const g = (this.scale[s] as number) * (d - r);
      const post = this.post[s] as number;
      gSum[post] = (gSum[post] as number) + g;
      gESum[post] = (gESum[post] as number) + g * (this.reversal[s] as number);
      const dn = d * (this.kDecay[s] as number);
      if (dn < 1e-12) {
        // Below 1e-12 of a full release: the synapse is silent (skip it until the next arrival).
        decay[s] = 0;
        rise[s] = 0;
      } else {
        decay[s] = dn;
        rise[s] = r * (this.kRise[s] as number);
      }
    }
  }

  private deliver(t: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (let s = 0; s < this.count; s++) {
      let len = this.qLen[s] as number;
      if (len === 0) continue;
      const base = s * QUEUE;
      let head = this.qHead[s] as number;
      while (len > 0 && (this.qTime[base + head] as number) <= t) {
        const a = this.qAmp[base + head] as number;
        this.rise[s] = (this.rise[s] as number) + a;
        this.decay[s] = (this.decay[s] as number) + a;
        head = (head + 1) % QUEUE;
        len--;
      }
      this.qHead[s] = head;
      this.qLen[s] = len;
      if (len > 0) {
        const tn = this.qTime[base + head] as number;
        if (tn < next) next = tn;
      }
    }
    this.nextArrival = next;
  }

  /** Current conductance of synapse s, S. */
  conductance(s: number): number {
    return (this.scale[s] as number) * ((this.decay[s] as number) - (this.rise[s] as number));
  }

  /** Forgets all plasticity and pending events (a long rest). */
  reset(): void {
    this.stp.forEach((x) => x.reset());
    this.rise.fill(0);
    this.decay.fill(0);
    this.qLen.fill(0);
    this.sites.forEach((s) => s.fill(1));
    this.nextArrival = Number.POSITIVE_INFINITY;
  }
}
