/**
 * The analog worker thread (DESIGN §3): the same spec and settings give bit-identical samples in
 * the worker and in this thread, with feedback compensation on; failures in the worker reach the
 * caller. vitest runs TypeScript through its own loader, so this also proves the worker loads
 * TypeScript with tsx's loader (register-tsx.mjs).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ChannelAnalogSettings, AmplifierAnalogPath } from '../../../simulators/devices/amplifier/analog-path.ts';
import { NO_COMPENSATION } from '../../../simulators/devices/amplifier/compensation.ts';
import { AnalogRigEngine, type AnalogRigSpec, type OverloadChange, buildPreparation } from '../../../simulators/worker/analog-spec.ts';
import { WorkerWiring } from '../../../simulators/worker/worker-wiring.ts';
import { Rng } from '../../../simulators/physics/rng.ts';

const CHANNELS = 8;
const SPEC: AnalogRigSpec = {
  amplifiers: [{ seed: 21, preparation: { kind: 'slice', options: { seed: 21, cells: 10, patched: [0, 1, 2, 3, 4, 5, 6, 7] } } }],
  cables: Array.from({ length: CHANNELS }, (_, k) => ({ ao: k, ai: k, amplifier: 0, channel: k })),
};

/** Even channels in VC (odd ones with Rs and whole-cell compensation), odd channels in IC (some with neutralisation). */
function settingsOf(ch: number, block: number): ChannelAnalogSettings {
  const vc = ch % 2 === 0;
  return {
    mode: vc ? 'VC' : ch === 7 && block > 10 ? 'I=0' : 'IC',
    holding: vc ? -0.07 : -20e-12,
    holdingEnabled: true,
    commandSensitivity: vc ? 0.02 : 4e-10,
    // Channel 6 at 2 V/pA saturates on its test pulses.
    outputScale: ch === 6 ? 2e12 : vc ? 5e8 : 10,
    lpfHz: ch < 4 ? 1e4 : 3e4,
    bridgeOhms: 1e7,
    bridgeEnabled: ch === 3,
    pipetteOffset: 0,
    compensation: {
      ...NO_COMPENSATION,
      cFast: 5e-12,
      wholeCellCapacitance: 1e-10,
      wholeCellResistance: 1e7,
      wholeCellEnabled: ch === 2,
      rsEnabled: ch === 2 || ch === 4,
      rsCorrection: 0.6,
      rsPrediction: 0.5,
      rsBandwidthHz: 5e3,
      neutralisation: ch === 5 ? 3e-12 : 0,
    },
  };
}

let wiring: WorkerWiring | undefined;
afterEach(async () => {
  await wiring?.close();
  wiring = undefined;
});

/** AO volts of a block: square pulses of different periods, then a 150 pA / 10 mV step. */
function aoBlock(block: number, n: number): Float64Array[] {
  return Array.from({ length: CHANNELS }, (_, k) => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = ((block * n + i) % (200 + 30 * k) < 100 ? 0.5 : 0) * (k % 2 === 0 ? 1 : 0.375);
    return a;
  });
}

describe('the analog worker', () => {
  it('computes bit for bit what this thread computes: slice, compensation, noise, filters, overloads', async () => {
    const n = 500;
    const dt = 1 / 50_000;
    let block = 0;
    // This thread's face of the amplifier: it supplies the settings and hears about saturation.
    const seen: OverloadChange[] = [];
    const replica = buildPreparation({ kind: 'passive', channels: CHANNELS });
    const front = new AmplifierAnalogPath(replica, (ch) => settingsOf(ch, block), new Rng(0), undefined, (ch, on) => seen.push([0, ch, on]));
    wiring = new WorkerWiring(SPEC, [front]);
    const local = new AnalogRigEngine(SPEC);
    const localOverloads: OverloadChange[] = [];
    for (block = 0; block < 20; block++) {
      const ao = aoBlock(block, n);
      const aiW = Array.from({ length: CHANNELS }, () => new Float64Array(n));
      const aiL = Array.from({ length: CHANNELS }, () => new Float64Array(n));
      await wiring.run(ao, aiW, n, dt);
      localOverloads.push(...local.run(ao, aiL, n, dt, [Array.from({ length: CHANNELS }, (_, ch) => settingsOf(ch, block))]));
      for (let k = 0; k < CHANNELS; k++) expect(aiW[k]).toEqual(aiL[k]);
      expect(aiW.every((a) => a.every(Number.isFinite))).toBe(true);
    }
    expect(seen).toEqual(localOverloads);
    expect(seen.some(([, ch, on]) => ch === 6 && on)).toBe(true);
  });

  it('reports a failure inside the worker to the caller, naming the parameter', async () => {
    const bad: AnalogRigSpec = { ...SPEC, amplifiers: [{ seed: 1, preparation: { kind: 'slice', options: { seed: 1, celsius: 90 } } }] };
    const front = new AmplifierAnalogPath(buildPreparation({ kind: 'passive', channels: 8 }), (ch) => settingsOf(ch, 0), new Rng(0));
    wiring = new WorkerWiring(bad, [front]);
    await expect(wiring.run(aoBlock(0, 10), Array.from({ length: CHANNELS }, () => new Float64Array(10)), 10, 2e-5)).rejects.toThrow(/celsius/);
  });
});
