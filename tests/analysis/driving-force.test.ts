import { describe, expect, it } from 'vitest';
import { INHIBITORY_REVERSAL, onsetPotentials, releaseAmplitudes, unitAt } from '../../src/analysis/driving-force.ts';
import { fitTsodyksMarkram, tmReleases } from '../../src/analysis/tm-fit.ts';

const SHAPE = { latency: 1.2e-3, tauRise: 6e-3, tauDecay: 25e-3 };

/**
 * A conductance-based IPSP train at −55 mV (reversal −75 mV): each response is release × a gain
 * × the driving force at its onset, and the responses sum. The amplitudes fall faster than
 * release; scaled to the first pulse's driving force they are release again.
 */
function ipspTrain(times: number[], release: number[], v0: number, gainPerVolt: number): number[] {
  const amps: number[] = [];
  for (let k = 0; k < times.length; k++) {
    let v = v0;
    for (let j = 0; j < k; j++) v += (amps[j] as number) * unitAt(SHAPE, (times[k] as number) + SHAPE.latency - (times[j] as number));
    amps.push((release[k] as number) * gainPerVolt * (v - INHIBITORY_REVERSAL));
  }
  return amps;
}

describe('driving-force correction of train amplitudes for the Tsodyks–Markram fit', () => {
  it('gives back release ratios, and the TM parameters, from a summing IPSP train at −55 mV', () => {
    const truth = { U: 0.25, tauRec: 0.4, tauFacil: 0.05 };
    const trains = [10, 20, 50, 100].map((f) => {
      const times = [...Array.from({ length: 8 }, (_, k) => k / f), ...Array.from({ length: 4 }, (_, k) => 7 / f + 0.253 + k / f)];
      const release = tmReleases(truth, times);
      // 1 mV IPSP at rest for release U: gain chosen so that U × gain × 20 mV = −1 mV.
      const amps = ipspTrain(times, release, -0.055, -1e-3 / (truth.U * 0.02));
      const potentials = onsetPotentials(times, amps, times.map(() => -0.055), SHAPE);
      return { times, amps, corrected: releaseAmplitudes(amps, potentials, INHIBITORY_REVERSAL) };
    });
    // Uncorrected, the summation reads as extra depression.
    const raw = fitTsodyksMarkram(trains.map((t) => ({ times: t.times, amplitudes: t.amps, weight: 1 })));
    const fixed = fitTsodyksMarkram(trains.map((t) => ({ times: t.times, amplitudes: t.corrected, weight: 1 })));
    expect(Math.abs(fixed.U / truth.U - 1)).toBeLessThan(0.03);
    expect(Math.abs(fixed.tauRec / truth.tauRec - 1)).toBeLessThan(0.05);
    expect(Math.abs(raw.U / truth.U - 1)).toBeGreaterThan(Math.abs(fixed.U / truth.U - 1));
  });

  it('leaves amplitudes alone when the potential does not move, and refuses a reversed driving force', () => {
    expect(releaseAmplitudes([-1, -0.5], [-0.055, -0.055], INHIBITORY_REVERSAL)).toEqual([-1, -0.5]);
    expect(releaseAmplitudes([-1, -0.5], [-0.055, -0.076], INHIBITORY_REVERSAL)[1]).toBeNaN();
  });
});
