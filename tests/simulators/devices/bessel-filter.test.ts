import { describe, expect, it } from 'vitest';
import { BesselLowpass4 } from '../../../simulators/devices/amplifier/bessel-filter.ts';

/** Steady-state amplitude of the filter's response to a sine of `hz`. */
function gainAt(filter: BesselLowpass4, hz: number): number {
  const fs = filter.sampleRate;
  const n = Math.round(fs * 0.2);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin((2 * Math.PI * hz * i) / fs);
  filter.reset(0);
  filter.process(x);
  let peak = 0;
  for (let i = n / 2; i < n; i++) peak = Math.max(peak, Math.abs(x[i] as number));
  return peak;
}

describe('4-pole Bessel low-pass of the amplifier output', () => {
  it('is −3 dB at its corner (10 kHz at 100 kHz sampling, 2 kHz at 50 kHz)', () => {
    expect(20 * Math.log10(gainAt(new BesselLowpass4(10_000, 100_000), 10_000))).toBeCloseTo(-3.01, 1);
    expect(20 * Math.log10(gainAt(new BesselLowpass4(2_000, 50_000), 2_000))).toBeCloseTo(-3.01, 1);
  });

  it('passes DC with unity gain and attenuates an octave above the corner by more than 10 dB', () => {
    const f = new BesselLowpass4(2_000, 50_000);
    expect(gainAt(f, 20)).toBeCloseTo(1, 3);
    expect(20 * Math.log10(gainAt(f, 4_000))).toBeLessThan(-10);
  });

  it('steps with the small Bessel overshoot (analog 0.84 %, < 1.5 % after the bilinear transform) and starts with no transient after reset', () => {
    const f = new BesselLowpass4(5_000, 100_000);
    f.reset(1);
    const x = new Float64Array(2000).fill(1);
    f.process(x);
    expect(Math.max(...x) - 1).toBeLessThan(1e-12);
    x.fill(2);
    f.process(x);
    expect(Math.max(...x)).toBeLessThan(2.015);
    expect(Math.max(...x)).toBeGreaterThan(2.005);
    expect(x[1999]).toBeCloseTo(2, 9);
  });

  it('passes signals unchanged when the corner is beyond what the sample rate can carry', () => {
    const f = new BesselLowpass4(100_000, 50_000);
    expect(f.bypassed).toBe(true);
    const x = Float64Array.from([0, 1, -1, 0.5]);
    f.process(x);
    expect(Array.from(x)).toEqual([0, 1, -1, 0.5]);
  });

  it('refuses a corner or rate that is not a positive number', () => {
    expect(() => new BesselLowpass4(0, 50_000)).toThrow(/cutoffHz must be a positive number/);
    expect(() => new BesselLowpass4(1000, Number.NaN)).toThrow(/sampleRate must be a positive number/);
  });
});
