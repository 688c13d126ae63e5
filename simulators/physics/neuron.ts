import { requireInRange } from './errors.ts';
import { validateNeuronParams, type NeuronParams } from './neuron-models.ts';
import { DEFAULT_MAX_SUBSTEP, MAX_SUBSTEP_LIMIT, NeuronPopulation, SPIKE_THRESHOLD } from './population.ts';

export { DEFAULT_MAX_SUBSTEP, MAX_SUBSTEP_LIMIT, SPIKE_THRESHOLD };

/**
 * One single-compartment neuron: C·dV/dt = −Σ g_x·(V − E_x) + I, integrated by Rush–Larsen gates
 * and an exponential-Euler voltage step (the integrator and its error: population.ts).
 *
 * A Neuron is a view onto one cell of a NeuronPopulation (structure-of-arrays state, so that the
 * slice steps all its cells in one loop); `new Neuron(params)` makes a population of one.
 * Reading or writing `v`, `m`, … reads or writes the population's arrays.
 */
export class Neuron {
  readonly params: NeuronParams;
  /** Total capacitance, F. */
  readonly capacitance: number;
  readonly population: NeuronPopulation;
  readonly index: number;
  private scratch: { g: Float64Array; ge: Float64Array; i: Float64Array } | undefined;

  /**
   * A standalone neuron (validates `params`), or, with `population` and `index`, the view of
   * cell `index` of an existing population (whose parameters were validated when it was built).
   */
  constructor(params: NeuronParams, population?: NeuronPopulation, index = 0) {
    if (population === undefined) {
      const p = validateNeuronParams({ ...params });
      this.population = new NeuronPopulation([p]);
      this.population.useSubstep(DEFAULT_MAX_SUBSTEP);
      this.index = 0;
    } else {
      this.population = population;
      this.index = index;
    }
    this.params = this.population.params[this.index] as NeuronParams;
    this.capacitance = this.population.capacitance[this.index] as number;
  }

  /** Membrane potential, V. */
  get v(): number {
    return this.population.v[this.index] as number;
  }
  set v(x: number) {
    this.population.v[this.index] = x;
  }
  get m(): number {
    return this.population.m[this.index] as number;
  }
  set m(x: number) {
    this.population.m[this.index] = x;
  }
  get h(): number {
    return this.population.h[this.index] as number;
  }
  set h(x: number) {
    this.population.h[this.index] = x;
  }
  get n(): number {
    return this.population.n[this.index] as number;
  }
  set n(x: number) {
    this.population.n[this.index] = x;
  }
  get p(): number {
    return this.population.p[this.index] as number;
  }
  set p(x: number) {
    this.population.p[this.index] = x;
  }
  get u(): number {
    return this.population.u[this.index] as number;
  }
  set u(x: number) {
    this.population.u[this.index] = x;
  }

  /** The leak part of the input conductance at rest, S (for ground truth). */
  get leakConductance(): number {
    return this.population.gL[this.index] as number;
  }

  /** Puts the cell at its resting state (V where the steady-state current is zero, gates at steady state). */
  rest(): void {
    this.population.rest(this.index);
  }

  /** Uses lookup tables built for substep h (for every cell of this neuron's population). */
  useSubstep(h: number): void {
    this.population.useSubstep(h);
  }

  get substep(): number {
    return this.population.substep;
  }

  /**
   * Advances this cell by one substep (the one `useSubstep` set). `gExt` (S) and `gExtE` (S·V,
   * Σ g·E) are extra linear conductances held over the step; `iInj` (A) is injected current.
   * Returns true when V crossed SPIKE_THRESHOLD upwards during the step.
   */
  step(gExt: number, gExtE: number, iInj: number): boolean {
    const n = this.population.size;
    const s = (this.scratch ??= { g: new Float64Array(n), ge: new Float64Array(n), i: new Float64Array(n) });
    const k = this.index;
    s.g[k] = gExt;
    s.ge[k] = gExtE;
    s.i[k] = iInj;
    return this.population.step(k, k + 1, s.g, s.ge, s.i) > 0;
  }
}

/**
 * Runs one neuron in current clamp with no recording path: the `simulate-cell` use. `current[i]`
 * is held over sample i (zero-order hold; NaN or infinite samples count as 0); returns V at each
 * sample time t_i = i·dt (before the step from t_i), so v[0] is the initial state, and the times
 * (s) at which V crossed SPIKE_THRESHOLD upwards (end of the substep of the crossing).
 */
export function simulateCurrentClamp(
  neuron: Neuron,
  current: Float64Array,
  dt: number,
  maxSubstep = DEFAULT_MAX_SUBSTEP,
): { v: Float64Array; spikeTimes: number[] } {
  requireInRange('dt', dt, 1e-7, 1e-3, 's');
  requireInRange('maxSubstep', maxSubstep, 1e-8, MAX_SUBSTEP_LIMIT, 's');
  const sub = Math.max(1, Math.ceil(dt / maxSubstep - 1e-9));
  const pop = neuron.population;
  const c = neuron.index;
  pop.useSubstep(dt / sub);
  const size = pop.size;
  const zero = new Float64Array(size);
  const iInj = new Float64Array(size);
  const V = pop.v;
  const v = new Float64Array(current.length);
  const spikeTimes: number[] = [];
  for (let i = 0; i < current.length; i++) {
    v[i] = V[c] as number;
    const x = current[i] as number;
    iInj[c] = Number.isFinite(x) ? x : 0;
    for (let k = 0; k < sub; k++) {
      if (pop.step(c, c + 1, zero, zero, iInj) > 0) spikeTimes.push(i * dt + ((k + 1) * dt) / sub);
    }
  }
  return { v, spikeTimes };
}
