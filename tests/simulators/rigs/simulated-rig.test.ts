/**
 * Ready-made simulated rigs: the slice drives them by default (issue 3 "Integration"), computed in
 * a worker thread; the same seed gives the same samples wherever they are computed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PassivePreparation } from '../../../simulators/physics/passive-cell.ts';
import { type SimulatedRig, type SimulatedRigSpec, createSimulatedRig } from '../../../simulators/rigs/simulated-rig.ts';
import { acquireTestPulses } from './acquire.ts';

const rigs: SimulatedRig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.dispose();
});

function spec(headstages: number, extra: Partial<SimulatedRigSpec> = {}): SimulatedRigSpec {
  return {
    amplifiers: [{ path: 'sim:amp0', channels: 8 }],
    digitizer: { path: 'sim:daq0' },
    cables: Array.from({ length: headstages }, (_, k) => ({ ao: k, ai: k, amplifierPath: 'sim:amp0', channel: k + 1 })),
    ...extra,
  };
}

function open(s: SimulatedRigSpec): SimulatedRig {
  const r = createSimulatedRig(s);
  rigs.push(r);
  return r;
}

const acquire = (r: SimulatedRig, headstages: number, scans = 10_000) =>
  acquireTestPulses({ path: 'sim:daq0', binding: r.ports.binding, headstages, scans });

describe('a simulated rig', () => {
  it('puts a slice behind the amplifier by default, computed in a worker, with its ground truth at hand', () => {
    const r = open(spec(8, { seed: 3 }));
    expect(r.computesInWorker).toBe(true);
    const truth = r.groundTruth();
    expect(truth.seed).toBe(3);
    const slice = truth.amplifiers[0]?.slice;
    expect(truth.amplifiers[0]?.preparation).toBe('slice');
    expect(slice?.cells).toHaveLength(8);
    expect(slice?.patched).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(slice?.seed).toBe(3);
    // JSON-serialisable, for tests and analysis.
    expect(JSON.parse(JSON.stringify(slice))).toEqual(slice);
  });

  it('gives the same samples for the same seed, in a worker or in this thread, and other samples for another seed', async () => {
    const a = await acquire(open(spec(8, { seed: 11 })), 8);
    const b = await acquire(open(spec(8, { seed: 11 })), 8);
    const local = open(spec(8, { seed: 11, worker: false }));
    expect(local.computesInWorker).toBe(false);
    const c = await acquire(local, 8);
    const d = await acquire(open(spec(8, { seed: 12 })), 8);
    expect(b.digest).toBe(a.digest);
    expect(c.digest).toBe(a.digest);
    expect(d.digest).not.toBe(a.digest);
    // The cells are really there: a 10 mV step through Ra draws current (0.5 V/nA at the output).
    const ch0 = a.channels[0] as Float32Array;
    expect(Math.max(...ch0) - Math.min(...ch0)).toBeGreaterThan(0.1);
  });

  it('keeps passive cells on request, in this thread unless asked', async () => {
    const r = open(spec(2, { preparation: 'passive' }));
    expect(r.computesInWorker).toBe(false);
    expect(r.groundTruth().amplifiers).toEqual([{ path: 'sim:amp0', preparation: 'passive' }]);
    const w = open(spec(2, { preparation: 'passive', worker: true }));
    expect(w.computesInWorker).toBe(true);
    expect((await acquire(w, 2, 5000)).digest).toBe((await acquire(r, 2, 5000)).digest);
  });

  it('refuses what cannot be built, saying why', () => {
    expect(() => createSimulatedRig({ ...spec(1), amplifiers: [{ path: 'sim:amp0', channels: 16 }] })).toThrow(/16 channels but a slice patches at most 8 cells: use the passive preparation/);
    expect(() => createSimulatedRig({ ...spec(1), slice: { cells: 4 } })).toThrow(/simulation.cells \(4\) must be at least the channels of amplifier sim:amp0 \(8\)/);
    expect(() => createSimulatedRig({ ...spec(1), amplifiers: [{ path: 'sim:amp0', channels: 8, preparation: new PassivePreparation(8) }], worker: true })).toThrow(/ready-made preparation/);
  });
});
