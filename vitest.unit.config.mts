/**
 * The fast tier (`npm run test:unit`): tests that need no server at all — the layering check, plan validation
 * and its corpus of bad plans, the analysis rules, and tables of the pure helpers. `npm test` runs these too.
 */
import { defineConfig } from 'vitest/config';

export const UNIT_TESTS = ['test/unit/**/*.test.ts', 'test/activities/workload-contract.test.ts', 'test/plan/**/*.test.ts', 'test/analysis/evaluate.test.ts', 'test/analysis/schema.test.ts'];

export default defineConfig({
  test: {
    include: UNIT_TESTS,
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
