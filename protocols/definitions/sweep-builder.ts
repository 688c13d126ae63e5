import type { ClampMode } from '../../src/core/clamp.ts';
import type { PlannedHeadstage, PlannedSweep } from '../plan.ts';
import type { Stimulus } from '../stimuli/timing.ts';
import { type InsertedTestPulseOptions, type Params, type ProtocolContext, insertedTestPulse, scaleOf, testPulseEpoch } from './common.ts';
import { type LayoutOptions, placeSets } from './layout.ts';

/** Everything a sweep of per-headstage sets needs besides the sets themselves. */
export interface SetSweepOptions {
  protocol: string;
  index: number;
  stimulusName: string;
  ctx: ProtocolContext;
  mode: ClampMode;
  /** One headstage's set, times from the set's first sample. */
  set: (headstage: number) => Stimulus;
  layout: Omit<LayoutOptions, 'sampleRate' | 'testPulseRoom'>;
  testPulse: InsertedTestPulseOptions;
  stimScale: Record<string, number>;
  /** VC holding command (V) or IC holding current (A), if the definition sets one. */
  holding?: number;
  /** IC target potential for auto-bias, V. */
  targetPotential?: number;
  parameters: Params;
  /** The rest after the sweep, from the sweep's length in s. */
  rest: (duration: number) => number;
}

/** Lays the sets out (layout.ts), inserts the test pulse and resolves each headstage's plan. */
export function setSweep(o: SetSweepOptions): PlannedSweep {
  const rate = o.ctx.sampleRate;
  const tp = insertedTestPulse(o.testPulse, o.mode);
  const sets = o.ctx.headstages.map((headstage) => ({ headstage, set: o.set(headstage) }));
  const { scans, placed, turns } = placeSets(sets, { ...o.layout, sampleRate: rate, testPulseRoom: tp.room });
  const headstages: PlannedHeadstage[] = placed.map((p) => {
    for (const e of p.stimulus.epochs) e.params = { ...e.params, turn: p.turn };
    return {
      headstage: p.headstage,
      mode: o.mode,
      stimulus: p.stimulus.samples,
      stimScale: scaleOf(o.stimScale, p.headstage),
      ...(o.holding !== undefined ? { holding: o.holding } : {}),
      ...(o.targetPotential !== undefined ? { targetPotential: o.targetPotential } : {}),
      ...(tp.pulse ? { testPulse: tp.pulse } : {}),
      epochs: tp.pulse ? [testPulseEpoch(tp.pulse, rate, p.headstage), ...p.stimulus.epochs] : p.stimulus.epochs,
    };
  });
  return {
    index: o.index,
    protocol: o.protocol,
    stimulusName: o.stimulusName,
    sampleRate: rate,
    scans,
    headstages,
    epochs: turns,
    parameters: { ...o.parameters, layout: o.layout.layout, headstageOrder: o.ctx.headstages.join(',') },
    interSweepInterval: o.rest(scans / rate),
  };
}
