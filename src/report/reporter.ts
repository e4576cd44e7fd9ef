/**
 * Pushes the status report in the background so a slow or unreachable Git host never delays a reconcile. One
 * push at a time; requests made meanwhile collapse into one follow-up with the newest report (latest wins). A run
 * that changed something is always reported; otherwise at most every `minIntervalMs`.
 */
import type { Logger as PinoLogger } from 'pino';
import { describe as describeError } from '../errors.js';
import type { Metrics } from '../metrics/index.js';

export interface ReporterOptions {
  /** Builds the files now (reads the journal at push time, so the newest state wins). */
  build: () => Record<string, string>;
  /** Writes and commits the files; returns the commit id (or a local path for directory targets). */
  write: (files: Record<string, string>, message: string) => Promise<string>;
  minIntervalMs: number;
  metrics?: Metrics;
  logger: PinoLogger;
  now?: () => number;
}

export interface Reporter {
  /** Reports after a run; `changed` forces a report, otherwise it waits out the interval. */
  report(changed: boolean, message: string): void;
  /** Resolves when nothing is being pushed or queued. */
  flush(): Promise<void>;
  readonly pushes: number;
  readonly lastCommit?: string;
  readonly lastError?: string;
}

export function createReporter(opts: ReporterOptions): Reporter {
  const now = opts.now ?? Date.now;
  let lastAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;
  let queued: string | undefined;
  let pushes = 0;
  let lastCommit: string | undefined;
  let lastError: string | undefined;

  async function push(message: string): Promise<void> {
    try {
      const commit = await opts.write(opts.build(), message);
      pushes += 1;
      lastCommit = commit;
      lastError = undefined;
      opts.metrics?.inc('driftless_git_requests_total', { type: 'status-push', result: 'ok' });
      opts.logger.info({ commit }, 'status report committed');
    } catch (err) {
      lastError = describeError(err);
      opts.metrics?.inc('driftless_git_requests_total', { type: 'status-push', result: 'error' });
      opts.logger.warn({ err: lastError }, 'status report not committed; will retry with the next report');
    }
  }

  function start(message: string): void {
    lastAt = now();
    inFlight = push(message).finally(() => {
      inFlight = undefined;
      const next = queued;
      queued = undefined;
      if (next !== undefined) start(next);
    });
  }

  return {
    report(changed, message) {
      if (!changed && now() - lastAt < opts.minIntervalMs) return;
      if (inFlight) queued = message;
      else start(message);
    },
    async flush() {
      while (inFlight) await inFlight;
    },
    get pushes() {
      return pushes;
    },
    get lastCommit() {
      return lastCommit;
    },
    get lastError() {
      return lastError;
    },
  };
}
