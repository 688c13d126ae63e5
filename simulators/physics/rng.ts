/**
 * Seeded pseudo-random numbers for the simulators: xoshiro128** (Blackman & Vigna 2018,
 * "Scrambled linear pseudorandom number generators") seeded through splitmix32, so every stream is
 * reproducible from a number or a string. 32-bit integer arithmetic only (Math.imul), no allocation
 * per draw.
 *
 * `fork(label)` derives an independent stream from this stream's *seed* and the label, not from
 * its current position: drawing more numbers from one stream, or adding a cell that forks its own
 * stream, never changes what another labelled stream produces.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Spare standard normal from the last Box–Muller pair (NaN when none). */
  private spare = Number.NaN;
  /** 32-bit key this stream was seeded with; `fork` hashes it with a label. */
  readonly key: number;

  constructor(seed: number | string) {
    this.key = typeof seed === 'string' ? hashString(seed, 0x9e3779b9) : seedToKey(seed);
    let x = this.key;
    // splitmix32 expands the key into the 128-bit state; xoshiro must not start from all zeros.
    x = (x + 0x9e3779b9) | 0;
    this.s0 = mix32(x);
    x = (x + 0x9e3779b9) | 0;
    this.s1 = mix32(x);
    x = (x + 0x9e3779b9) | 0;
    this.s2 = mix32(x);
    x = (x + 0x9e3779b9) | 0;
    this.s3 = mix32(x);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent deterministic sub-stream named `label` (same seed + label → same stream). */
  fork(label: string | number): Rng {
    return new Rng(hashString(String(label), this.key) >>> 0);
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = rotl(n3, 11);
    return r >>> 0;
  }

  /** Uniform on the open interval (0, 1): never exactly 0 or 1, so log() is always finite. */
  uniform(): number {
    return (this.nextUint32() + 0.5) * 2.3283064365386963e-10;
  }

  /** Uniform on [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer uniform on [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller, polar-free form; the second value of each pair is kept). */
  normal(): number {
    const spare = this.spare;
    if (spare === spare) {
      this.spare = Number.NaN;
      return spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const a = 6.283185307179586 * this.uniform();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Normal with mean `mu` and standard deviation `sigma`. */
  gaussian(mu: number, sigma: number): number {
    return mu + sigma * this.normal();
  }

  /** Log-normal whose *median* is `median` and whose log has standard deviation `sigmaLog`. */
  logNormal(median: number, sigmaLog: number): number {
    return median * Math.exp(sigmaLog * this.normal());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(this.uniform());
  }

  /** true with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Binomial(n, p) by n Bernoulli draws: n is small here (release sites per connection). */
  binomial(n: number, p: number): number {
    let k = 0;
    for (let i = 0; i < n; i++) if (this.uniform() < p) k++;
    return k;
  }

  /**
   * Poisson(lambda): Knuth's product method below 30, a rounded normal approximation above
   * (relative error of the variance < 2 % there, enough for noise sources).
   */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.uniform();
      while (p > limit) {
        k++;
        p *= this.uniform();
      }
      return k;
    }
    const x = Math.round(lambda + Math.sqrt(lambda) * this.normal());
    return x < 0 ? 0 : x;
  }

  /** Fills `out` with independent N(0, sigma²) samples. */
  fillNormal(out: Float64Array, sigma: number): void {
    for (let i = 0; i < out.length; i++) out[i] = sigma * this.normal();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32 output function (finaliser of MurmurHash3-style mixing). */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

/** Folds any finite number (integers up to 2^53, or fractions) into a 32-bit key. */
function seedToKey(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  const frac = Math.round((seed - Math.floor(seed)) * 4294967296) >>> 0;
  return mix32(lo ^ mix32(hi ^ mix32(frac + 0x632be5ab))) >>> 0;
}

/** FNV-1a over UTF-16 code units, then mixed; `basis` lets a parent key salt the hash. */
function hashString(s: string, basis: number): number {
  let h = (0x811c9dc5 ^ basis) | 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h ^ s.length) >>> 0;
}
