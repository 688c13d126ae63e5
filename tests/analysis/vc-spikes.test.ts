import { describe, expect, it } from 'vitest';
import { pulseQcOf } from '../../src/acquisition/pulse-qc.ts';
import { presynapticSpikes } from '../../src/analysis/presynaptic.ts';
import { detectVcSpikes } from '../../src/analysis/spikes.ts';
import type { Epoch, Sweep, SweepChannel } from '../../src/core/sweep.ts';

const RATE = 20_000;
const RA = 10e6;
const RIN = 150e6;
const TAU = 1e-3; // Ra·Cm of a 100 pF cell

/**
 * The current of a voltage-clamped cell (A) around a 50 mV, 2 ms step at `on` s: the holding
 * current, the step's capacitive transient ΔV/Ra·e^(−t/τ) and steady ΔV/(Ra + Rin) (outward), the
 * transient back at the step's end (inward), and an inward action current of `depth` A, 0.3 ms
 * wide, at each time in `spikes` (s).
 */
function clampCurrent(n: number, on: number, spikes: readonly number[], o: { hold?: number; depth?: number; width?: number; step?: number } = {}): Float32Array {
  const hold = o.hold ?? -20e-12;
  const depth = o.depth ?? 4e-9;
  const width = o.width ?? 2e-3;
  const dv = o.step ?? 0.05;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let x = hold;
    if (t >= on) x += (dv / RA) * Math.exp(-(t - on) / TAU) + (t < on + width ? dv / (RA + RIN) : 0);
    if (t >= on + width) x -= (dv / RA) * Math.exp(-(t - on - width) / TAU) + dv / (RA + RIN);
    for (const s of spikes) x -= depth * Math.exp(-0.5 * ((t - s) / 0.15e-3) ** 2);
    y[i] = x;
  }
  return y;
}

const at = (t: number) => Math.round(t * RATE);

describe('escape action currents of a voltage-clamped presynaptic cell', () => {
  it('counts none for the passive response to the step: outward transient, and the inward one back is after the pulse', () => {
    const y = clampCurrent(400, 0.005, []);
    expect(detectVcSpikes(y, at(0.005), at(0.007))).toEqual([]);
  });

  it('finds an inward action current where it crosses 0.5 nA below the holding current', () => {
    const y = clampCurrent(400, 0.005, [0.0058]);
    const found = detectVcSpikes(y, at(0.005), at(0.007));
    expect(found).toHaveLength(1);
    const i = found[0] as number;
    expect(y[i] as number).toBeLessThanOrEqual(-20e-12 - 0.5e-9);
    expect(y[i - 1] as number).toBeGreaterThan(-20e-12 - 0.5e-9);
    expect(Math.abs(i / RATE - 0.0058)).toBeLessThan(0.3e-3);
  });

  it('counts a second escape only after the current came back, and measures from the holding current, whatever it is', () => {
    const two = clampCurrent(400, 0.005, [0.0056, 0.0066], { width: 3e-3 });
    expect(detectVcSpikes(two, at(0.005), at(0.008))).toHaveLength(2);
    // Held at −55 mV the holding current is −150 pA: an excursion to −0.4 nA is only 250 pA deep, no spike.
    const shallow = clampCurrent(400, 0.005, [0.0058], { hold: -150e-12, depth: 0.25e-9 + 0.05 / (RA + RIN) });
    expect(detectVcSpikes(shallow, at(0.005), at(0.007))).toEqual([]);
    const deep = clampCurrent(400, 0.005, [0.0058], { hold: -150e-12 });
    expect(detectVcSpikes(deep, at(0.005), at(0.007))).toHaveLength(1);
  });

  it('gives nothing without a baseline before the pulse', () => {
    const y = clampCurrent(400, 0.005, [0.0058]);
    expect(detectVcSpikes(y, 0, at(0.002))).toEqual([]);
    expect(detectVcSpikes(y.map(() => Number.NaN), at(0.005), at(0.007))).toEqual([]);
  });
});

function vcChannel(headstage: number, response: Float32Array): SweepChannel {
  return {
    headstage,
    mode: 'VC',
    command: new Float32Array(response.length).fill(-0.07),
    response,
    holding: -0.07,
    stimScale: 1,
    settings: { mode: 'VC', outputScale: 1, commandSensitivity: 0.02, lpfHz: 10_000, device: {} },
  };
}

function pulse(headstage: number, start: number, k: number, amplitude = 0.05, width = 2e-3): Epoch {
  return { start, stop: start + width, kind: 'pulse', headstage, params: { pulse: k, amplitude, width } };
}

describe('presynaptic pulses in voltage clamp', () => {
  const n = at(0.1);
  const onsets = [0.02, 0.04, 0.06];
  // Pulse 1: one escape; pulse 2: none; pulse 3: two (a step held long enough for a second one).
  const y = new Float32Array(n);
  const parts = [clampCurrent(n, 0.02, [0.0207]), clampCurrent(n, 0.04, [], { hold: 0 }), clampCurrent(n, 0.06, [0.0606, 0.0622], { hold: 0, width: 3e-3 })];
  for (let i = 0; i < n; i++) y[i] = parts.reduce((s, p) => s + (p[i] as number), 0);
  const epochs = [pulse(0, 0.02, 1), pulse(0, 0.04, 2), pulse(0, 0.06, 3, 0.05, 3e-3)];

  it('counts the action currents of each pulse and takes the steepest inward fall of the first as the event time', () => {
    const s = presynapticSpikes(vcChannel(0, y), epochs, RATE);
    expect(s.map((p) => p.spikeCount)).toEqual([1, 0, 2]);
    const first = s[0];
    expect(first?.spikeMaxSlopeTime).toBeGreaterThan(0.0207 - 0.3e-3);
    expect(first?.spikeMaxSlopeTime).toBeLessThan(0.0207);
    expect(first?.spikePeakTime).toBeCloseTo(0.0207, 4);
    expect(first?.spikePeak).toBeNaN(); // a potential: not measured in voltage clamp
    // No spike: the pulse onset stays the event time.
    expect(s[1]?.spikeMaxSlopeTime).toBe(onsets[1]);
  });

  it('cannot see spikes of a pulse that is not depolarising', () => {
    const s = presynapticSpikes(vcChannel(0, y), [pulse(0, 0.02, 1, -0.05)], RATE);
    expect(s[0]?.spikeCount).toBeNull();
  });

  it('uses the count in the per-pulse QC: only pulses with exactly one spike pass', () => {
    const post = vcChannel(1, new Float32Array(n).fill(-20e-12));
    const sweep: Sweep = {
      index: 0,
      protocol: 'synphys-probe',
      stimulusName: 'PulseTrain_50Hz_250ms',
      startTime: '2026-11-26T00:00:00Z',
      sampleRate: RATE,
      aborted: false,
      channels: [vcChannel(0, y), post],
      epochs,
      parameters: {},
    };
    const qc = pulseQcOf(sweep);
    expect(qc.map((r) => r.spikes)).toEqual([1, 0, 2]);
    expect(qc.map((r) => r.exPass)).toEqual([true, false, false]);
    expect(qc[1]?.failed).toContain('exactlyOneSpike');
  });
});
