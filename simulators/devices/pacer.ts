import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';

/** How simulated time relates to the wall clock. */
export type SimSpeed = 'max' | 'realtime';

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
