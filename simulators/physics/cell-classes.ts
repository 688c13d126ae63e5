import type { NeuronParams, ModelName } from './neuron-models.ts';
import type { StpParams } from './stp.ts';
import type { SynapseKinetics } from './synapse.ts';

/**
 * Cell subclasses of the simulated slice and the connectivity rules between them, as data.
 *
 * Provenance key used below:
 * - [P08] Pospischil et al. 2008, Biol Cybern 99:427 — model kinetics and densities.
 * - [C22] Campagnola et al. 2022, Science 375:eabj5861 — mouse connectivity and dynamics by
 *   subclass (which pairs connect often, which depress or facilitate). Numbers marked [C22~] are
 *   our approximate reading of its figures, not values copied from its tables.
 * - [M98] Markram, Wang & Tsodyks 1998, PNAS 95:5323 — facilitating pyramid→interneuron
 *   synapses (U of a few %, τ_facil ≈ 0.5–2 s, τ_rec ≈ 0.1–0.3 s) vs depressing ones.
 * - [TM97] Tsodyks & Markram 1997, PNAS 94:719 — depressing pyramid→pyramid (U ≈ 0.5, τ_rec ≈ 0.8 s).
 * - [ACT] Allen Cell Types Database (mouse visual cortex, whole-cell, 34 °C; Gouwens et al. 2019,
 *   Nat Neurosci 22:1182): per-cell features by Cre line — the ranges and their provenance are in
 *   tests/simulators/physics/cell-classes.test.ts, which checks every class against them.
 * - GUESS — a plausible value chosen by us; configurable, nothing may depend on it being exact.
 */
export type Subclass = 'pyramidal' | 'pvalb' | 'sst' | 'vip';

export const SUBCLASSES: readonly Subclass[] = ['pyramidal', 'pvalb', 'sst', 'vip'];

export interface CellClass {
  /** Base model and the overrides that adapt it to mouse cortex. */
  model: ModelName;
  overrides: Partial<NeuronParams>;
  excitatory: boolean;
  /** Relative abundance when subclasses are drawn at random (GUESS, roughly cortical proportions). */
  abundance: number;
}

const S_PER_M2_PER_MS_PER_CM2 = 10;
const UM = 1e-6;

export const CELL_CLASSES: Readonly<Record<Subclass, CellClass>> = {
  // [P08] RS kinetics; leak raised from 0.0205 to 0.05 mS/cm² (GUESS) so that R_in ≈ 170 MΩ and
  // τ ≈ 20 ms, typical of mouse L2/3 pyramidal cells rather than the larger cells [P08] fitted.
  pyramidal: {
    model: 'rs-pyramidal',
    overrides: { gLeak: 0.05 * S_PER_M2_PER_MS_PER_CM2 },
    excitatory: true,
    abundance: 0.5,
  },
  // [P08] FS kinetics without I_M and with a 3× stronger delayed rectifier (g_Kd 30 mS/cm², GUESS)
  // for narrow, non-adapting spikes. Passive size from [ACT]: Pvalb cells have τ ≈ 7 ms and
  // R_in ≈ 109 MΩ (medians), i.e. C ≈ 64 pF — a soma of L = d = 45 µm and leak 0.14 mS/cm² gives
  // τ 7.1 ms, R_in 112 MΩ, and with that capacitance an f–I slope inside the Pvalb range (a
  // 100 pF cell fires too few spikes per pA). [P08] fits size and leak per recorded cell.
  pvalb: {
    model: 'fs-interneuron',
    overrides: {
      area: Math.PI * 45 * UM * 45 * UM,
      gK: 30 * S_PER_M2_PER_MS_PER_CM2,
      gM: 0,
      gLeak: 0.14 * S_PER_M2_PER_MS_PER_CM2,
    },
    excitatory: false,
    abundance: 0.2,
  },
  // [P08] LTS kinetics (I_T, strong slow I_M); leak reversal −65 mV instead of −50 mV and leak
  // 0.04 instead of 0.019 mS/cm² (GUESS) so the cell rests near −64 mV with R_in ≈ 200 MΩ, as Sst
  // cells in slices do, rather than at −54 mV.
  sst: {
    model: 'lts-interneuron',
    overrides: { eLeak: -0.065, gLeak: 0.04 * S_PER_M2_PER_MS_PER_CM2 },
    excitatory: false,
    abundance: 0.2,
  },
  // RS kinetics with weak I_M (GUESS; Vip cells are small, high-resistance, adapting or
  // irregular) on a small soma: L = d = 47 µm and leak 0.07 mS/cm² give R_in ≈ 205 MΩ and
  // τ ≈ 14 ms, the medians of [ACT] Vip cells (209 MΩ, 13.2 ms).
  vip: {
    model: 'rs-pyramidal',
    overrides: {
      area: Math.PI * 47 * UM * 47 * UM,
      gLeak: 0.07 * S_PER_M2_PER_MS_PER_CM2,
      gM: 0.03 * S_PER_M2_PER_MS_PER_CM2,
    },
    excitatory: false,
    abundance: 0.1,
  },
};

/** How one subclass connects to another (release sites: used when stochastic release is on, GUESS). SI units. */
export interface ConnectionRule extends SynapseKinetics {
  /** Connection probability at zero intersomatic distance. */
  pMax: number;
  /** Width (s.d.) of the Gaussian fall-off of probability with intersomatic distance, m. */
  sigma: number;
  /** Median peak conductance of a full release, S, and the s.d. of its natural log. */
  weight: number;
  weightSigmaLog: number;
}

/** Reversal potentials: excitatory (AMPA) ≈ 0 mV, inhibitory (GABA_A) −75 mV (issue 3). */
export const E_EXC = 0;
export const E_INH = -0.075;

const NS = 1e-9;
const MS = 1e-3;
// Gaussian width of the distance profile: GUESS of the order [C22] reports (≈ 100 µm).
const SIGMA = 100 * UM;

const EXC_FAST = { tauRise: 0.3 * MS, tauDecay: 3 * MS, latency: 1.2 * MS, jitter: 0.2 * MS }; // AMPA-like, GUESS
const EXC_ONTO_PV = { tauRise: 0.2 * MS, tauDecay: 1.5 * MS, latency: 1.0 * MS, jitter: 0.15 * MS }; // faster onto PV, GUESS
const INH_FAST = { tauRise: 0.5 * MS, tauDecay: 8 * MS, latency: 0.8 * MS, jitter: 0.15 * MS }; // GABA_A (PV), GUESS
const INH_SLOW = { tauRise: 1 * MS, tauDecay: 15 * MS, latency: 1.2 * MS, jitter: 0.3 * MS }; // GABA_A (Sst/Vip), GUESS

const DEPRESSING_EE: StpParams = { U: 0.5, tauRec: 0.8, tauFacil: 0 }; // [TM97]
const DEPRESSING_EI: StpParams = { U: 0.6, tauRec: 0.3, tauFacil: 0 }; // [C22] E→Pvalb depresses strongly; values GUESS
const FACILITATING_ES: StpParams = { U: 0.05, tauRec: 0.15, tauFacil: 0.8 }; // [M98], [C22] E→Sst facilitates
const MIXED_EV: StpParams = { U: 0.2, tauRec: 0.3, tauFacil: 0.2 }; // GUESS
const DEPRESSING_PV: StpParams = { U: 0.4, tauRec: 0.6, tauFacil: 0 }; // [C22] Pvalb outputs depress; values GUESS
const WEAK_DEPRESSING: StpParams = { U: 0.25, tauRec: 0.4, tauFacil: 0.05 }; // Sst/Vip outputs, GUESS

function rule(
  pMax: number,
  weightNs: number,
  kinetics: typeof EXC_FAST,
  stp: StpParams,
): ConnectionRule {
  return { pMax, sigma: SIGMA, weight: weightNs * NS, weightSigmaLog: 0.5, ...kinetics, stp, releaseSites: 10 };
}

/**
 * Rules by [pre][post]. Probabilities are [C22~] (mouse, at short distance: Pvalb and Sst
 * connect densely, pyramid→pyramid sparsely, Vip mostly onto Sst); weights are GUESSes chosen so
 * first PSPs at −70 / −55 mV are a few tenths of a mV to ≈ 1–2 mV.
 */
export const CONNECTION_RULES: Readonly<Record<Subclass, Readonly<Record<Subclass, ConnectionRule>>>> = {
  pyramidal: {
    pyramidal: rule(0.1, 0.6, EXC_FAST, DEPRESSING_EE),
    pvalb: rule(0.3, 2, EXC_ONTO_PV, DEPRESSING_EI),
    sst: rule(0.2, 4, EXC_FAST, FACILITATING_ES),
    vip: rule(0.1, 1, EXC_FAST, MIXED_EV),
  },
  pvalb: {
    pyramidal: rule(0.5, 3, INH_FAST, DEPRESSING_PV),
    pvalb: rule(0.4, 3, INH_FAST, DEPRESSING_PV),
    sst: rule(0.1, 2, INH_FAST, DEPRESSING_PV),
    vip: rule(0.1, 2, INH_FAST, DEPRESSING_PV),
  },
  sst: {
    pyramidal: rule(0.4, 2, INH_SLOW, WEAK_DEPRESSING),
    pvalb: rule(0.3, 2, INH_SLOW, WEAK_DEPRESSING),
    sst: rule(0.05, 1, INH_SLOW, WEAK_DEPRESSING),
    vip: rule(0.3, 2, INH_SLOW, WEAK_DEPRESSING),
  },
  vip: {
    pyramidal: rule(0.05, 1, INH_SLOW, WEAK_DEPRESSING),
    pvalb: rule(0.05, 1, INH_SLOW, WEAK_DEPRESSING),
    sst: rule(0.4, 2, INH_SLOW, WEAK_DEPRESSING),
    vip: rule(0.05, 1, INH_SLOW, WEAK_DEPRESSING),
  },
};

/** Connection probability between two cells of the given subclasses at distance d (m). */
export function connectionProbability(rule: ConnectionRule, distance: number): number {
  return rule.pMax * Math.exp(-(distance * distance) / (2 * rule.sigma * rule.sigma));
}
