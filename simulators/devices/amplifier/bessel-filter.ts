/**
 * The amplifier's 4-pole Bessel low-pass on the primary output (as on a MultiClamp 700B), made
 * digital with the bilinear transform, pre-warped so the −3 dB point lands exactly on the corner.
 *
 * Poles of the 4th-order Bessel prototype normalised to −3 dB at 1 rad/s: the roots of the reverse
 * Bessel polynomial s⁴ + 10s³ + 45s² + 105s + 105 divided by its −3 dB frequency (2.113918 rad/s):
 * −0.995209 ± 1.257106j and −1.370068 ± 0.410250j. A test checks the −3 dB corner and DC gain.
 */
const POLES: readonly (readonly [number, number])[] = [
  [0.995209, 1.257106],
  [1.370068, 0.41025],
];

/** Corners at or above this fraction of the sample rate pass unfiltered: the analog filter is then wider than what the digitizer can see. */
const BYPASS_FRACTION = 0.45;

export class BesselLowpass4 {
  readonly cutoffHz: number;
  readonly sampleRate: number;
  readonly bypassed: boolean;
  // Per biquad: b0 b1 b2 a1 a2 (a0 = 1) and two state words (direct form II transposed).
  private readonly coef = new Float64Array(10);
  private readonly state = new Float64Array(4);

  constructor(cutoffHz: number, sampleRate: number) {
    if (!(cutoffHz > 0) || !Number.isFinite(cutoffHz)) throw new RangeError(`cutoffHz must be a positive number of Hz, got ${cutoffHz}`);
    if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new RangeError(`sampleRate must be a positive number of Hz, got ${sampleRate}`);
    this.cutoffHz = cutoffHz;
    this.sampleRate = sampleRate;
    this.bypassed = cutoffHz >= BYPASS_FRACTION * sampleRate;
    const k = 2 * sampleRate;
    const wa = k * Math.tan((Math.PI * cutoffHz) / sampleRate);
    POLES.forEach(([sigma, omega], i) => {
      const w2 = (sigma * sigma + omega * omega) * wa * wa;
      const b = 2 * sigma * wa;
      const a0 = k * k + b * k + w2;
      const c = this.coef;
      c[i * 5] = w2 / a0;
      c[i * 5 + 1] = (2 * w2) / a0;
      c[i * 5 + 2] = w2 / a0;
      c[i * 5 + 3] = (2 * w2 - 2 * k * k) / a0;
      c[i * 5 + 4] = (k * k - b * k + w2) / a0;
    });
  }

  /** Sets the filter's state as if `value` had been its input forever (no start-up transient). */
  reset(value = 0): void {
    for (let i = 0; i < 2; i++) {
      const c = this.coef;
      const b1 = c[i * 5 + 1] as number;
      const b2 = c[i * 5 + 2] as number;
      const a1 = c[i * 5 + 3] as number;
      const a2 = c[i * 5 + 4] as number;
      // DC gain is 1, so in steady state y = x = value.
      this.state[i * 2 + 1] = (b2 - a2) * value;
      this.state[i * 2] = (b1 - a1) * value + (this.state[i * 2 + 1] as number);
    }
  }

  /** Filters `n` samples of `x` in place. */
  process(x: Float64Array, n = x.length): void {
    if (this.bypassed) return;
    const c = this.coef;
    const s = this.state;
    const b0a = c[0] as number, b1a = c[1] as number, b2a = c[2] as number, a1a = c[3] as number, a2a = c[4] as number;
    const b0b = c[5] as number, b1b = c[6] as number, b2b = c[7] as number, a1b = c[8] as number, a2b = c[9] as number;
    let s0 = s[0] as number, s1 = s[1] as number, s2 = s[2] as number, s3 = s[3] as number;
    for (let i = 0; i < n; i++) {
      const xi = x[i] as number;
      const y1 = b0a * xi + s0;
      s0 = b1a * xi - a1a * y1 + s1;
      s1 = b2a * xi - a2a * y1;
      const y2 = b0b * y1 + s2;
      s2 = b1b * y1 - a1b * y2 + s3;
      s3 = b2b * y1 - a2b * y2;
      x[i] = y2;
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
  }
}
