import { assign, fromCallback, setup } from 'xstate';
import type { TestPulseResult } from '../../src/analysis/test-pulse.ts';

/** One headstage's live test-pulse reading. */
export interface TestPulseReading extends TestPulseResult {
  headstage: number;
  mode: 'VC' | 'IC';
  /** Running count of pulses analysed on this headstage. */
  count: number;
}

export type TestPulseEvent =
  | { type: 'START' }
  | { type: 'STOP' }
  | { type: 'READINGS'; readings: TestPulseReading[] }
  | { type: 'FAILED'; error: string };

export interface TestPulseContext {
  readings: Record<number, TestPulseReading>;
  pulses: number;
  error: string | undefined;
}

/**
 * The continuous test pulse (synphys-protocols.md §4): while running, the `pulse` actor (supplied
 * by the runner) plays test-pulse sweeps back to back on every headstage and sends the readings
 * of each (Ra, Ri, Cm, τ, holding current and potential); STOP ends it at once, mid-pulse too.
 */
export const testPulseMachine = setup({
  types: { context: {} as TestPulseContext, events: {} as TestPulseEvent },
  actors: {
    pulse: fromCallback<TestPulseEvent>(({ sendBack }) => {
      sendBack({ type: 'FAILED', error: 'the runner must provide a pulse actor' });
    }),
  },
}).createMachine({
  id: 'testPulse',
  context: { readings: {}, pulses: 0, error: undefined },
  initial: 'stopped',
  states: {
    stopped: { on: { START: { target: 'running', actions: assign({ error: undefined }) } } },
    running: {
      invoke: { src: 'pulse' },
      on: {
        READINGS: {
          actions: assign(({ context, event }) => ({
            pulses: context.pulses + 1,
            readings: { ...context.readings, ...Object.fromEntries(event.readings.map((r) => [r.headstage, r])) },
          })),
        },
        FAILED: { target: 'stopped', actions: assign({ error: ({ event }) => event.error }) },
        STOP: { target: 'stopped' },
      },
    },
  },
});
