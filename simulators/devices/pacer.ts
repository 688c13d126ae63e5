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
  /** The acquisition ended: idle time counts from here. */
  stop(): void;
  /** Simulated seconds the device has idled since `stop` (or since it was made); counting starts again. */
  takeIdle(): number;
  /**
   * The host rested `seconds` without waiting them out (a rest at max speed): idle time for a
   * clock whose time is simulated. A realtime clock ignores it: its idle time is the wall's.
   */
  pass(seconds: number): void;
}

/**
 * Paces a simulated device: `realtime` waits until the wall clock has caught up with simulated
 * time; `max` only yields to the event loop so the host (and everything else) keeps running.
 */
export class Pacer implements SimClock {
  private t0 = 0;
  /** Realtime: when the device last stopped acquiring (performance.now() ms). */
  private idleFrom = performance.now();
  /** Max speed: rests the host passed on since the device last stopped acquiring, s. */
  private passed = 0;

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

  stop(): void {
    this.idleFrom = performance.now();
    this.passed = 0;
  }

  takeIdle(): number {
    const idle = this.speed === 'realtime' ? (performance.now() - this.idleFrom) / 1000 : this.passed;
    this.stop();
    return idle;
  }

  pass(seconds: number): void {
    if (this.speed === 'max' && seconds > 0) this.passed += seconds;
  }
}
