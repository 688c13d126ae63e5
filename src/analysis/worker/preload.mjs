// Preloaded (`--import`) into the online-analysis worker thread, which Node starts without the
// parent's loader: TypeScript sources run through tsx as the bin scripts run them, without
// tsconfig.json's type-checking-only `paths` (docs/decisions/0001). nodejs-polars is a native
// CommonJS addon that loads in worker threads; it is required by the analysis modules themselves.
import { register } from 'tsx/esm/api';

register({ tsconfig: false });
