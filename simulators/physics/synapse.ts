import { requireInRange, requireInteger } from './errors.ts';
import type { Rng } from './rng.ts';
import { HEAP, type Alloc } from './slice-memory.ts';
import { TsodyksMarkram, validateStp, type StpParams } from './stp.ts';

/** Time course, plasticity and release of a synapse: what a connection class fixes for its synapses. SI units. */
export interface SynapseKinetics {
  tauRise: number;
  tauDecay: number;
  /** Spike-to-conductance-onset delay, s, and its trial-to-trial jitter (s.d.), s. */
  latency: number;
  jitter: number;
  stp: StpParams;
  /** Independent release sites for stochastic release; 0 = deterministic (mean) release. */
  releaseSites: number;
}

/** One conductance synapse from a presynaptic to a postsynaptic cell. SI units. */
export interface SynapseParams extends SynapseKinetics {
  pre: number;
  post: number;
  /** Peak conductance for a full release (u·x = 1), S. */
  weight: number;
  /** Reversal potential, V (≈ 0 excitatory, −75 mV inhibitory). */
  reversal: number;
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

/** Pending arrivals per synapse: ≥ latency × max rate with margin. */
export const ARRIVAL_QUEUE = 64;
const QUEUE = ARRIVAL_QUEUE;
export const SILENCE_EVERY = 256; // substeps between checks for silent groups (≈ 5 ms at 50 kHz)
/** A group whose decay state falls below this fraction of its smallest full release is silent. */
const SILENT = 1e-12;
// Fields of a row of group state (see Layout below): each holds the values of the row's two slots.
const DECAY = 0;
const RISE = 2;
const K_DECAY = 4;
const K_RISE = 6;
const REV = 8;
const ROW = 10;
/** Where group slot g's fields start in `groupRows` (add the field). */
const slotAt = (g: number): number => ROW * (g >> 1) + (g & 1);

/**
 * All synapses of a circuit. Presynaptic spikes are events: STP is evaluated at the spike, the
 * conductance increment is queued for spike + latency (+ jitter). Conductances are dual
 * exponentials, g(t) = w·A·(d − r)/peak with d, r decaying by exact per-substep factors.
 *
 * Grouping: the kinetics are linear, so all synapses onto the same cell with the same τ_rise,
 * τ_decay and reversal potential share one (d, r) pair holding the sum of their scaled states —
 * an arrival adds w·A/peak to both. The per-substep cost is then two multiplies per *group* (at
 * most a few per cell: one per presynaptic class kinetics), not per synapse, and silent groups
 * are skipped; events (spikes, arrivals) cost O(outgoing synapses). Per-synapse conductances,
 * for inspection only, are kept event-wise and decayed on demand (`conductance`).
 *
 * Layout: the WebAssembly kernel steps cells two at a time, one per f64x2 lane, so the groups of
 * cells 2p and 2p + 1 are interleaved: pair p owns rows [rowStart[p], rowStart[p + 1]) of two
 * slots each, cell c's j-th group sits in slot 2·(rowStart[c >> 1] + j) + (c & 1), and a pair has
 * as many rows as its cell with more groups. A slot no group uses keeps decay 0, so it is skipped
 * like a silent group. The per-substep state and factors are one record per row in `groupRows`
 * (decay, rise, their decay factors and the reversal potential, each as the row's two slots'
 * values side by side, `slotAt`): one f64x2 load per field in the kernel, at a constant offset
 * from the row. The other group arrays are indexed by slot.
 */
export class SynapseBank {
  readonly count: number;
  readonly params: readonly SynapseParams[];
  /** Number of kinetic groups (see above). */
  readonly groupCount: number;
  /** Number of group slots (see Layout above: 2 per row, ≥ groupCount). */
  readonly slotCount: number;
  private readonly stp: TsodyksMarkram[];
  private readonly scale: Float64Array; // w / peak, per synapse
  private readonly group: Int32Array; // slotAt(group slot) of each synapse
  private readonly sTauRise: Float64Array; // τ_rise, τ_decay per synapse (for the kernel's delivery)
  private readonly sTauDecay: Float64Array;
  private readonly outgoing: number[][]; // synapse indices per presynaptic cell
  // Groups, by slot (see Layout above); rows of cell pair p: [rowStart[p], rowStart[p + 1]).
  private readonly rowStart: Int32Array;
  private readonly cellCount: number;
  private readonly gTauRise: Float64Array;
  private readonly gTauDecay: Float64Array;
  /** ROW numbers per row: DECAY, RISE, K_DECAY, K_RISE, REV of its two slots (Layout above). */
  private readonly groupRows: Float64Array;
  private readonly gSilent: Float64Array;
  // Per-synapse dual-exponential state at time sTime (updated at arrivals only).
  private readonly sRise: Float64Array;
  private readonly sDecay: Float64Array;
  private readonly sTime: Float64Array;
  private readonly qTime: Float64Array;
  private readonly qAmp: Float64Array;
  private readonly qHead: Int32Array;
  private readonly qLen: Int32Array;
  private readonly sites: Uint8Array[];
  private readonly rng: Rng[];
  /** Time of the earliest queued arrival (an array: the WebAssembly kernel delivers arrivals too). */
  private readonly nextArrival: Float64Array;
  /** Substeps since the last `silence` (an array: the WebAssembly kernel counts it too). */
  private readonly sinceSilence: Int32Array;
  private h = Number.NaN;
  /** End of the last substep `accumulate` advanced over, s. */
  private now = 0;
  recordReleases = false;
  readonly releases: ReleaseEvent[] = [];

  /**
   * `alloc`: where the per-group and per-synapse arrays live (slice-memory.ts; the WebAssembly
   * kernel's arena: it delivers arrivals itself, `deliver` below).
   */
  constructor(params: readonly SynapseParams[], cellCount: number, rng: Rng, alloc: Alloc = HEAP) {
    this.params = params.map((p, i) => validateSynapse({ ...p, stp: { ...p.stp } }, `synapses[${i}]`));
    this.count = params.length;
    this.stp = this.params.map((p) => new TsodyksMarkram(p.stp));
    const perSynapse = (f: (p: SynapseParams) => number): Float64Array => {
      const a = alloc.f64(this.count);
      this.params.forEach((p, s) => (a[s] = f(p)));
      return a;
    };
    this.scale = perSynapse((p) => p.weight / dualExpPeak(p.tauRise, p.tauDecay));
    this.sTauRise = perSynapse((p) => p.tauRise);
    this.sTauDecay = perSynapse((p) => p.tauDecay);
    this.outgoing = Array.from({ length: cellCount }, () => []);
    this.params.forEach((p, i) => {
      requireInteger(`synapses[${i}].pre`, p.pre, 0, cellCount - 1);
      requireInteger(`synapses[${i}].post`, p.post, 0, cellCount - 1);
      (this.outgoing[p.pre] as number[]).push(i);
    });

    // Groups by (post, τ_rise, τ_decay, reversal), in order of first synapse per post cell.
    const groupOfKey = new Map<string, number>();
    const members: number[][] = []; // synapses of each group
    const groupsOf: number[][] = Array.from({ length: cellCount }, () => []); // groups of each cell, in order
    const groupOf = new Int32Array(this.count);
    this.params.forEach((p, s) => {
      const key = `${p.post}|${p.tauRise}|${p.tauDecay}|${p.reversal}`;
      let g = groupOfKey.get(key);
      if (g === undefined) {
        g = members.length;
        groupOfKey.set(key, g);
        members.push([]);
        (groupsOf[p.post] as number[]).push(g);
      }
      (members[g] as number[]).push(s);
      groupOf[s] = g;
    });
    this.groupCount = members.length;
    this.cellCount = cellCount;
    // Slots (Layout above): pair p gets as many rows as its cell with more groups.
    const pairs = (cellCount + 1) >> 1;
    this.rowStart = alloc.i32(pairs + 1);
    for (let p = 0; p < pairs; p++) {
      const rows = Math.max((groupsOf[2 * p] as number[]).length, groupsOf[2 * p + 1]?.length ?? 0);
      this.rowStart[p + 1] = (this.rowStart[p] as number) + rows;
    }
    const ns = 2 * (this.rowStart[pairs] as number);
    this.slotCount = ns;
    const slotOf = new Int32Array(this.groupCount);
    groupsOf.forEach((gs, c) => gs.forEach((g, j) => (slotOf[g] = 2 * ((this.rowStart[c >> 1] as number) + j) + (c & 1))));
    this.group = alloc.i32(this.count);
    groupOf.forEach((g, s) => (this.group[s] = slotAt(slotOf[g] as number)));
    // Per slot; an unused slot gets τ = 1 s (any finite decay factor: its state stays 0) and never goes silent.
    const perSlot = (f: (first: SynapseParams, members: readonly number[]) => number, unused: number): Float64Array => {
      const a = alloc.f64(ns).fill(unused);
      members.forEach((m, g) => (a[slotOf[g] as number] = f(this.params[m[0] as number] as SynapseParams, m)));
      return a;
    };
    this.gTauRise = perSlot((p) => p.tauRise, 1);
    this.gTauDecay = perSlot((p) => p.tauDecay, 1);
    this.gSilent = perSlot((_, m) => SILENT * Math.min(...m.map((s) => this.scale[s] as number)), 0);
    this.groupRows = alloc.f64((ns / 2) * ROW);
    members.forEach((m, g) => (this.groupRows[slotAt(slotOf[g] as number) + REV] = (this.params[m[0] as number] as SynapseParams).reversal));
    this.sinceSilence = alloc.i32(1);

    this.sRise = alloc.f64(this.count);
    this.sDecay = alloc.f64(this.count);
    this.sTime = alloc.f64(this.count);
    this.qTime = alloc.f64(this.count * QUEUE);
    this.qAmp = alloc.f64(this.count * QUEUE);
    this.qHead = alloc.i32(this.count);
    this.qLen = alloc.i32(this.count);
    this.nextArrival = alloc.f64(1).fill(Number.POSITIVE_INFINITY);
    this.sites = this.params.map((p) => new Uint8Array(p.releaseSites).fill(1));
    this.rng = this.params.map((_, i) => rng.fork(`synapse-${i}`));
  }

  /** Sets the substep h (s): recomputes the exact decay factors. */
  useSubstep(h: number): void {
    if (h === this.h) return;
    this.h = h;
    for (let g = 0; g < this.slotCount; g++) {
      this.groupRows[slotAt(g) + K_RISE] = Math.exp(-h / (this.gTauRise[g] as number));
      this.groupRows[slotAt(g) + K_DECAY] = Math.exp(-h / (this.gTauDecay[g] as number));
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
    if (time < (this.nextArrival[0] as number)) this.nextArrival[0] = time;
  }

  /**
   * Delivers arrivals due by time t, then adds each group's conductance at t to its
   * postsynaptic cell: gSum[post] += g, gESum[post] += g·E (arrays are not cleared here).
   * Then advances the kinetics by one substep (the one `useSubstep` set).
   */
  accumulate(t: number, gSum: Float64Array, gESum: Float64Array): void {
    this.totals(t, gSum, gESum, gSum, gESum);
  }

  /**
   * The slice's per-substep form of `accumulate`: for every cell c, gOut[c] = gBase[c] + Σ g and
   * gEOut[c] = gEBase[c] + Σ g·E over its groups (one pass, no clearing), then one substep of
   * the kinetics. Output and base arrays may be the same.
   */
  totals(t: number, gBase: Float64Array, gEBase: Float64Array, gOut: Float64Array, gEOut: Float64Array): void {
    if (t >= (this.nextArrival[0] as number)) this.deliver(t);
    const st = this.groupRows;
    const rows = this.rowStart;
    const cells = this.cellCount;
    for (let c = 0; c < cells; c++) {
      let gs = gBase[c] as number;
      let gse = gEBase[c] as number;
      // The cell's groups: its lane's slot in each of its pair's rows (Layout above).
      const end = ROW * (rows[(c >> 1) + 1] as number);
      for (let b = ROW * (rows[c >> 1] as number) + (c & 1); b < end; b += ROW) {
        const d = st[b + DECAY] as number;
        if (d === 0) continue; // silent (see silence)
        const r = st[b + RISE] as number;
        const x = d - r;
        gs += x;
        gse += x * (st[b + REV] as number);
        st[b + DECAY] = d * (st[b + K_DECAY] as number);
        st[b + RISE] = r * (st[b + K_RISE] as number);
      }
      gOut[c] = gs;
      gEOut[c] = gse;
    }
    this.now = t + this.h;
    const since = (this.sinceSilence[0] as number) + 1;
    this.sinceSilence[0] = since;
    if (since >= SILENCE_EVERY) this.silence();
  }

  /** The arrays the WebAssembly kernel (slice-kernel.ts) reads and writes, by name. */
  kernelViews(): Record<string, Float64Array | Int32Array> {
    return {
      rowStart: this.rowStart, groupRows: this.groupRows, silent: this.gSilent, sinceSilence: this.sinceSilence,
      synGroup: this.group, synScale: this.scale, synTauRise: this.sTauRise, synTauDecay: this.sTauDecay,
      synRise: this.sRise, synDecay: this.sDecay, synTime: this.sTime,
      qTime: this.qTime, qAmp: this.qAmp, qHead: this.qHead, qLen: this.qLen, nextArrival: this.nextArrival,
    };
  }

  /**
   * For the WebAssembly kernel, which runs `totals` (and delivers arrivals) itself: after a run
   * of substeps, records the end of the last one (what `totals` keeps in `now`).
   */
  ranUntil(t: number): void {
    this.now = t;
  }

  /**
   * Zeroes groups that have decayed below SILENT of their smallest full release, so `totals`
   * skips them until their next arrival. Checked every SILENCE_EVERY substeps, not every substep:
   * the test costs as much as the decay itself, and a group kept a few ms longer changes nothing.
   */
  private silence(): void {
    this.sinceSilence[0] = 0;
    const st = this.groupRows;
    const silent = this.gSilent;
    for (let g = 0; g < this.slotCount; g++) {
      const b = slotAt(g);
      if ((st[b + DECAY] as number) < (silent[g] as number)) {
        st[b + DECAY] = 0;
        st[b + RISE] = 0;
      }
    }
  }

  /** Delivers the arrivals due by t (the WebAssembly kernel's `deliver` does the same, in the same order). */
  private deliver(t: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (let s = 0; s < this.count; s++) {
      let len = this.qLen[s] as number;
      if (len === 0) continue;
      const base = s * QUEUE;
      let head = this.qHead[s] as number;
      while (len > 0 && (this.qTime[base + head] as number) <= t) {
        const a = this.qAmp[base + head] as number;
        const b = this.group[s] as number;
        const x = a * (this.scale[s] as number);
        this.groupRows[b + RISE] = (this.groupRows[b + RISE] as number) + x;
        this.groupRows[b + DECAY] = (this.groupRows[b + DECAY] as number) + x;
        this.advanceSynapse(s, t);
        this.sRise[s] = (this.sRise[s] as number) + a;
        this.sDecay[s] = (this.sDecay[s] as number) + a;
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
    this.nextArrival[0] = next;
  }

  /** Decays synapse s's own (d, r) from its last update to time t (event-wise, Math.exp). */
  private advanceSynapse(s: number, t: number): void {
    const dt = t - (this.sTime[s] as number);
    if (dt > 0) {
      this.sRise[s] = (this.sRise[s] as number) * Math.exp(-dt / (this.sTauRise[s] as number));
      this.sDecay[s] = (this.sDecay[s] as number) * Math.exp(-dt / (this.sTauDecay[s] as number));
    }
    this.sTime[s] = t;
  }

  /** Conductance of synapse s at the end of the last substep, S (for inspection and tests). */
  conductance(s: number): number {
    requireInteger('synapse', s, 0, this.count - 1);
    this.advanceSynapse(s, this.now);
    const x = (this.scale[s] as number) * ((this.sDecay[s] as number) - (this.sRise[s] as number));
    return x > 0 ? x : 0;
  }

  /** Total synaptic conductance onto cell c at the end of the last substep, S. */
  conductanceOnto(c: number): number {
    let sum = 0;
    const end = ROW * (this.rowStart[(c >> 1) + 1] as number);
    for (let b = ROW * (this.rowStart[c >> 1] as number) + (c & 1); b < end; b += ROW) {
      sum += (this.groupRows[b + DECAY] as number) - (this.groupRows[b + RISE] as number);
    }
    return sum;
  }

  /** Forgets all plasticity and pending events (a long rest). */
  reset(): void {
    this.stp.forEach((x) => x.reset());
    for (let g = 0; g < this.slotCount; g++) {
      this.groupRows[slotAt(g) + DECAY] = 0;
      this.groupRows[slotAt(g) + RISE] = 0;
    }
    this.sRise.fill(0);
    this.sDecay.fill(0);
    this.qLen.fill(0);
    this.sites.forEach((s) => s.fill(1));
    this.nextArrival[0] = Number.POSITIVE_INFINITY;
  }
}
