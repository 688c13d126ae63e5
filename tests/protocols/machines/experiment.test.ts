import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import type { Sweep } from '../../../src/core/sweep.ts';
import { type AcquireInput, type WaitInput, experimentMachine } from '../../../protocols/machines/experiment.ts';
import type { Plan } from '../../../protocols/plan.ts';

function plan(n: number, interval = 15): Plan {
  return {
    protocol: 'p',
    definition: {},
    sweeps: Array.from({ length: n }, (_, i) => ({
      index: i,
      protocol: 'p',
      stimulusName: `S${i}`,
      sampleRate: 1000,
      scans: 10,
      headstages: [],
      epochs: [],
      parameters: {},
      interSweepInterval: interval,
    })),
  };
}

const fakeSweep = (input: AcquireInput, aborted = false): Sweep => ({
  index: input.number,
  protocol: 'p',
  stimulusName: input.planned.stimulusName,
  startTime: '2026-01-01T00:00:00Z',
  sampleRate: 1000,
  channels: [],
  epochs: [],
  parameters: { planned: input.planned.index },
  aborted,
});

/** A harness: sweeps finish when the test says so; rests finish when the test says so. */
function harness(n: number) {
  const pending: { input: AcquireInput; finish: () => void }[] = [];
  const waits: { input: WaitInput; finish: () => void }[] = [];
  const stored: Sweep[] = [];
  let clock = 0;
  const machine = experimentMachine.provide({
    actors: {
      acquire: fromPromise<Sweep, AcquireInput>(
        ({ input }) =>
          new Promise((resolve) => {
            const finish = () => {
              const s = fakeSweep(input, input.signal.aborted);
              stored.push(s);
              resolve(s);
            };
            input.signal.addEventListener('abort', finish, { once: true });
            pending.push({ input, finish });
          }),
      ),
      wait: fromPromise<void, WaitInput>(({ input }) => new Promise((resolve) => waits.push({ input, finish: resolve }))),
    },
  });
  const actor = createActor(machine, { input: { plan: plan(n), now: () => clock } }).start();
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return {
    actor,
    stored,
    pending,
    waits,
    setClock: (ms: number) => (clock = ms),
    state: () => actor.getSnapshot().value,
    async finishSweep() {
      const p = pending.shift();
      if (!p) throw new Error('no sweep running');
      p.finish();
      await tick();
    },
    async finishWait() {
      const w = waits.pop(); // the current rest; earlier ones were left (PAUSE, SKIP)
      waits.length = 0;
      if (!w) throw new Error('not resting');
      w.finish();
      await tick();
    },
  };
}

describe('the experiment runner machine', () => {
  it('runs every planned sweep once, in order, resting between them', async () => {
    const h = harness(3);
    h.actor.send({ type: 'START' });
    for (let i = 0; i < 3; i++) {
      expect(h.state()).toBe('acquiring');
      await h.finishSweep();
      if (i < 2) {
        expect(h.state()).toBe('resting');
        await h.finishWait();
      }
    }
    expect(h.state()).toBe('done');
    expect(h.stored.map((s) => [s.index, s.parameters.planned])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
  });

  it('rests until start-of-sweep + interval on its clock (start to start)', async () => {
    const h = harness(2);
    h.setClock(1000);
    h.actor.send({ type: 'START' });
    h.setClock(4000);
    await h.finishSweep();
    expect(h.waits[0]?.input.deadline).toBe(1000 + 15_000);
  });

  it('PAUSE during a sweep lets it finish, then pauses; RESUME rests then goes on', async () => {
    const h = harness(3);
    h.actor.send({ type: 'START' });
    h.actor.send({ type: 'PAUSE' });
    expect(h.state()).toBe('acquiring');
    await h.finishSweep();
    expect(h.state()).toBe('paused');
    h.actor.send({ type: 'RESUME' });
    expect(h.state()).toBe('resting');
    await h.finishWait();
    expect(h.state()).toBe('acquiring');
    expect(h.stored).toHaveLength(1);
  });

  it('PAUSE during the rest pauses at once; STEP runs exactly one sweep and pauses again', async () => {
    const h = harness(4);
    h.actor.send({ type: 'START' });
    await h.finishSweep();
    h.actor.send({ type: 'PAUSE' });
    expect(h.state()).toBe('paused');
    h.actor.send({ type: 'STEP' });
    expect(h.state()).toBe('acquiring');
    await h.finishSweep();
    expect(h.state()).toBe('paused');
    expect(h.stored.map((s) => s.parameters.planned)).toEqual([0, 1]);
  });

  it('STEP from idle runs the first sweep and pauses', async () => {
    const h = harness(2);
    h.actor.send({ type: 'STEP' });
    await h.finishSweep();
    expect(h.state()).toBe('paused');
  });

  it('SKIP drops the next planned sweep (during the rest, while paused, or during a sweep)', async () => {
    const h = harness(6);
    h.actor.send({ type: 'START' });
    h.actor.send({ type: 'SKIP' }); // during sweep 0: drops 1
    await h.finishSweep();
    expect(h.actor.getSnapshot().context.next).toBe(2);
    h.actor.send({ type: 'SKIP' }); // during the rest: drops 2
    expect(h.actor.getSnapshot().context.next).toBe(3);
    await h.finishWait();
    await h.finishSweep(); // sweep 3
    h.actor.send({ type: 'PAUSE' });
    h.actor.send({ type: 'SKIP' }); // while paused: drops 4
    h.actor.send({ type: 'RESUME' });
    await h.finishWait();
    await h.finishSweep(); // sweep 5
    expect(h.state()).toBe('done');
    expect(h.stored.map((s) => s.parameters.planned)).toEqual([0, 3, 5]);
    expect(h.actor.getSnapshot().context.skipped).toEqual([1, 2, 4]);
  });

  it('ABORT during a sweep stops it, keeps the partial sweep, and ends the run', async () => {
    const h = harness(3);
    h.actor.send({ type: 'START' });
    const running = h.pending[0];
    h.actor.send({ type: 'ABORT' });
    expect(running?.input.signal.aborted).toBe(true);
    await waitFor(h.actor, (s) => s.status === 'done');
    expect(h.state()).toBe('aborted');
    expect(h.stored).toEqual([expect.objectContaining({ index: 0, aborted: true })]);
  });

  it('ABORT during the rest ends the run at once, with no sweep lost or duplicated', async () => {
    const h = harness(3);
    h.actor.send({ type: 'START' });
    await h.finishSweep();
    h.actor.send({ type: 'ABORT' });
    expect(h.state()).toBe('aborted');
    expect(h.stored.map((s) => s.index)).toEqual([0]);
  });

  it('SET_HOLDING takes effect for the following sweeps', async () => {
    const h = harness(2);
    h.actor.send({ type: 'SET_HOLDING', headstage: 1, mode: 'VC', value: -0.055 });
    h.actor.send({ type: 'START' });
    expect(h.pending[0]?.input.holding).toEqual({ 1: -0.055 });
  });
});
