import { defineConfig } from 'vitest/config';

/**
 * Integration tests share one Docker engine and a few real hosts, so files run in a small fork pool;
 * the harness's global setup starts the engine and builds the base host image once per run.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});
