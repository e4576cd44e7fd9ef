import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit` (`*.unit.test.ts`) is pure code, temp dirs, in-process servers and the local git binary: no
 * global setup, so it runs in seconds without Docker; test/architecture/test-projects.unit.test.ts keeps it that way.
 * `integration` (every other `*.test.ts`) shares one Docker engine and a few real hosts, so its files run in a small
 * fork pool and the harness's global setup starts the engine and builds the base host image once per run (vitest
 * runs a project's global setup only when that project has a file to run, so `--project unit` never touches Docker).
 */
const shared = { testTimeout: 120_000, hookTimeout: 600_000 };

export default defineConfig({
  test: {
    reporters: ['default'],
    // Pool sizes and isolation are per pool, not per project, hence one pool per project. Measured on 2 cores: the
    // unit files take 53 s with a fresh process per file and 14 s sharing the module graph (collect 31 s -> 7 s).
    // Unit files keep no state between files that this could leak (the guard test keeps engines and hosts out).
    poolOptions: { forks: { maxForks: 2, minForks: 1 }, threads: { maxThreads: 2, minThreads: 1, isolate: false } },
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.unit.test.ts'],
          pool: 'threads',
          // Runs before integration, not beside it: CPU-bound unit tests with a wall-clock budget (the loader's 5 s
          // parse limit in hostile-yaml) failed when they shared the 2 cores with the integration forks.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          pool: 'forks',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.unit.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
        },
      },
    ],
  },
});
