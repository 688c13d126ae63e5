import { describe, expect, it } from 'vitest';
import { floatMode, pulseResponseQc, recordingQc, spikeQc, sweepQc } from '../../../protocols/qc/index.ts';
import { splitmix32 } from '../../../protocols/stimuli/noise.ts';
import type { ClampMode } from '../../../src/core/clamp.ts';
import type { Epoch, QcResult, Sweep, SweepChannel } from '../../../src/core/sweep.ts';

const RATE = 20_000;
const N = 2 * RATE; // 2 s sweeps

function gaussian(seed: number): () => number {
  const u = splitmix32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function channel(headstage: number, mode: ClampMode, level: number, sd: number, command: number, seed = headstage + 1): SweepChannel {
  const g = gaussian(seed);
  return {
    headstage,
    mode,
    command: new Float32Array(N).fill(command),
    response: Float32Array.from({ length: N }, () => level + sd * g()),
    holding: command,
    stimScale: 1,
    settings: { mode, outputScale: 1, commandSensitivity: 1, lpfHz: 10_000, device: {} },
  };
}

function sweep(channels: SweepChannel[], epochs: Epoch[] = [], aborted = false): Sweep {
  return { index: 0, protocol: 'synphys-probe', stimulusName: 'PulseTrain_50Hz_250ms', startTime: '2024-01-01T00:00:00Z', sampleRate: RATE, channels, epochs, parameters: {}, aborted };
}

const check = (r: QcResult, name: string) => r.checks.find((c) => c.name === name)!;

describe('recording QC (reference §7.1)', () => {
  it('passes a healthy IC recording at −65 mV with 0.5 mV noise, storing each value and its limit', () => {
    const r = recordingQc(sweep([channel(0, 'IC', -0.065, 0.5e-3, 0)]), channel(0, 'IC', -0.065, 0.5e-3, 0));
    expect(r.pass).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(['complete', 'zeroSamples', 'baselineCurrent', 'baselinePotential', 'baselineNoise']);
    expect(check(r, 'baselinePotential').value).toBeCloseTo(-0.065, 3);
    expect(check(r, 'baselinePotential')).toMatchObject({ limit: '[-0.085, -0.045]', unit: 'V' });
    expect(check(r, 'baselineNoise').value).toBeCloseTo(0.5e-3, 4);
  });

  it('IC baseline potential must be within [−85, −45] mV', () => {
    for (const [v, pass] of [[-0.04, false], [-0.046, true], [-0.084, true], [-0.09, false]] as const) {
      const c = channel(0, 'IC', v, 0.2e-3, 0);
      expect(check(recordingQc(sweep([c]), c), 'baselinePotential').pass).toBe(pass);
    }
  });

  it('baseline RMS noise: ≤ 5 mV in IC, ≤ 200 pA in VC', () => {
    const ic = (sd: number) => channel(0, 'IC', -0.065, sd, 0);
    expect(recordingQc(sweep([ic(4e-3)]), ic(4e-3)).pass).toBe(true);
    const noisy = ic(6e-3);
    expect(check(recordingQc(sweep([noisy]), noisy), 'baselineNoise')).toMatchObject({ pass: false, limit: '≤ 0.005', unit: 'V' });
    const vc = (sd: number) => channel(0, 'VC', -20e-12, sd, -0.07);
    expect(recordingQc(sweep([vc(150e-12)]), vc(150e-12)).pass).toBe(true);
    expect(check(recordingQc(sweep([vc(250e-12)]), vc(250e-12)), 'baselineNoise').pass).toBe(false);
  });

  it('baseline current within ±800 pA (IC: the bias command; VC: the measured current); unknown fails', () => {
    const icBias = channel(0, 'IC', -0.065, 0.2e-3, 900e-12);
    expect(check(recordingQc(sweep([icBias]), icBias), 'baselineCurrent')).toMatchObject({ pass: false, unit: 'A' });
    const vcLeak = channel(0, 'VC', -900e-12, 5e-12, -0.07);
    expect(check(recordingQc(sweep([vcLeak]), vcLeak), 'baselineCurrent').pass).toBe(false);
    const vcOk = channel(0, 'VC', -700e-12, 5e-12, -0.07);
    expect(check(recordingQc(sweep([vcOk]), vcOk), 'baselineCurrent').pass).toBe(true);
    // A stimulus covering the whole sweep leaves no baseline: the current is unknown, which fails.
    const c = channel(0, 'IC', -0.065, 0.2e-3, 0);
    const whole = sweep([c], [{ start: 0, stop: 2, kind: 'step', headstage: 0, params: {} }]);
    expect(check(recordingQc(whole, c), 'baselineCurrent')).toMatchObject({ pass: false, value: Number.NaN });
  });

  it('fails an incomplete sweep (> 10 % of samples exactly 0) and an aborted one (flag or last sample NaN)', () => {
    const c = channel(0, 'IC', -0.065, 0.2e-3, 0);
    c.response.fill(0, N - 0.05 * N);
    expect(check(recordingQc(sweep([c]), c), 'zeroSamples').pass).toBe(true);
    c.response.fill(0, N - 0.15 * N);
    expect(check(recordingQc(sweep([c]), c), 'zeroSamples')).toMatchObject({ pass: false, value: 0.15 });
    const d = channel(0, 'IC', -0.065, 0.2e-3, 0);
    expect(recordingQc(sweep([d], [], true), d).pass).toBe(false);
    d.response[N - 1] = Number.NaN;
    expect(check(recordingQc(sweep([d]), d), 'complete').pass).toBe(false);
  });

  it('the baseline excludes every stimulus epoch on any headstage plus 100 ms of settling', () => {
    const post = channel(1, 'IC', -0.065, 0.2e-3, 0);
    // A 30 mV response to headstage 0's pulse at 1.0 s, lasting 80 ms (within the settling time)…
    post.response.fill(-0.035, RATE, RATE + 0.08 * RATE);
    const pulse: Epoch = { start: 1, stop: 1.003, kind: 'pulse', headstage: 0, params: { pulse: 1 } };
    const ok = recordingQc(sweep([post], [pulse]), post);
    expect(ok.pass).toBe(true);
    // …but the same deflection without the epoch is baseline and breaks the noise limit.
    expect(check(recordingQc(sweep([post]), post), 'baselineNoise').pass).toBe(false);
    // Epochs that are not stimuli (baseline, tail, turn…) do not remove anything.
    expect(check(recordingQc(sweep([post], [{ ...pulse, kind: 'tail' }]), post), 'baselineNoise').pass).toBe(false);
  });

  it('sweepQc gives one result per headstage', () => {
    const s = sweep([channel(0, 'IC', -0.065, 0.2e-3, 0), channel(1, 'IC', -0.03, 0.2e-3, 0)]);
    const r = sweepQc(s);
    expect([...r.keys()]).toEqual([0, 1]);
    expect([r.get(0)!.pass, r.get(1)!.pass]).toEqual([true, false]);
  });

  it('the mode of continuous data is the centre of the fullest histogram bin (neuroanalysis float_mode)', () => {
    const values = [...Array(900).fill(-0.065), ...Array.from({ length: 100 }, (_, i) => -0.03 + i * 1e-5)];
    // 31 bins over 36 mV: the mode is within half a bin (0.58 mV) of −65 mV.
    expect(Math.abs(floatMode(values) + 0.065)).toBeLessThanOrEqual((0.065 - 0.03 + 99e-5) / 31 / 2 + 1e-12);
    expect(floatMode([1, 1, 1])).toBe(1);
    expect(floatMode([])).toBeNaN();
  });
});

describe('pulse response QC (reference §7.2)', () => {
  const win = { start: 1.0, stop: 1.05 };
  const at = (t: number) => Math.round(t * RATE);

  function ic(level: number, sd = 0.2e-3): SweepChannel {
    return channel(1, 'IC', level, sd, 0, 7);
  }

  it('IC: a quiet −65 mV window passes for excitatory detection, not inhibitory ((−85, −50) vs (−60, −50) mV)', () => {
    const c = ic(-0.065);
    c.response.fill(-0.064, at(1.01), at(1.02)); // a 1 mV PSP
    const r = pulseResponseQc({ sweep: sweep([c]), post: c, window: win, nSpikes: 1 });
    expect(r.ex.pass).toBe(true);
    expect(r.in.pass).toBe(false);
    expect(r.in.checks.filter((x) => !x.pass).map((x) => x.name)).toEqual(['windowBaselinePotential', 'recordingBaselinePotential']);
    const at55 = ic(-0.055);
    const r55 = pulseResponseQc({ sweep: sweep([at55]), post: at55, window: win, nSpikes: 1 });
    expect([r55.ex.pass, r55.in.pass]).toEqual([true, true]);
  });

  it('IC: fails a noisy window baseline (σ > 1.5 mV), a window reaching above −40 mV, and a deflection over 10 mV', () => {
    const noisy = ic(-0.065, 2e-3);
    expect(check(pulseResponseQc({ sweep: sweep([noisy]), post: noisy, window: win, nSpikes: 1 }).ex, 'baselineNoise').pass).toBe(false);
    const spike = ic(-0.065);
    spike.response.fill(0.02, at(1.02), at(1.021));
    const rs = pulseResponseQc({ sweep: sweep([spike]), post: spike, window: win, nSpikes: 1 }).ex;
    expect(check(rs, 'maxPotential')).toMatchObject({ pass: false, limit: '≤ -0.04' });
    const big = ic(-0.075);
    big.response.fill(-0.063, at(1.02), at(1.03)); // 12 mV, still below −40 mV
    const rb = pulseResponseQc({ sweep: sweep([big]), post: big, window: win, nSpikes: 1 }).ex;
    expect(rb.checks.filter((x) => !x.pass).map((x) => x.name)).toEqual(['maxDeflection']);
  });

  it('VC: σ of the first 5 ms ≤ 15 pA, deflection ≤ 500 pA, baseline potential from the command', () => {
    const vc = (sd: number) => channel(1, 'VC', -20e-12, sd, -0.07, 9);
    const ok = vc(5e-12);
    const r = pulseResponseQc({ sweep: sweep([ok]), post: ok, window: win, nSpikes: 1 });
    expect([r.ex.pass, r.in.pass]).toEqual([true, false]);
    expect(check(r.ex, 'windowBaselinePotential').value).toBeCloseTo(-0.07, 6);
    const noisy = vc(20e-12);
    expect(check(pulseResponseQc({ sweep: sweep([noisy]), post: noisy, window: win, nSpikes: 1 }).ex, 'baselineNoise').pass).toBe(false);
    const big = vc(5e-12);
    big.response.fill(-620e-12, at(1.02), at(1.025));
    expect(check(pulseResponseQc({ sweep: sweep([big]), post: big, window: win, nSpikes: 1 }).ex, 'maxDeflection').pass).toBe(false);
  });

  it('fails when another presynaptic pulse is within ±8 ms, or no presynaptic spike; n_spikes null skips that check', () => {
    const c = ic(-0.065);
    const s = sweep([c]);
    expect(check(pulseResponseQc({ sweep: s, post: c, window: win, nSpikes: 1, adjacentPulses: [1.007] }).ex, 'adjacentPulses').pass).toBe(false);
    expect(check(pulseResponseQc({ sweep: s, post: c, window: win, nSpikes: 1, adjacentPulses: [0.991, 1.009] }).ex, 'adjacentPulses').pass).toBe(true);
    expect(check(pulseResponseQc({ sweep: s, post: c, window: win, nSpikes: 0 }).ex, 'presynapticSpikes').pass).toBe(false);
    expect(pulseResponseQc({ sweep: s, post: c, window: win, nSpikes: null }).ex.checks.map((x) => x.name)).not.toContain('presynapticSpikes');
  });

  it('fails when the postsynaptic recording fails §7.1', () => {
    const c = ic(-0.065);
    c.response.fill(0, at(0.1), at(0.5)); // 20 % of samples exactly 0
    expect(check(pulseResponseQc({ sweep: sweep([c]), post: c, window: win, nSpikes: 1 }).ex, 'postRecordingQc').pass).toBe(false);
  });

  it('spike QC: exactly one presynaptic spike, or the response fails too', () => {
    const c = ic(-0.065);
    const r = pulseResponseQc({ sweep: sweep([c]), post: c, window: win, nSpikes: 2 });
    const two = spikeQc(2, r);
    expect([two.spike.pass, two.ex.pass, two.in.pass]).toEqual([false, false, false]);
    const one = spikeQc(1, r);
    expect([one.spike.pass, one.ex.pass]).toEqual([true, true]);
    expect(spikeQc(null, r).spike.pass).toBe(false);
  });
});
