import { accessSync, closeSync, constants, existsSync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { NwbError, messageOf } from './errors.ts';

/** Refuses a target that exists (without overwrite), is a directory, or sits in a directory we cannot write. */
export function checkTarget(target: string, overwrite: boolean): void {
  if (existsSync(target)) {
    if (statSync(target).isDirectory()) throw new NwbError('NWB_UNWRITABLE', `cannot create NWB file ${target}: it is a directory`);
    if (!overwrite) throw new NwbError('NWB_EXISTS', `NWB file ${target} already exists (use overwrite to replace it)`);
  }
  const dir = dirname(target);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new NwbError('NWB_UNWRITABLE', `cannot create NWB file ${target}: directory ${dir} is not writable (${messageOf(e)})`);
  }
}

/** Makes a rename in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
