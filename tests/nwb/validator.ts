/**
 * Runs tests/nwb/validate_nwb.py (hdmf 3.5.1 validator + our own checks, nwb.md §8) through
 * Debian's /usr/bin/python3 — the `python3` on PATH may be an interpreter without python3-hdmf.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');
export const SCHEMA_DIR = resolve(REPO_ROOT, '..', 'shared', 'nwb-schema');
export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(here, 'validate_nwb.py');

export const VALIDATOR_REQUIRED =
  `the NWB validation tests need ${PYTHON} with Debian python3-hdmf (3.5.1) and python3-h5py, ` + `and the NWB schema in ${SCHEMA_DIR}`;

let available: boolean | undefined;
export function hasValidator(): boolean {
  available ??= existsSync(join(SCHEMA_DIR, 'core', 'nwb.namespace.yaml')) && existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import hdmf, h5py']).status === 0;
  return available;
}

export interface Validation {
  file: string;
  errors: string[];
  cached_errors: string[];
  check_errors: string[];
  sweeps: number[];
  /** Rows of each icephys table not (yet) referenced by the table above it. */
  ungrouped: Record<string, number>;
  open_error: string | null;
}

/** Validates files in one Python process (the schema is loaded once). */
export function validate(files: string[], opts: { cached?: boolean } = {}): Promise<Validation[]> {
  const flags = opts.cached === false ? ['--no-cached'] : [];
  return new Promise((resolvePromise, reject) => {
    execFile(PYTHON, [SCRIPT, ...flags, SCHEMA_DIR, ...files], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
      if (lines.length !== files.length) {
        reject(new Error(`validate_nwb.py failed (${err?.message ?? 'no output'}): ${stderr}`));
        return;
      }
      resolvePromise(lines.map((l) => JSON.parse(l) as Validation));
    });
  });
}

/** Runs a small Python snippet with h5py on a file (to corrupt copies, read what h5wasm cannot). */
export function h5py(code: string, file: string): string {
  const r = spawnSync(PYTHON, ['-c', `import sys, h5py, numpy as np\nf = h5py.File(sys.argv[1], 'a')\n${code}\nf.close()`, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`h5py snippet failed: ${r.stderr}`);
  return r.stdout;
}
