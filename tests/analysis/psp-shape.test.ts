import { describe, expect, it } from 'vitest';
import { amplitudeAtHolding } from '../../src/analysis/driving-force.ts';
import { fitEvents } from '../../src/analysis/event-fit.ts';
import { fitPsp, trialResponse } from '../../src/analysis/psp-fit.ts';
import { OnlineAnalysis } from '../../src/analysis/online.ts';
import { peakTime, sampleShape, unitValue } from '../../src/analysis/psp-shape.ts';
import { syntheticSweep } from '../support/analysis-sweeps.ts';

const RATE = 20_000;

/**
 * A passive membrane (τ_m, resting at `rest`) driven by a dual-exponential synaptic conductance
 * per event (rise, decay, weight g·R_in), integrated with 1 µs steps and sampled at RATE: the
 * PSP as the simulated slice makes it, independent of the analysis's closed form.
 */
function passivePsp(o: { rest: number; reversal: number; tauM: number; rise: number; decay: number; latency: number; events: { t: number; g: number }[]; from: number; n: number }): Float64Array {
  const dt = 1e-6;
  const out = new Float64Array(o.n);
  let v = o.rest;
  let a = 0;
  let b = 0;
  const sub = Math.round(1 / (RATE * dt));
  let next = 0;
  const ev = [...o.events].sort((x, y) => x.t - y.t);
  for (let i = 0; i < o.n * sub; i++) {
    const t = o.from + i * dt;
    while (next < ev.length && t >= (ev[next] as { t: number }).t + o.latency) {
      a += (ev[next] as { g: number }).g;
      b += (ev[next] as { g: number }).g;
      next++;
    }
    const g = b - a;
    v += (dt / o.tauM) * (o.rest - v - g * (v - o.reversal));
    a *= Math.exp(-dt / o.rise);
    b *= Math.exp(-dt / o.decay);
    if (i % sub === 0) out[i / sub] = v;
  }
  return out;
}

describe('three-exponential response shape (conductance filtered by the membrane)', () => {
  it('peaks at 1 and has the shape of a dual-exponential conductance filtered by a passive membrane', () => {
    const shape = { latency: 1e-3, tauRise: 1e-3, tauSyn: 15e-3, tauDecay: 22e-3 };
    const from = -5e-3;
    const n = Math.round(0.12 * RATE);
    const k = sampleShape(shape, from, RATE, n);
    expect(Math.max(...k)).toBeCloseTo(1, 4);
    expect(unitValue(shape, peakTime(shape))).toBeCloseTo(1, 10);
    // A tiny conductance, so the driving force stays constant and the PSP is linear in it.
    const y = passivePsp({ rest: -0.055, reversal: -0.075, tauM: 22e-3, rise: 1e-3, decay: 15e-3, latency: 1e-3, events: [{ t: 0, g: 1e-3 }], from, n });
    const d = Float64Array.from(y, (v) => v + 0.055);
    const peak = Math.min(...d);
    for (let i = 0; i < n; i += 40) expect(Math.abs((d[i] as number) / peak - (k[i] as number))).toBeLessThan(0.01);
  });

  // Seed 11/12's slow GABA_A IPSPs (τ 15 ms on a 17–30 ms membrane): two exponentials pinned
  // τ_rise ≈ τ_decay at their bounds; in a 200 Hz train the misfit went into the neighbours' amplitudes.
  it('lets the pair fit follow a slow IPSP, and the train fit then recovers every amplitude of a 200 Hz train', () => {
    const cell = { rest: -0.055, reversal: -0.075, tauM: 20e-3, rise: 1e-3, decay: 15e-3, latency: 1.2e-3 };
    const from = -50e-3;
    const n = Math.round(0.13 * RATE);
    const single = passivePsp({ ...cell, events: [{ t: 0, g: 2e-3 }], from, n });
    const trial = single.subarray(0);
    const truePeak = Math.min(...single) + 0.055;
    const three = fitPsp(trialResponse([trial], from, RATE), trialResponse([trial], from, RATE, 4), { threeExp: true });
    const two = fitPsp(trialResponse([trial], from, RATE), trialResponse([trial], from, RATE, 4));
    expect(three.tauSyn).toBeDefined();
    expect(Math.abs(three.amplitude / truePeak - 1)).toBeLessThan(0.005);
    expect(three.r2).toBeGreaterThan(two.r2);
    // A depressing 200 Hz train of 8; amplitudes by superposition with each fitted shape.
    const gs = [2, 1.2, 0.8, 0.6, 0.5, 0.45, 0.4, 0.38].map((g) => g * 1e-3);
    const events = gs.map((g, j) => ({ t: 0.2 + j * 5e-3, g }));
    const len = Math.round(0.35 * RATE);
    const y = passivePsp({ ...cell, events, from: 0, n: len });
    const seg = { y: Float32Array.from(y), start: 0, rate: RATE };
    const ev = events.map((e) => e.t);
    // Each response alone, at the same (nearly constant) driving force: the true amplitudes.
    const alone = gs.map((g) => Math.min(...passivePsp({ ...cell, events: [{ t: 0, g }], from, n })) + 0.055);
    const err = (shape: typeof three) => Math.max(...fitEvents(seg, ev, shape).amplitudes.map((a, j) => Math.abs(a / (alone[j] as number) - 1)));
    // Noise-free: three exponentials ≈ 0.3 % (exact shape), two ≈ 2.6 %.
    expect(err(three)).toBeLessThan(0.01);
    expect(err(two)).toBeGreaterThan(0.015);
  });
});

describe('PSP amplitude at the category holding', () => {
  it('scales a PSP measured 2 mV off the nominal holding by the driving force, as a conductance synapse does', () => {
    const psp = (rest: number) => {
      const y = passivePsp({ rest, reversal: -0.075, tauM: 20e-3, rise: 1e-3, decay: 15e-3, latency: 1e-3, events: [{ t: 0, g: 2e-3 }], from: 0, n: 2000 });
      return Math.min(...y) - rest;
    };
    const at57 = psp(-0.057);
    const at55 = psp(-0.055);
    expect(at57 / at55).toBeCloseTo(18 / 20, 2);
    expect((amplitudeAtHolding(at57, -0.057, -0.055, -0.075) as number) / at55).toBeCloseTo(1, 2);
    // Too near the reversal to trust: no value.
    expect(amplitudeAtHolding(at57, -0.07, -0.055, -0.075)).toBeUndefined();
  });

  it('is what the pair analysis reports for an IPSP recorded 2 mV below −55 mV, with the fitted peak kept as measured', () => {
    const a = new OnlineAnalysis();
    for (let i = 0; i < 6; i++) a.addSweep(syntheticSweep({ index: i, frequency: [10, 20, 50][i % 3], psp: -0.3e-3, holding: -0.057, seed: 40 + i }));
    const r = a.pairResults().find((p) => p.pre === 0 && p.post === 1);
    expect(r?.category?.holding).toBe(-0.055);
    const measured = r?.pspMeasuredAmplitude as number;
    expect(Math.abs(measured / -0.3e-3 - 1)).toBeLessThan(0.02);
    // Exactly the driving-force ratio (−55 − (−75)) / (−57 − (−75)) on the measured peak.
    expect((r?.psp?.amplitude as number) / measured).toBeCloseTo(20 / 18, 2);
  });
});
