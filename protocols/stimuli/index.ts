/** Pure stimulus builders: each returns { samples, epochs } on the sample grid of timing.ts. */
export * from './timing.ts';
export * from './square.ts';
export * from './pulse-train.ts';
export * from './ramp.ts';
export * from './chirp.ts';
export * from './noise.ts';
export * from './holding.ts';
export * from './test-pulse.ts';
