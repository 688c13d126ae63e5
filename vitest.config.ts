import { defineConfig } from 'vitest/config';
import SummaryReporter from './tests/support/summary-reporter.ts';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // forks: native addons (serialport) are happiest in their own processes.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll waits for state that arrives asynchronously (a browser page behind a stream of
    // trace frames, a service event): on CI's 2 shared cores 1 s (the default) was too short —
    // the controller's "1 viewer watching" arrived later and failed a run. Only a failure waits.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default', new SummaryReporter()],
  },
});
