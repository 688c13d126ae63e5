/**
 * Recording noise of a real rig, added to simulated traces before analysis: the simulated
 * amplifier adds only 30 µV rms of white noise before its 10 kHz filter (DEFAULT_NOISE), well below
 * the 50–100 µV rms of a real current-clamp recording at the synphys filter settings. We add white
 * noise (50 µV rms) plus a slow Ornstein–Uhlenbeck component (τ = 20 ms, 50 µV rms) — ≈ 71 µV rms
 * in total, with the low-frequency share that makes PSP detection hard. Voltage clamp: 2 pA + 2 pA.
 */
export interface NoiseSpec {
  whiteRms: number;
  slowRms: number;
  slowTau: number;
}

export const IC_NOISE: NoiseSpec = { whiteRms: 50e-6, slowRms: 50e-6, slowTau: 20e-3 };
export const VC_NOISE: NoiseSpec = { whiteRms: 2e-12, slowRms: 2e-12, slowTau: 20e-3 };

/** mulberry32 with Box–Muller: small, seedable, good enough for test noise. */
export function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const u = Math.max(uniform(), 1e-300);
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Adds the noise in place. */
export function addNoise(y: Float32Array, rate: number, spec: NoiseSpec, rand: () => number): void {
  const a = Math.exp(-1 / (rate * spec.slowTau));
  const drive = spec.slowRms * Math.sqrt(1 - a * a);
  let ou = spec.slowRms * rand();
  for (let i = 0; i < y.length; i++) {
    ou = a * ou + drive * rand();
    y[i] = (y[i] as number) + spec.whiteRms * rand() + ou;
  }
}
