/** Stable codes of the NWB layer's errors (DESIGN §9). */
export type NwbErrorCode =
  | 'NWB_BAD_OPTIONS' // metadata or writer options with wrong types or values
  | 'NWB_EXISTS' // the target file exists and overwrite was not asked for
  | 'NWB_UNWRITABLE' // the target path cannot be created or written
  | 'NWB_SCHEMA_MISSING' // the configured schema directory lacks the namespace files
  | 'NWB_BAD_SWEEP' // a sweep that cannot be stored (wrong order, no channels, unknown headstage …)
  | 'NWB_WRITE_FAILED' // the file layer failed while writing; the file keeps the earlier sweeps
  | 'NWB_CLOSED' // the writer was closed or stopped by an earlier failure
  | 'NWB_NOT_PATCHRIG'; // the reader was given a file that is not one of ours

export class NwbError extends Error {
  readonly code: NwbErrorCode;
  readonly problems: string[];
  constructor(code: NwbErrorCode, message: string, problems: string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NwbError';
    this.code = code;
    this.problems = problems;
  }
}

/** The message of anything thrown (h5wasm throws Errors carrying the HDF5 error stack). */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.message;
  return String(e);
}
