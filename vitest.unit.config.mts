/**
 * The fast tier (`npm run test:unit`): the layering check, plan validation and its corpus of bad plans, the
 * analysis rules, tables of the pure helpers, and the table of plan → platform calls for every strategy and message
 * on Temporal's time-skipping test server with a recording platform (no dev server, no moto, no cluster).
 * `npm test` runs these too.
 */
import { defineConfig } from 'vitest/config';

export const UNIT_TESTS = [
  'test/unit/**/*.test.ts',
  'test/activities/workload-contract.test.ts',
  'test/plan/**/*.test.ts',
  'test/analysis/evaluate.test.ts',
  'test/analysis/schema.test.ts',
  'test/workflow/strategy-calls.test.ts',
];

export default defineConfig({
  test: {
    include: UNIT_TESTS,
    globalSetup: ['test/unit-setup.ts'],
    // A developer's own encryption keys must not reach the tests (see the file).
    setupFiles: ['test/support/no-ambient-keys.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
