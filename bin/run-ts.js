#!/usr/bin/env node
// Runs one TypeScript entry file (benchmarks, child processes of tests) the way bin/patchrig.js
// runs the CLI: through tsx, without tsconfig.json's type-checking-only `paths`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: run-ts.js FILE.ts [args...]\n');
  process.exit(2);
}
process.argv = [process.argv[0], resolve(file), ...rest];
register({ tsconfig: false });
await import(pathToFileURL(resolve(file)).href);
