import { describe, expect, it } from 'vitest';
import { measurementCategory, nominalHolding, plasticityCategory } from '../../src/analysis/categories.ts';
import { confirmsConnection, responseSign } from '../../src/analysis/pair-analysis.ts';
import { OnlineAnalysis } from '../../src/analysis/online.ts';
import { recordsOf } from '../../src/analysis/frame.ts';
import { syntheticSweep } from '../support/analysis-sweeps.ts';

const FREQS = [10, 20, 50, 100, 200, 50];

/** Six sweeps at −70 mV, then six at −55 mV, with the 0 → 1 PSP given per holding. */
function twoHoldings(psp70: number, psp55: number): OnlineAnalysis {
  const a = new OnlineAnalysis();
  for (let i = 0; i < 12; i++) {
    const holding = i < 6 ? -0.07 : -0.055;
    a.addSweep(syntheticSweep({ index: i, frequency: FREQS[i % 6], psp: i < 6 ? psp70 : psp55, holding, seed: 100 + i }));
  }
  return a;
}

describe('response categories (clamp mode, holding)', () => {
  it('bins holding potentials as the reference does', () => {
    expect(nominalHolding(-0.0702)).toBe(-0.07);
    expect(nominalHolding(-0.061)).toBe(-0.07);
    expect(nominalHolding(-0.0565)).toBe(-0.055);
    expect(nominalHolding(-0.045)).toBe(-0.045);
    expect(nominalHolding(Number.NaN)).toBeNaN();
  });

  it('measures excitatory connections at −70 mV and inhibitory ones at −55 mV', () => {
    const ic70 = { mode: 'IC' as const, holding: -0.07 };
    const ic55 = { mode: 'IC' as const, holding: -0.055 };
    const both = [{ category: ic70, trials: 10 }, { category: ic55, trials: 10 }];
    expect(measurementCategory(1, ic55, both, 3)).toEqual(ic70);
    expect(measurementCategory(-1, ic70, both, 3)).toEqual(ic55);
    // Without −55 mV recordings an inhibitory connection is measured where it was found.
    expect(measurementCategory(-1, ic70, [{ category: ic70, trials: 10 }], 3)).toEqual(ic70);
  });

  const ic70 = { mode: 'IC' as const, holding: -0.07 };
  const ic55 = { mode: 'IC' as const, holding: -0.055 };
  const vc70 = { mode: 'VC' as const, holding: -0.07 };
  const vc55 = { mode: 'VC' as const, holding: -0.055 };
  const all = [ic70, ic55, vc70, vc55].map((category) => ({ category, trials: 10 }));

  it('measures the PSP amplitude in current clamp when both modes were recorded, wherever the detection was strongest', () => {
    expect(measurementCategory(1, vc70, all, 3)).toEqual(ic70);
    expect(measurementCategory(-1, vc70, all, 3)).toEqual(ic55);
    // Voltage clamp only: the PSC at the connection's holding.
    expect(measurementCategory(-1, vc70, [{ category: vc70, trials: 10 }, { category: vc55, trials: 10 }], 3)).toEqual(vc55);
    // Too few current-clamp trials at the holding: the detection's mode.
    expect(measurementCategory(1, vc70, [{ category: ic70, trials: 2 }, { category: vc70, trials: 10 }], 3)).toEqual(vc70);
  });

  it('fits short-term plasticity in voltage clamp at the connection\'s holding when its responses stand out of the noise, else where the amplitude was measured', () => {
    const clear = all.map((a) => ({ ...a, snr: 6 }));
    expect(plasticityCategory(1, ic70, clear, 3, 4)).toEqual(vc70);
    expect(plasticityCategory(-1, ic55, clear, 3, 4)).toEqual(vc55);
    expect(plasticityCategory(-1, ic55, [{ category: ic55, trials: 10, snr: 6 }, { category: vc70, trials: 10, snr: 6 }], 3, 4)).toEqual(ic55);
    expect(plasticityCategory(-1, ic55, [{ category: ic55, trials: 10, snr: 6 }, { category: vc55, trials: 2, snr: 6 }], 3, 4)).toEqual(ic55);
    // A PSC in the noise (3 s.d.): the PSPs' fit is the better one.
    expect(plasticityCategory(-1, ic55, [{ category: ic55, trials: 10, snr: 9 }, { category: vc55, trials: 10, snr: 3 }], 3, 4)).toEqual(ic55);
    expect(plasticityCategory(-1, ic55, [{ category: vc55, trials: 10, snr: Number.NaN }], 3, 4)).toEqual(ic55);
    expect(plasticityCategory(0, ic70, clear, 3, 4)).toEqual(ic70);
  });

  it('reads a connection\'s sign from its response: depolarising in current clamp, inward in voltage clamp, is excitatory', () => {
    expect([responseSign(1, 'IC'), responseSign(-1, 'IC'), responseSign(1, 'VC'), responseSign(-1, 'VC'), responseSign(0, 'VC')]).toEqual([1, -1, -1, 1, 0]);
    // An EPSC is inward (negative current): it confirms an excitatory call in VC, an outward one does not.
    expect(confirmsConnection(1, -30e-12, 'VC')).toBe(true);
    expect(confirmsConnection(1, 30e-12, 'VC')).toBe(false);
    expect(confirmsConnection(-1, 12e-12, 'VC')).toBe(true);
    expect(confirmsConnection(-1, 0.5e-12, 'VC')).toBe(false); // below the 1 pA floor
    expect(confirmsConnection(1, 0.3e-3, 'IC')).toBe(true);
    expect(confirmsConnection(-1, 0.3e-3, 'IC')).toBe(false);
  });

  it('measures an IPSP from the −55 mV sweeps only, not averaged with the small −70 mV ones', () => {
    // Reversal −75 mV: driving force 5 mV at −70, 20 mV at −55.
    const a = twoHoldings(-0.1e-3, -0.4e-3);
    const s = a.pairStatus().find((p) => p.pre === 0 && p.post === 1);
    expect(s?.status).toBe('connected');
    expect(s?.sign).toBe(-1);
    expect(s?.category).toEqual({ mode: 'IC', holding: -0.055 });
    expect(Math.abs((s?.pspAmplitude ?? 0) / -0.4e-3 - 1)).toBeLessThan(0.1);
    const pairs = recordsOf(a.tables().pairs);
    expect(pairs.find((p) => p.pre === 0 && p.post === 1)).toMatchObject({ category_mode: 'IC', category_holding: -0.055 });
  });

  it('measures an EPSP from the −70 mV sweeps even when −55 mV sweeps exist', () => {
    const a = twoHoldings(0.3e-3, 0.24e-3);
    const s = a.pairStatus().find((p) => p.pre === 0 && p.post === 1);
    expect(s?.category).toEqual({ mode: 'IC', holding: -0.07 });
    expect(Math.abs((s?.pspAmplitude ?? 0) / 0.3e-3 - 1)).toBeLessThan(0.1);
  });

  it('calls no connection on an unconnected pair recorded at two holdings', () => {
    const a = twoHoldings(0, 0);
    expect(a.pairStatus().filter((p) => p.status === 'connected')).toEqual([]);
  });
});
