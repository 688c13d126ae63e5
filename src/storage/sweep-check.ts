import type { Sweep } from '../core/sweep.ts';
import { NwbError } from './errors.ts';
import type { NwbWriterSetup } from './metadata.ts';

/**
 * Refuses a sweep that cannot be stored before anything of it is written (or sent to the writer's
 * thread): NwbError NWB_BAD_SWEEP listing every problem. `lastIndex` is the index of the last
 * sweep accepted before (−1 for none).
 */
export function checkSweep(s: Sweep, setup: NwbWriterSetup, lastIndex: number): void {
  const p: string[] = [];
  if (!Number.isInteger(s.index) || s.index < 0 || s.index > 0xffffffff) p.push(`index ${s.index} is not a uint32`);
  else if (s.index <= lastIndex) p.push(`index ${s.index} is not after the last stored sweep ${lastIndex}`);
  if (!(s.sampleRate > 0) || !Number.isFinite(s.sampleRate)) p.push(`sampleRate ${s.sampleRate} must be > 0`);
  if (Number.isNaN(Date.parse(s.startTime))) p.push(`startTime ${JSON.stringify(s.startTime)} is not an ISO date`);
  if (s.channels.length === 0) p.push('the sweep has no channels');
  const seen = new Set<number>();
  for (const ch of s.channels) {
    if (seen.has(ch.headstage)) p.push(`headstage ${ch.headstage} appears twice`);
    seen.add(ch.headstage);
    if (!setup.headstages.some((h) => h.headstage === ch.headstage)) p.push(`headstage ${ch.headstage} was not declared`);
    if (ch.mode !== 'I=0' && ch.command.length !== ch.response.length) {
      p.push(`headstage ${ch.headstage}: command has ${ch.command.length} samples, response ${ch.response.length}`);
    }
  }
  for (const e of s.epochs) {
    if (e.headstage !== undefined && !seen.has(e.headstage)) p.push(`epoch ${e.kind} names headstage ${e.headstage}, which is not in the sweep`);
    if (!(e.stop >= e.start)) p.push(`epoch ${e.kind} stops (${e.stop} s) before it starts (${e.start} s)`);
  }
  const strings = [s.protocol, s.stimulusName, JSON.stringify(s.parameters), ...s.epochs.map((e) => e.kind + JSON.stringify(e.params))];
  if (strings.some((x) => x.includes('\0'))) p.push('text contains a NUL character');
  if (p.length > 0) throw new NwbError('NWB_BAD_SWEEP', `sweep ${s.index} cannot be stored: ${p.join('; ')}`, p);
}
