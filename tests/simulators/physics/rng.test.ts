import { describe, expect, it } from 'vitest';
import { Rng } from '../../../simulators/physics/rng.ts';

function draw(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () => r.uniform());
}

describe('Rng (xoshiro128** seeded by splitmix32)', () => {
  it('is deterministic: the same seed gives the same sequence, a different seed a different one', () => {
    expect(draw(new Rng(42), 20)).toEqual(draw(new Rng(42), 20));
    expect(draw(new Rng('slice-a'), 20)).toEqual(draw(new Rng('slice-a'), 20));
    expect(draw(new Rng(42), 20)).not.toEqual(draw(new Rng(43), 20));
  });

  it('forks by label independently of how much the parent or siblings have drawn', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    draw(b, 1000); // the parent's position must not matter
    b.fork('cell-3'); // nor forking other streams first
    expect(draw(a.fork('cell-5'), 10)).toEqual(draw(b.fork('cell-5'), 10));
    expect(draw(a.fork('cell-5'), 10)).not.toEqual(draw(a.fork('cell-6'), 10));
  });

  it('uniform() stays in the open interval (0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Rng(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = r.uniform();
      s += x;
      s2 += x * x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const mean = s / n;
    expect(min).toBeGreaterThan(0);
    expect(max).toBeLessThan(1);
    // Standard error of the mean: sqrt(1/12/n) ≈ 6.5e-4; 5σ bounds.
    expect(Math.abs(mean - 0.5)).toBeLessThan(3.3e-3);
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(2e-3);
  });

  it('normal() has mean 0 and variance 1; poisson() has mean = variance = λ', () => {
    const r = new Rng(2);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.016); // 5σ of the mean, σ = 1/sqrt(n)
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.025); // 5σ, var of s² estimate = 2/n
    for (const lambda of [0.5, 4, 80]) {
      let ps = 0;
      let ps2 = 0;
      const m = 40_000;
      for (let i = 0; i < m; i++) {
        const k = r.poisson(lambda);
        expect(Number.isInteger(k) && k >= 0).toBe(true);
        ps += k;
        ps2 += k * k;
      }
      const mean = ps / m;
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / m));
      expect(Math.abs(ps2 / m - mean * mean - lambda) / lambda).toBeLessThan(0.05);
    }
  });

  it('binomial(n, p) has mean n·p', () => {
    const r = new Rng(3);
    let s = 0;
    const m = 20_000;
    for (let i = 0; i < m; i++) s += r.binomial(10, 0.3);
    expect(Math.abs(s / m - 3)).toBeLessThan(5 * Math.sqrt((10 * 0.3 * 0.7) / m));
  });

  it('refuses a non-finite seed', () => {
    expect(() => new Rng(Number.NaN)).toThrow(/seed/);
  });
});
