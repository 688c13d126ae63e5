import { defineConfig } from 'vitest/config';
import SummaryReporter from './tests/support/summary-reporter.ts';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // forks: native addons (serialport) are happiest in their own processes.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', new SummaryReporter()],
  },
});
