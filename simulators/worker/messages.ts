import type { ChannelAnalogSettings } from '../devices/amplifier/analog-path.ts';
import type { OverloadChange } from './analog-spec.ts';

/**
 * Messages between WorkerWiring (main thread) and analog-worker.ts. Sample buffers are flat,
 * channel after channel (channel k at [k·n, (k + 1)·n)), and are transferred, never copied: the
 * AO buffer goes to the worker and comes back with the AI buffer, so both are reused every block.
 */
export interface BlockRequest {
  id: number;
  n: number;
  dt: number;
  nAo: number;
  nAi: number;
  ao: Float64Array<ArrayBuffer>;
  /** Where the worker writes the inputs (the previous block's AI buffer, handed back). */
  ai: Float64Array<ArrayBuffer>;
  /** Settings of every channel of every amplifier at the start of the block. */
  settings: ChannelAnalogSettings[][];
}

export type BlockReply =
  | { id: number; ao: Float64Array<ArrayBuffer>; ai: Float64Array<ArrayBuffer>; overloads: OverloadChange[] }
  | { id: number; error: string };
