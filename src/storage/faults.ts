import type { FaultInjector, WriteOp } from './h5-file.ts';

/**
 * Write-failure injection as data. A FaultInjector is a function and cannot reach the writer's
 * worker thread; a FaultPlan is plain data that the writer applies wherever it runs.
 */

/** What the writer is doing when a write happens. */
export type WritePhase = 'create' | 'append' | 'close';

export interface FaultRule {
  op: WriteOp;
  /** The write's path contains this (`/path@attribute` for attributes). */
  pathIncludes?: string;
  /** The write's path ends with this. */
  pathEndsWith?: string;
  /** Only during this phase (default: any). */
  phase?: WritePhase;
  /** Only while sweep `fromSweep` or a later one is being appended (implies phase `append`). */
  fromSweep?: number;
  /** Message of the simulated error, e.g. `ENOSPC: no space left on device`. */
  message: string;
}

/** Test hook as data: the first rule matching a write makes it throw. */
export type FaultPlan = readonly FaultRule[];

/** What the writer is doing now; mutated by the writer, read by the plan's injector. */
export interface WriteContext {
  phase: WritePhase;
  /** Index of the sweep being appended (phase `append`). */
  sweep?: number;
}

function matches(r: FaultRule, op: WriteOp, path: string, ctx: WriteContext): boolean {
  if (r.op !== op) return false;
  if (r.pathIncludes !== undefined && !path.includes(r.pathIncludes)) return false;
  if (r.pathEndsWith !== undefined && !path.endsWith(r.pathEndsWith)) return false;
  if (r.phase !== undefined && r.phase !== ctx.phase) return false;
  if (r.fromSweep !== undefined && (ctx.phase !== 'append' || ctx.sweep === undefined || ctx.sweep < r.fromSweep)) return false;
  return true;
}

export function planInjector(plan: FaultPlan, ctx: WriteContext): FaultInjector {
  return (op, path) => {
    const hit = plan.find((r) => matches(r, op, path, ctx));
    if (hit) throw new Error(hit.message);
  };
}
