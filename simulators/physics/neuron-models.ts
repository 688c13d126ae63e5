import { PhysicsParameterError, requireInRange } from './errors.ts';

/** Which gating equations a model uses (channels.ts). */
export type Kinetics = 'traub' | 'hh1952';

/**
 * A single-compartment conductance-based neuron. SI units throughout: densities in S/m² and F/m²,
 * potentials in V, times in s, area in m².
 */
export interface NeuronParams {
  kinetics: Kinetics;
  /** Membrane area, m². */
  area: number;
  /** Specific membrane capacitance, F/m² (1 µF/cm² = 0.01 F/m²). */
  specificCapacitance: number;
  gLeak: number;
  eLeak: number;
  gNa: number;
  eNa: number;
  /** Delayed-rectifier K+ density. */
  gK: number;
  eK: number;
  /** Slow non-inactivating K+ (M) density; 0 disables it. */
  gM: number;
  /** Peak time constant of the M gate at the reference temperature, s. */
  tauMaxM: number;
  /** Low-threshold Ca2+ (T) density; 0 disables it. */
  gT: number;
  eCa: number;
  /** Shift of the IT voltage dependence (Pospischil Vx), V. */
  vxT: number;
  /** Threshold shift of the Traub INa / IKd kinetics (Pospischil VT), V. Unused by hh1952. */
  vTraub: number;
  /** Temperature at which the published rates apply, °C. */
  referenceCelsius: number;
  /** Q10 of the Na/K (and IT) gating rates. */
  q10: number;
  /** Q10 of the M gate (Pospischil's IM_cortex.mod uses 2.3). */
  q10M: number;
  /** Simulation temperature, °C. */
  celsius: number;
}

export type ModelName = 'rs-pyramidal' | 'fs-interneuron' | 'lts-interneuron' | 'hh1952';

export const MODEL_NAMES: readonly ModelName[] = ['rs-pyramidal', 'fs-interneuron', 'lts-interneuron', 'hh1952'];

// Unit conversions, applied once to the published values.
const MS_PER_CM2 = 10; // 1 mS/cm² = 10 S/m²
const UF_PER_CM2 = 0.01; // 1 µF/cm² = 0.01 F/m²
const MV = 1e-3;
const MS = 1e-3;
const UM = 1e-6;

/** Lateral area of a cylinder with L = d (NEURON's single-segment soma; ends are not counted). */
function somaArea(diameterUm: number): number {
  return Math.PI * diameterUm * UM * diameterUm * UM;
}

/**
 * Traub/Pospischil models: rates as published, taken to apply at 36 °C (the temperature of
 * Pospischil's ModelDB 123623 simulations, `celsius = 36`); Q10 3 for Na/K is our assumption
 * (the paper gives none), Q10 2.3 for IM is from IM_cortex.mod.
 */
const TRAUB_COMMON = {
  kinetics: 'traub' as const,
  specificCapacitance: 1 * UF_PER_CM2,
  eNa: 50 * MV,
  eK: -90 * MV, // Pospischil 2008 fits use E_K = −90 mV (the ModelDB demos use −100 mV)
  eCa: 120 * MV,
  gT: 0,
  vxT: 0,
  referenceCelsius: 36,
  q10: 3,
  q10M: 2.3,
  celsius: 36,
};

/**
 * Parameter sets. Pospischil et al. 2008 (Biol Cybern 99:427) fitted models, as tabulated there
 * (values cross-checked against public re-implementations of the paper):
 * - RS (regular-spiking pyramidal): L = d = 61.4 µm, g_leak 2.05e-5 S/cm², E_leak
 *   −70.3 mV, g_Na 56 mS/cm², g_Kd 6 mS/cm², g_M 0.075 mS/cm², τ_max 608 ms, V_T −56.2 mV.
 * - FS (fast-spiking interneuron): L = d = 56.9 µm (size UNVERIFIED: not confirmed in our sources), g_leak 3.8e-5 S/cm², E_leak −70.4 mV, g_Na 58,
 *   g_Kd 3.9, g_M 0.0787 mS/cm², τ_max 502 ms, V_T −57.9 mV.
 * - LTS (low-threshold spiking): g_leak 1.9e-5 S/cm², E_leak −50 mV, g_Na 50, g_Kd 4, g_M 0.028,
 *   g_T 0.4 mS/cm², τ_max 4 s, V_T −50 mV, V_x −7 mV. The LTS cell size is not in our sources:
 *   L = d = 61.4 µm (as RS) is a GUESS.
 * - hh1952: Hodgkin & Huxley 1952 squid axon, g_Na 120, g_K 36, g_L 0.3 mS/cm², E_Na 50, E_K −77,
 *   E_L −54.387 mV, 1 µF/cm², 6.3 °C, Q10 3; area defaults to 1 cm² (so currents read as µA/cm² × 1e-6 A).
 */
export const NEURON_MODELS: Readonly<Record<ModelName, Readonly<NeuronParams>>> = {
  'rs-pyramidal': {
    ...TRAUB_COMMON,
    area: somaArea(61.4),
    gLeak: 2.05e-2 * MS_PER_CM2,
    eLeak: -70.3 * MV,
    gNa: 56 * MS_PER_CM2,
    gK: 6 * MS_PER_CM2,
    gM: 0.075 * MS_PER_CM2,
    tauMaxM: 608 * MS,
    vTraub: -56.2 * MV,
  },
  'fs-interneuron': {
    ...TRAUB_COMMON,
    area: somaArea(56.9),
    gLeak: 3.8e-2 * MS_PER_CM2,
    eLeak: -70.4 * MV,
    gNa: 58 * MS_PER_CM2,
    gK: 3.9 * MS_PER_CM2,
    gM: 0.0787 * MS_PER_CM2,
    tauMaxM: 502 * MS,
    vTraub: -57.9 * MV,
  },
  'lts-interneuron': {
    ...TRAUB_COMMON,
    area: somaArea(61.4),
    gLeak: 1.9e-2 * MS_PER_CM2,
    eLeak: -50 * MV,
    gNa: 50 * MS_PER_CM2,
    gK: 4 * MS_PER_CM2,
    gM: 0.028 * MS_PER_CM2,
    tauMaxM: 4000 * MS,
    gT: 0.4 * MS_PER_CM2,
    vxT: -7 * MV,
    vTraub: -50 * MV,
  },
  hh1952: {
    kinetics: 'hh1952',
    area: 1e-4, // 1 cm²
    specificCapacitance: 1 * UF_PER_CM2,
    gLeak: 0.3 * MS_PER_CM2,
    eLeak: -54.387 * MV,
    gNa: 120 * MS_PER_CM2,
    eNa: 50 * MV,
    gK: 36 * MS_PER_CM2,
    eK: -77 * MV,
    gM: 0,
    tauMaxM: 1,
    gT: 0,
    eCa: 120 * MV,
    vxT: 0,
    vTraub: 0,
    referenceCelsius: 6.3,
    q10: 3,
    q10M: 3,
    celsius: 6.3,
  },
};

/** A named model with overrides, validated. */
export function neuronParams(name: ModelName, overrides: Partial<NeuronParams> = {}): NeuronParams {
  const base = NEURON_MODELS[name];
  if (base === undefined) throw new PhysicsParameterError('model', name, MODEL_NAMES.join(' | '));
  return validateNeuronParams({ ...base, ...overrides });
}

/** Refuses non-physical parameters with the parameter's name and allowed range. */
export function validateNeuronParams(p: NeuronParams, prefix = 'neuron'): NeuronParams {
  if (p.kinetics !== 'traub' && p.kinetics !== 'hh1952') {
    throw new PhysicsParameterError(`${prefix}.kinetics`, p.kinetics, 'traub | hh1952');
  }
  const r = (k: keyof NeuronParams, min: number, max: number, unit: string, minOpen = false): void => {
    requireInRange(`${prefix}.${k}`, p[k] as number, min, max, unit, { minOpen });
  };
  r('area', 1e-11, 1e-3, 'm²'); // 10 µm² … 10 cm²
  r('specificCapacitance', 1e-3, 0.1, 'F/m²'); // 0.1 … 10 µF/cm²
  r('gLeak', 0, 1e3, 'S/m²', true);
  r('gNa', 0, 1e4, 'S/m²');
  r('gK', 0, 1e4, 'S/m²');
  r('gM', 0, 1e3, 'S/m²');
  r('gT', 0, 1e3, 'S/m²');
  for (const k of ['eLeak', 'eNa', 'eK', 'eCa'] as const) r(k, -0.2, 0.2, 'V');
  r('vxT', -0.05, 0.05, 'V');
  r('vTraub', -0.1, 0.05, 'V');
  r('tauMaxM', 1e-3, 100, 's');
  r('referenceCelsius', 0, 45, '°C');
  r('celsius', 0, 45, '°C');
  r('q10', 1, 6, '');
  r('q10M', 1, 6, '');
  return p;
}
