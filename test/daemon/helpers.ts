/**
 * Shared by the daemon tests: the HTTP surface with test defaults (every dependency overridable), and the problems
 * of a daemon config that is refused.
 */
import { emptyJournal } from '../../src/journal/types.js';
import { ConfigError } from '../../src/config/index.js';
import { buildServer, createMetrics, type ServerDeps } from '../../src/server/index.js';
import { createLogger } from '../../src/util/logger.js';

/** buildServer with quiet defaults: no receivers, an empty journal, a ready daemon with nothing running. */
export function testServer(over: Partial<ServerDeps> = {}): ReturnType<typeof buildServer> {
  return buildServer({
    secrets: {},
    bodyLimit: 2048,
    burst: 10,
    perSecond: 1,
    replayWindowMs: 60_000,
    branch: 'main',
    statusBranch: () => 'driftless/status',
    requestFetch: () => undefined,
    metrics: createMetrics(),
    logger: createLogger({ level: 'silent' }),
    read: emptyJournal,
    live: () => ({ description: 'test', branch: 'main', ready: true, running: false }),
    ...over,
  });
}

/** The problems a refused config lists; fails the test when `fn` does not throw a ConfigError. */
export function configProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
