import { existsSync, openSync, readSync, closeSync } from 'node:fs';
import { NwbError } from '../storage/errors.ts';
import { readNwb } from '../storage/reader.ts';
import { OnlineAnalysis } from './online.ts';

/** A file the offline analysis cannot use, with one sentence saying why. */
export class AnalysisInputError extends Error {
  readonly code: 'ANALYSIS_NO_FILE' | 'ANALYSIS_NOT_NWB' | 'ANALYSIS_NO_ICEPHYS';
  constructor(code: AnalysisInputError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AnalysisInputError';
    this.code = code;
  }
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** NWB 2 files are HDF5: the signature sits at offset 0 (or 512, 1024, … after a user block). */
function looksLikeHdf5(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let off = 0; off <= 8192; off = off === 0 ? 512 : off * 2) {
      if (readSync(fd, buf, 0, 8, off) < 8) return false;
      if (buf.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * The offline path: the sweeps of a patchrig NWB file, in sweep order, through the same
 * OnlineAnalysis the service runs after each sweep — so both give identical tables.
 */
export async function analyzeNwbFile(path: string): Promise<OnlineAnalysis> {
  if (!existsSync(path)) throw new AnalysisInputError('ANALYSIS_NO_FILE', `${path} does not exist`);
  if (!looksLikeHdf5(path)) throw new AnalysisInputError('ANALYSIS_NOT_NWB', `${path} is not an NWB file (it is not HDF5)`);
  let sweeps;
  try {
    ({ sweeps } = await readNwb(path));
  } catch (e) {
    if (e instanceof NwbError) throw new AnalysisInputError('ANALYSIS_NOT_NWB', e.message, { cause: e });
    throw e;
  }
  if (sweeps.length === 0) throw new AnalysisInputError('ANALYSIS_NO_ICEPHYS', `${path} has no intracellular electrophysiology sweeps to analyse`);
  const analysis = new OnlineAnalysis();
  for (const s of [...sweeps].sort((a, b) => a.index - b.index)) analysis.addSweep(s);
  return analysis;
}
