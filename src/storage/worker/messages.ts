import type { Sweep } from '../../core/sweep.ts';
import { NwbError, type NwbErrorCode } from '../errors.ts';
import type { FaultPlan } from '../faults.ts';
import type { CoreSpec } from '../writer-core.ts';

/**
 * Messages between NwbWriter (main thread) and nwb-worker.ts. One request at a time; every request
 * gets one reply with its id. Sweeps arrive with their sample buffers transferred.
 */

/** A writer's spec as it can cross threads: a fault injector only as a plan. */
export type WireSpec = Omit<CoreSpec, 'faultInjector'> & { faultInjector?: FaultPlan };

export type WriterRequest =
  | { id: number; kind: 'create'; path: string; options: WireSpec }
  | { id: number; kind: 'append'; sweep: Sweep }
  | { id: number; kind: 'close' };

/** An error as it crosses threads: NwbError keeps its code, problems and the cause's message. */
export interface WireError {
  message: string;
  code?: NwbErrorCode;
  problems?: string[];
  cause?: string;
}

export type WriterReply = { id: number; ok: true; path: string; identifier: string } | { id: number; ok: false; error: WireError };

export function toWire(e: unknown): WireError {
  if (e instanceof NwbError) {
    const cause = e.cause === undefined ? {} : { cause: e.cause instanceof Error ? e.cause.message : String(e.cause) };
    return { message: e.message, code: e.code, problems: e.problems, ...cause };
  }
  // The whole message: h5wasm's carries the HDF5 error stack, callers keep what they need.
  return { message: e instanceof Error ? e.message : String(e) };
}

export function fromWire(w: WireError): Error {
  if (w.code === undefined) return new Error(w.message);
  return new NwbError(w.code, w.message, w.problems ?? [], w.cause === undefined ? undefined : { cause: new Error(w.cause) });
}
