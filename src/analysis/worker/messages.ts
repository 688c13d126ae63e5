import type { Sweep } from '../../core/sweep.ts';
import type { AnalysisEvent } from '../online.ts';

/** Main thread → analysis thread. */
export type AnalysisRequest = { id: number; op: 'sweep'; sweep: Sweep } | { id: number; op: 'reset' };

/** Analysis thread → main thread: the event of one sweep, or why it could not be analysed. */
export type AnalysisReply = { id: number; ok: true; event?: AnalysisEvent } | { id: number; ok: false; error: string };
