import { describe, expect, it } from 'vitest';
import { recordsOf, schemaOf } from '../../src/analysis/frame.ts';
import { OnlineAnalysis } from '../../src/analysis/online.ts';
import { syntheticSweep } from '../support/analysis-sweeps.ts';

const FREQS = [10, 20, 50, 100, 200, 50];

function run(opts: { psp: number; sweeps?: number }): OnlineAnalysis {
  const a = new OnlineAnalysis();
  for (let i = 0; i < (opts.sweeps ?? 6); i++) a.addSweep(syntheticSweep({ index: i, frequency: FREQS[i % FREQS.length], psp: opts.psp }));
  return a;
}

describe('OnlineAnalysis on hand-made probe sweeps', () => {
  it('finds the 0 → 1 connection, not 1 → 0, and measures its PSP', () => {
    const a = run({ psp: 0.3e-3 });
    const s = a.pairStatus();
    const fwd = s.find((p) => p.pre === 0 && p.post === 1);
    const back = s.find((p) => p.pre === 1 && p.post === 0);
    expect(fwd?.status).toBe('connected');
    expect(fwd?.sign).toBe(1);
    expect(back?.status).toBe('unconnected');
    expect(Math.abs((fwd?.pspAmplitude ?? 0) / 0.3e-3 - 1)).toBeLessThan(0.1);
    // Plasticity curves for every frequency; a synapse without plasticity gives flat curves.
    expect(fwd?.plasticity.map((c) => c.frequency).sort((x, y) => x - y)).toEqual([10, 20, 50, 100, 200]);
    for (const c of fwd?.plasticity ?? []) expect(Math.abs((c.pairedPulseRatio ?? 0) - 1)).toBeLessThan(0.15);
  });

  it('calls no connection where there is none', () => {
    const a = run({ psp: 0 });
    // "uncertain" (p < 0.05) happens to 5 % of unconnected pairs by design; "connected" to 0.1 %.
    expect(a.pairStatus().filter((p) => p.status === 'connected')).toEqual([]);
  });

  it('returns a JSON-serialisable event after every sweep', () => {
    const a = new OnlineAnalysis();
    const e = a.addSweep(syntheticSweep({ index: 0, psp: 0.3e-3 }));
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    expect(e).toMatchObject({ sweep: 0, included: true, exclusion: null, counts: { sweeps: 1, includedSweeps: 1 } });
    expect(e.pairs).toHaveLength(2);
  });

  it('refuses the same sweep twice', () => {
    const a = new OnlineAnalysis();
    a.addSweep(syntheticSweep({ index: 0 }));
    expect(() => a.addSweep(syntheticSweep({ index: 0 }))).toThrow(/already analysed/);
  });

  it('excludes and counts aborted sweeps, failed recordings and pulses without exactly one spike', () => {
    const a = new OnlineAnalysis();
    a.addSweep(syntheticSweep({ index: 0, psp: 0.3e-3 }));
    const aborted = a.addSweep(syntheticSweep({ index: 1, psp: 0.3e-3, aborted: true }));
    expect(aborted).toMatchObject({ included: false, exclusion: 'aborted' });
    a.addSweep(syntheticSweep({ index: 2, psp: 0.3e-3, qcPass: false }));
    a.addSweep(syntheticSweep({ index: 3, psp: 0.3e-3, spikes: 2 }));
    a.addSweep(syntheticSweep({ index: 4, psp: 0.3e-3, failRecording: 1 }));
    const c = a.counts();
    expect(c).toMatchObject({ sweeps: 5, includedSweeps: 3, excludedSweeps: 2, excludedRecordings: 3 });
    // Only sweep 0 contributes responses: sweep 3 has two spikes per pulse, sweep 4 a failed recording on one side of both pairs.
    expect(c.usedResponses).toBe(2 * 12);
    expect(c.excludedResponses).toBe(2 * 2 * 12);
    const t = a.tables();
    const rows = recordsOf(t.pulseResponses);
    expect(rows.filter((r) => (r.sweep === 3 || r.sweep === 4) && r.qc_pass === true)).toHaveLength(0);
    expect(rows.filter((r) => r.sweep === 1 || r.sweep === 2)).toHaveLength(0);
    expect(rows.find((r) => r.sweep === 3)?.qc_failed).toContain('exactlyOneSpike');
    expect(rows.find((r) => r.sweep === 4 && r.post === 1)?.qc_failed).toContain('postRecordingQc');
    expect(rows.find((r) => r.sweep === 4 && r.pre === 1)?.qc_failed).toContain('preRecordingQc');
    expect(recordsOf(t.sweeps).map((r) => [r.sweep, r.included, r.exclusion])).toEqual([
      [0, true, ''],
      [1, false, 'aborted'],
      [2, false, 'every recording failed QC'],
      [3, true, ''],
      [4, true, ''],
    ]);
  });

  it('builds six tables with explicit integer, float, boolean and string columns', () => {
    const t = run({ psp: 0.3e-3, sweeps: 3 }).tables();
    expect(Object.keys(t)).toEqual(['sweeps', 'recordings', 'pulses', 'pulseResponses', 'pairs', 'connections']);
    expect(schemaOf(t.pulses)).toMatchObject({ sweep: 'Int32', headstage: 'Int32', pulse: 'Int32', spike_count: 'Int32', one_spike: 'Bool', onset: 'Float64' });
    expect(schemaOf(t.pairs)).toMatchObject({ pre: 'Int32', post: 'Int32', trials: 'Int32', p_value: 'Float64', status: 'String', connected: 'Bool' });
    expect(schemaOf(t.pulseResponses)).toMatchObject({ sweep: 'Int32', pre: 'Int32', post: 'Int32', pulse: 'Int32', amplitude: 'Float64' });
    expect(t.pulses.height).toBe(3 * 2 * 12);
    expect(t.pulseResponses.height).toBe(3 * 2 * 12);
    expect(t.connections.height).toBe(3);
    expect(recordsOf(t.pulses).every((r) => r.spike_count === 1 && r.one_spike === true)).toBe(true);
  });
});
