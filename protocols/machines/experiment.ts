import { assign, fromPromise, setup } from 'xstate';
import type { ClampMode } from '../../src/core/clamp.ts';
import type { Sweep } from '../../src/core/sweep.ts';
import type { Plan, PlannedSweep } from '../plan.ts';

/** What the acquire actor is asked to do: one planned sweep, stoppable through `signal`. */
export interface AcquireInput {
  planned: PlannedSweep;
  /** Sweep number to record: the count of sweeps acquired so far. */
  number: number;
  signal: AbortSignal;
  holding: Readonly<Record<number, number>>;
}

/** How the runner waits between sweeps: until `deadline` (ms on the runner's clock). */
export interface WaitInput {
  deadline: number;
}

export type ExperimentEvent =
  | { type: 'START' }
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  /** Runs exactly one sweep, then pauses. */
  | { type: 'STEP' }
  /** Skips the next planned sweep. */
  | { type: 'SKIP' }
  | { type: 'ABORT' }
  | { type: 'SET_HOLDING'; headstage: number; mode: ClampMode; value: number };

export interface ExperimentContext {
  plan: Plan;
  /** Next planned sweep to run. */
  next: number;
  /** Sweeps acquired (completed or aborted): the number the next one gets. */
  acquired: number;
  /** Planned indices in the order they ran, and those skipped. */
  ran: number[];
  skipped: number[];
  /** Holding per headstage for the sweeps to come (V in VC, A in IC). */
  holding: Record<number, number>;
  pauseAfterSweep: boolean;
  aborting: boolean;
  controller: AbortController;
  /** When the next sweep may start (ms on the runner's clock). */
  deadline: number;
  error: string | undefined;
  lastSweep: Sweep | undefined;
  now: () => number;
  itiMode: 'startToStart' | 'endToStart';
  /** When the current or last sweep started (ms on the runner's clock). */
  startedAt: number;
}

export interface ExperimentInput {
  plan: Plan;
  holding?: Record<number, number>;
  /** The runner's clock, ms (wall time, or simulated time at max speed). */
  now: () => number;
  /**
   * How the inter-sweep interval is measured: from the start of one sweep to the start of the next
   * (MIES "Inter-trial interval"), or from the end of one to the start of the next
   * (synphys-protocols.md §2: which synphys used is UNVERIFIED, so both are offered).
   */
  itiMode?: 'startToStart' | 'endToStart';
}

/**
 * The experiment runner (DESIGN §5): runs a plan sweep by sweep with an interruptible rest between
 * sweeps. PAUSE during a sweep lets it finish and pauses after it; STEP runs one sweep then pauses;
 * SKIP drops the next planned sweep; ABORT stops a running sweep (the partial sweep is kept — the
 * acquire actor stores it before it returns) or ends the rest at once. The actors `acquire` (one
 * sweep, stored before it resolves), `wait` (the rest) and the action `holdingChanged` are
 * supplied by the runner with `provide`.
 * Waiting is on a deadline kept in context, not an xstate `after` delay, so a persisted runner can
 * be restored mid-rest (xstate #5331).
 */
export const experimentMachine = setup({
  types: {
    context: {} as ExperimentContext,
    events: {} as ExperimentEvent,
    input: {} as ExperimentInput,
  },
  actors: {
    acquire: fromPromise<Sweep, AcquireInput>(async () => {
      throw new Error('the runner must provide an acquire actor');
    }),
    wait: fromPromise<void, WaitInput>(async () => undefined),
  },
  actions: {
    holdingChanged: (_, _params: { headstage: number; mode: ClampMode; value: number }) => undefined,
  },
  guards: {
    aborting: ({ context }) => context.aborting,
    planDone: ({ context }) => context.next >= context.plan.sweeps.length,
    pauseAfter: ({ context }) => context.pauseAfterSweep,
  },
}).createMachine({
  id: 'experiment',
  context: ({ input }) => ({
    plan: input.plan,
    next: 0,
    acquired: 0,
    ran: [],
    skipped: [],
    holding: { ...(input.holding ?? {}) },
    pauseAfterSweep: false,
    aborting: false,
    controller: new AbortController(),
    deadline: 0,
    error: undefined,
    lastSweep: undefined,
    now: input.now,
    itiMode: input.itiMode ?? 'startToStart',
    startedAt: 0,
  }),
  initial: 'idle',
  on: {
    SET_HOLDING: {
      actions: [
        assign({ holding: ({ context, event }) => ({ ...context.holding, [event.headstage]: event.value }) }),
        { type: 'holdingChanged', params: ({ event }) => ({ headstage: event.headstage, mode: event.mode, value: event.value }) },
      ],
    },
  },
  states: {
    idle: {
      always: { guard: 'planDone', target: 'done' },
      on: {
        START: { target: 'acquiring' },
        STEP: { target: 'acquiring', actions: assign({ pauseAfterSweep: true }) },
        ABORT: { target: 'aborted' },
      },
    },
    acquiring: {
      entry: assign({ controller: () => new AbortController(), aborting: false, startedAt: ({ context }) => context.now() }),
      invoke: {
        src: 'acquire',
        input: ({ context }) => ({
          planned: context.plan.sweeps[context.next] as PlannedSweep,
          number: context.acquired,
          signal: context.controller.signal,
          holding: context.holding,
        }),
        onDone: [
          {
            guard: 'aborting',
            target: 'aborted',
            actions: assign(({ context, event }) => ({ lastSweep: event.output, acquired: context.acquired + 1, ran: [...context.ran, context.next] })),
          },
          {
            target: 'deciding',
            actions: assign(({ context, event }) => ({
              lastSweep: event.output,
              acquired: context.acquired + 1,
              ran: [...context.ran, context.next],
              next: context.next + 1,
              deadline:
                (context.itiMode === 'startToStart' ? context.startedAt : context.now()) +
                (context.plan.sweeps[context.next]?.interSweepInterval ?? 0) * 1000,
            })),
          },
        ],
        onError: [
          { guard: 'aborting', target: 'aborted' },
          { target: 'failed', actions: assign({ error: ({ event }) => String((event.error as Error)?.message ?? event.error) }) },
        ],
      },
      on: {
        PAUSE: { actions: assign({ pauseAfterSweep: true }) },
        RESUME: { actions: assign({ pauseAfterSweep: false }) },
        ABORT: { actions: [assign({ aborting: true }), ({ context }) => context.controller.abort()] },
        SKIP: {
          actions: assign(({ context }) =>
            context.next + 1 < context.plan.sweeps.length ? { skipped: [...context.skipped, context.next + 1] } : {},
          ),
        },
      },
    },
    deciding: {
      always: [
        { guard: 'planDone', target: 'done' },
        { guard: 'pauseAfter', target: 'paused' },
        { target: 'resting' },
      ],
      entry: assign(({ context }) => {
        // Skips requested during the sweep drop the sweeps that follow it.
        let next = context.next;
        while (context.skipped.includes(next)) next++;
        return { next };
      }),
    },
    resting: {
      invoke: {
        src: 'wait',
        input: ({ context }) => ({ deadline: context.deadline }),
        onDone: { target: 'acquiring' },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => String((event.error as Error)?.message ?? event.error) }) },
      },
      on: {
        PAUSE: { target: 'paused' },
        ABORT: { target: 'aborted' },
        STEP: { target: 'acquiring', actions: assign({ pauseAfterSweep: true }) },
        SKIP: [
          {
            actions: assign(({ context }) => ({ skipped: [...context.skipped, context.next], next: context.next + 1 })),
            target: 'deciding',
          },
        ],
      },
    },
    paused: {
      entry: assign({ pauseAfterSweep: false }),
      on: {
        RESUME: { target: 'resting' },
        STEP: { target: 'acquiring', actions: assign({ pauseAfterSweep: true }) },
        SKIP: {
          target: 'pausedDeciding',
          actions: assign(({ context }) => ({ skipped: [...context.skipped, context.next], next: context.next + 1 })),
        },
        ABORT: { target: 'aborted' },
      },
    },
    pausedDeciding: {
      always: [{ guard: 'planDone', target: 'done' }, { target: 'paused' }],
    },
    done: { type: 'final' },
    aborted: { type: 'final' },
    failed: { type: 'final' },
  },
});
