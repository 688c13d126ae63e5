import { CELL_CLASSES, CONNECTION_RULES, E_EXC, E_INH, SUBCLASSES, connectionProbability, type Subclass } from './cell-classes.ts';
import type { NeuronParams } from './neuron-models.ts';
import { NeuronPopulation } from './population.ts';
import type { Rng } from './rng.ts';
import type { SynapseParams } from './synapse.ts';

/** Drawing a slice's circuit (subclasses, connections) and describing it as ground truth. */

export interface CellTruth {
  id: number;
  subclass: Subclass;
  model: string;
  /** Soma position, m. */
  position: [number, number, number];
  restingPotential: number;
  capacitance: number;
  params: NeuronParams;
}

export interface ConnectionTruth extends SynapseParams {
  preSubclass: Subclass;
  postSubclass: Subclass;
  /** Intersomatic distance, m. */
  distance: number;
}

export interface SliceGroundTruth {
  seed: number | string;
  cells: CellTruth[];
  connections: ConnectionTruth[];
  patched: number[];
  units: { position: 'm'; weight: 'S'; time: 's'; potential: 'V'; capacitance: 'F' };
}

/** A subclass drawn by relative abundance (CELL_CLASSES). */
export function drawSubclass(rng: Rng): Subclass {
  let total = 0;
  for (const s of SUBCLASSES) total += CELL_CLASSES[s].abundance;
  let x = rng.uniform() * total;
  for (const s of SUBCLASSES) {
    x -= CELL_CLASSES[s].abundance;
    if (x < 0) return s;
  }
  return 'pyramidal';
}

export function distance(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  if (a === undefined || b === undefined) return Number.NaN;
  const dx = (a[0] as number) - (b[0] as number);
  const dy = (a[1] as number) - (b[1] as number);
  const dz = (a[2] as number) - (b[2] as number);
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/**
 * Connections drawn pair by pair with the class rule's Gaussian distance profile, weights
 * log-normal around the class median. Every ordered pair draws from its own stream, so adding
 * cells keeps existing pairs.
 */
export function drawConnections(
  rng: Rng,
  subclasses: readonly Subclass[],
  positions: readonly (readonly [number, number, number])[],
  stochastic: boolean,
): ConnectionTruth[] {
  const out: ConnectionTruth[] = [];
  const n = subclasses.length;
  for (let pre = 0; pre < n; pre++) {
    for (let post = 0; post < n; post++) {
      if (pre === post) continue;
      const r = rng.fork(`${pre}->${post}`);
      const a = subclasses[pre] as Subclass;
      const b = subclasses[post] as Subclass;
      const rule = CONNECTION_RULES[a][b];
      const d = distance(positions[pre], positions[post]);
      if (!r.bernoulli(connectionProbability(rule, d))) continue;
      out.push({
        pre,
        post,
        preSubclass: a,
        postSubclass: b,
        distance: d,
        weight: r.logNormal(rule.weight, rule.weightSigmaLog),
        reversal: CELL_CLASSES[a].excitatory ? E_EXC : E_INH,
        tauRise: rule.tauRise,
        tauDecay: rule.tauDecay,
        latency: rule.latency,
        jitter: rule.jitter,
        stp: { ...rule.stp },
        releaseSites: stochastic ? rule.releaseSites : 0,
      });
    }
  }
  return out;
}

/** Resting potential of a (validated) parameter set, V. */
export function restingPotentialOf(params: NeuronParams): number {
  return new NeuronPopulation([params]).v[0] as number;
}
