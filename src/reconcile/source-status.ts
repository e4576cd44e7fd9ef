/**
 * Talks to the source on the daemon's behalf, counting every Git request by type and result, and keeps the
 * journal's `sourceStatus` current: it flips to not-ok with the reason as soon as a poll or fetch fails, and back
 * when the source answers again. Writes happen on a change (and at most once a minute otherwise), not per poll.
 * A commit whose content is refused (an empty tree, an unsafe tree) is remembered: while the ref still points at
 * it, polls answer without marking the source ok again and nothing is fetched, so one refusal is one status entry
 * and one log line, not a retry every few seconds.
 */
import type { Logger as PinoLogger } from 'pino';
import { describe as describeError } from '../errors.js';
import type { Journal } from '../journal/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Revision, Source } from '../source/types.js';
import type { LoopClock } from './loop.js';

export interface SourceTracker {
  poll(source: Source): Promise<string | undefined>;
  fetch(source: Source): Promise<Revision>;
  /** Records a failure; returns how many failures in a row (for backoff). */
  failed(op: 'poll' | 'fetch', err: unknown): Promise<number>;
  /** Records that `commit` was refused for what it holds; it is not fetched again while the ref points at it. */
  refuse(commit: string, err: unknown): Promise<void>;
  /** True while `commit` is the refused one. */
  isRefused(commit: string): boolean;
  /** When the source last answered or failed (ISO time): kept per poll in memory, written to the journal less often. */
  checkedAt(): string | undefined;
}

const REFRESH_MS = 60_000;

export interface SourceTrackerDeps {
  journal: Journal;
  metrics: Metrics;
  logger: PinoLogger;
  clock: LoopClock;
  /** After the source's state changed (became unavailable, refused a commit, recovered): the status report follows. */
  onChange?: (message: string) => void;
}

export function createSourceTracker(deps: SourceTrackerDeps): SourceTracker {
  let failures = 0;
  let lastOkWrite = 0;
  let refused: string | undefined;
  let checkedAt: string | undefined;
  const type = (source: Source, op: string) => (source.describe().startsWith('dir ') ? `dir-${op}` : op);

  async function ok(): Promise<void> {
    const now = deps.clock.now();
    checkedAt = new Date(now).toISOString();
    const wasFailing = failures > 0 || deps.journal.peek((d) => d.sourceStatus?.ok === false);
    const wasRefused = refused;
    failures = 0;
    refused = undefined;
    if (!wasFailing && now - lastOkWrite < REFRESH_MS) return;
    lastOkWrite = now;
    if (wasRefused) deps.logger.info({ refused: wasRefused }, 'source moved past the refused commit');
    else if (wasFailing) deps.logger.info({}, 'source available again');
    await deps.journal.update((d) => {
      d.sourceStatus = { ok: true, checkedAt: new Date(now).toISOString() };
    });
    if (wasFailing || wasRefused) deps.onChange?.('driftless status: source available');
  }

  return {
    async poll(source) {
      try {
        const commit = await source.poll();
        deps.metrics.inc('driftless_git_requests_total', { type: type(source, 'ls-remote'), result: 'ok' });
        if (commit && commit !== refused) await ok();
        else checkedAt = new Date(deps.clock.now()).toISOString();
        return commit;
      } catch (err) {
        deps.metrics.inc('driftless_git_requests_total', { type: type(source, 'ls-remote'), result: 'error' });
        throw err;
      }
    },
    async fetch(source) {
      try {
        const rev = await source.fetch();
        deps.metrics.inc('driftless_git_requests_total', { type: type(source, 'fetch'), result: 'ok' });
        return rev;
      } catch (err) {
        deps.metrics.inc('driftless_git_requests_total', { type: type(source, 'fetch'), result: 'error' });
        throw err;
      }
    },
    async failed(op, err) {
      failures += 1;
      checkedAt = new Date(deps.clock.now()).toISOString();
      const message = `source unavailable (${op}): ${describeError(err)}; nothing applied or pruned, last good revision stays in force`;
      deps.logger.warn({ failures }, message);
      await deps.journal.update((d) => {
        d.sourceStatus = { ok: false, message, checkedAt: new Date(deps.clock.now()).toISOString() };
      });
      if (failures === 1) deps.onChange?.(`driftless status: source unavailable (${op})`);
      return failures;
    },
    async refuse(commit, err) {
      failures = 0;
      if (refused === commit) return;
      refused = commit;
      const message = `refusing commit ${commit.slice(0, 12)}: ${describeError(err)}; not fetched again until the ref moves, last good revision stays in force`;
      deps.logger.warn({ commit }, message);
      await deps.journal.update((d) => {
        d.sourceStatus = { ok: false, message, checkedAt: new Date(deps.clock.now()).toISOString(), refusedCommit: commit };
      });
      deps.onChange?.(`driftless status: refusing ${commit.slice(0, 12)}`);
    },
    isRefused: (commit) => refused === commit,
    checkedAt: () => checkedAt,
  };
}
