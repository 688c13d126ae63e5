// Preloaded (`--import`) into the NWB writer's worker thread, which Node starts without the
// parent's loader (vitest's, bin/patchrig.js's or bin/run-ts.js's): TypeScript sources run through
// tsx's loader as the bin scripts run them, without tsconfig.json's type-checking-only `paths`
// (docs/decisions/0001).
//
// h5wasm and yaml are imported first, by Node itself: through tsx's hooks h5wasm's multi-megabyte
// module takes seconds to load instead of tens of milliseconds, and a writer is created per
// experiment. The writer's own imports of them then find them in the module cache.
import 'h5wasm/node';
import 'yaml';
import { register } from 'tsx/esm/api';

register({ tsconfig: false });
