import { randomBytes } from 'node:crypto';

/** Outcome of a take: the key, and who lost the seat if it was forced. */
export type TakeResult = { ok: true; key: string; previous?: number } | { ok: false };

/**
 * The single controller seat, bound to one `/ws` connection (by its id). The key it hands out is
 * what REST control requests carry in `X-Patchrig-Seat`; closing the connection frees the seat.
 */
export class ControllerSeat {
  private holder: number | undefined;
  private key: string | undefined;

  get held(): boolean {
    return this.holder !== undefined;
  }

  holds(client: number): boolean {
    return this.holder === client;
  }

  take(client: number, force: boolean): TakeResult {
    if (this.holder === client && this.key) return { ok: true, key: this.key };
    if (this.holder !== undefined && !force) return { ok: false };
    const previous = this.holder;
    this.holder = client;
    this.key = randomBytes(16).toString('base64url');
    return previous === undefined ? { ok: true, key: this.key } : { ok: true, key: this.key, previous };
  }

  /** Frees the seat if `client` holds it; true when it did. */
  release(client: number): boolean {
    if (this.holder !== client) return false;
    this.holder = undefined;
    this.key = undefined;
    return true;
  }

  /** True when `key` is the current seat's key. */
  authorises(key: string | undefined): boolean {
    return this.key !== undefined && key === this.key;
  }
}
