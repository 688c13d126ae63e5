import { describe, expect, it } from 'vitest';
import { measure } from '../../ui/src/cursors.ts';
import { fieldsOf, fromFieldText, toFieldText } from '../../ui/src/param-form.ts';
import { averageColumns, sweepFrame } from '../../ui/src/sweep-data.ts';
import { TpHistory } from '../../ui/src/tp-history.ts';
import type { TestPulseReadingEvent } from '../../ui/src/types.ts';

describe('protocol parameters from the schema', () => {
  const schema = {
    type: 'object',
    required: ['amp', 'n'],
    properties: {
      protocol: { const: 'x' },
      amp: { type: 'number', unit: 'V' },
      bias: { type: 'number', unit: 'A' },
      n: { type: 'integer', unit: '1' },
      order: { enum: ['blocked', 'interleaved'] },
      grid: { type: 'array' },
    },
  };

  it('edits volts in mV and amps in pA, and gives SI back without float noise', () => {
    const [amp, bias, n, order, grid] = fieldsOf(schema);
    expect(fieldsOf(schema).map((f) => [f.name, f.kind, f.unit])).toEqual([['amp', 'number', 'mV'], ['bias', 'number', 'pA'], ['n', 'integer', ''], ['order', 'enum', ''], ['grid', 'json', '']]);
    if (!amp || !bias || !n || !order || !grid) throw new Error('fields missing');
    expect(toFieldText(amp, -0.07)).toBe('-70');
    expect(fromFieldText(amp, '-70')).toEqual({ ok: true, value: -0.07 });
    expect(fromFieldText(bias, '-50')).toEqual({ ok: true, value: -5e-11 });
    expect(fromFieldText(n, '2.5')).toMatchObject({ ok: false, error: expect.stringMatching(/^n: .*whole/) });
    expect(order.options).toEqual(['blocked', 'interleaved']);
    expect(fromFieldText(grid, '[{"a":1}]')).toEqual({ ok: true, value: [{ a: 1 }] });
    expect(fromFieldText(grid, '[{')).toMatchObject({ ok: false });
    expect(fromFieldText(amp, '')).toEqual({ ok: true, value: undefined });
  });
});

describe('sweep browser data', () => {
  it('turns a stored sweep into a trace frame covering its columns', () => {
    const f = sweepFrame({ sweep: 4, sampleRate: 1000, scans: 10, from: 0, to: 0.01, factor: 4 }, 2, 1, { min: [0, 1, 2], max: [3, 4, 5] });
    expect(f).toMatchObject({ sweep: 4, headstage: 2, signal: 1, firstSample: 0, decimation: 4, sampleCount: 10 });
    expect([...f.values]).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('averages min and max column by column where sweeps overlap', () => {
    expect(averageColumns([{ min: [0, 2], max: [2, 4] }, { min: [2], max: [4] }])).toEqual({ min: [1, 2], max: [3, 4] });
  });
});

describe('test-pulse history (criterion 4)', () => {
  const reading = (headstage: number, mode: 'VC' | 'IC', Ra: number, hold: number): TestPulseReadingEvent => ({
    headstage, mode, Ra, Ri: 2e8, Rss: 2e8, Rpeak: null, Cm: 1e-10, tau: 1e-3, baseline: hold, ...(mode === 'VC' ? { holdingCurrent: hold } : { vm: hold }),
  });

  it('keeps one mean per second per headstage on a shared time axis', () => {
    const h = new TpHistory(2);
    h.add(10_000, [reading(0, 'VC', 10e6, -50e-12), reading(1, 'IC', 20e6, -0.07)]);
    h.add(10_500, [reading(0, 'VC', 12e6, -70e-12)]);
    h.add(12_100, [reading(1, 'IC', 30e6, -0.06)]);
    const ra = h.series('Ra');
    expect(ra.x).toEqual([10, 12]);
    expect(ra.ys).toEqual([[11e6, null], [20e6, 30e6]]);
    // Holding current only from VC readings, Vm only from IC.
    expect(h.series('Ihold').ys).toEqual([[-60e-12, null], [null, null]]);
    expect(h.series('Vm').ys[1]).toEqual([-0.07, -0.06]);
    expect(h.series('Ra', 11).x).toEqual([12]);
  });

  it('ignores NaN readings (sent as null) rather than averaging them in', () => {
    const h = new TpHistory(1);
    h.add(0, [{ ...reading(0, 'VC', 10e6, 0), Ra: null }]);
    h.add(100, [reading(0, 'VC', 10e6, 0)]);
    expect(h.series('Ra').ys[0]).toEqual([10e6]);
  });
});

describe('cursor measurements (criterion 13)', () => {
  // Two points per column (min, max) as the plots draw them: baseline −70, a one-column peak −40.
  const x = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4];
  const y = [-70, -70, -70, -69, -60, -40, -65, -62, -70, -70];

  it('gives Δt, Δ value, mean and the peak between the cursors', () => {
    const m = measure(x, y, 1, 3);
    expect(m.dt).toBe(2);
    expect(m.dy).toBe(-65 - -70);
    expect(m.peak).toBe(-40);
    expect(m.mean).toBeCloseTo((-70 - 69 - 60 - 40 - 65 - 62) / 6, 12);
  });

  it('finds a downward peak as well, and handles cursors in either order or over gaps', () => {
    expect(measure([0, 0, 1, 1, 2, 2], [0, 0, -5, 2, 0, 0], 2, 0)).toMatchObject({ dt: -2, dy: 0, peak: -5 });
    expect(measure([0, 1, 2], [null, null, null], 0, 2)).toEqual({ dt: 2, dy: null, mean: null, peak: null });
  });
});
