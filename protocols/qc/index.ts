/** Quality control of sweeps and pulse responses (reference §7): pure functions returning QcResult. */
export * from './baseline.ts';
export * from './recording.ts';
export * from './pulse.ts';
