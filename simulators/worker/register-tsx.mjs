// Preloaded (`--import`) into the analog worker thread, which Node starts without the parent's
// loader: TypeScript sources run through tsx's loader exactly as bin/run-ts.js and bin/patchrig.js
// run them, without tsconfig.json's type-checking-only `paths` (docs/decisions/0001).
import { register } from 'tsx/esm/api';

register({ tsconfig: false });
