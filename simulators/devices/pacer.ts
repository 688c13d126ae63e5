import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';

/** How simulated time relates to the wall clock. */
export type SimSpeed = 'max' | 'realtime';

/**
 * What paces the sample clock. `Pacer` is one: `realtime` follows the wall clock, `max` lets
 * simulated time run as fast as the host reads. A test may pass its own (speed `realtime`, with
 * `until` resolving when the test lets time advance) to hold the clock at a chosen scan.
 */
export interface SimClock {
  readonly speed: SimSpeed;
  start(): void;
  /** Resolves when `simSeconds` of simulated time may have passed since `start`. */
  until(simSeconds: number): Promise<void>;
}

/**
 * Paces a simulated device: `realtime` waits until the wall clock has caught up with simulated
 * time; `max` only yields to the event loop so the host (and everything else) keeps running.
 */
export class Pacer {
  private t0 = 0;

  constructor(readonly speed: SimSpeed) {}

  start(): void {
    this.t0 = performance.now();
  }

  /** Seconds of wall time since start. */
  elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** Waits until `simSeconds` of simulated time may have passed. */
  async until(simSeconds: number): Promise<void> {
    if (this.speed === 'realtime') {
      const ms = this.t0 + simSeconds * 1000 - performance.now();
      if (ms > 1) {
        await sleep(ms);
        return;
      }
    }
    await yieldToEventLoop();
  }
}
