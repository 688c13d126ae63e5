import { describe, expect, it } from 'vitest';
import { fitTwoExponentials } from '../../src/analysis/exp2-fit.ts';

const DT = 50e-6;

function samples(n: number, t0: number, f: (t: number) => number): Float64Array {
  return Float64Array.from({ length: n }, (_, k) => f(t0 + k * DT));
}

describe('two-exponential fit (variable projection)', () => {
  it('recovers offset, amplitudes and time constants of a noise-free sum, from a fit start after the onset', () => {
    const y = samples(1000, 150e-6, (t) => 45e-12 + 950e-12 * Math.exp(-t / 1.1e-3) - 60e-12 * Math.exp(-t / 25e-3));
    const f = fitTwoExponentials(y, 150e-6, DT, [DT, 12.5e-3], [DT, 50e-3]);
    expect(f.fastTau / 1.1e-3).toBeCloseTo(1, 4);
    expect(f.slowTau / 25e-3).toBeCloseTo(1, 3);
    expect(f.fastAmp / 950e-12).toBeCloseTo(1, 4);
    expect(f.slowAmp / -60e-12).toBeCloseTo(1, 3);
    expect(f.offset / 45e-12).toBeCloseTo(1, 3);
  });

  it('puts the slow time constant at its bound when the samples show only a drift slower than they last', () => {
    const y = samples(1000, 150e-6, (t) => 50e-12 + 950e-12 * Math.exp(-t / 1.1e-3) + 100e-12 * t);
    const f = fitTwoExponentials(y, 150e-6, DT, [DT, 12.5e-3], [DT, 50e-3]);
    expect(f.slowTau / 50e-3).toBeCloseTo(1, 3);
    expect(f.fastTau / 1.1e-3).toBeCloseTo(1, 2);
  });
});
