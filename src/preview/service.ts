/**
 * The daemon's plan previews of pull requests: a queue of its own beside the reconcile loop, so a preview never
 * takes the loop's single flight, its lock or its journal, and the main branch's runs never wait for one. One preview
 * plans at a time; per pull request the newest push wins: a push to a pull request whose preview is running aborts it
 * (`superseded`), one still queued is replaced. Each preview fetches the pull request's head ref from the watched
 * repository, validates and plans it read-only (plan.ts), and hands the record to the publishers (status branch
 * file, forge status and comment); a publisher that fails is logged and noted on the record, nothing more.
 */
import type { Logger as PinoLogger } from 'pino';
import type { Metrics } from '../metrics/index.js';
import { describe as describeError } from '../errors.js';
import { createLoadCache } from '../loader/cache.js';
import type { Runtime } from '../reconcile/runtime.js';
import type { PullRequestEvent } from '../server/pull-request.js';
import type { Revision } from '../source/types.js';
import { renderPreviewMarkdown } from './markdown.js';
import { queuedRecord, withPlan, type PreviewRecord } from './model.js';
import { planPreview } from './plan.js';

/** Where a finished preview goes. Each returns a short outcome for the record (`ok`, a commit id). */
export interface PreviewPublisher {
  name: keyof PreviewRecord['published'];
  started?(record: PreviewRecord): Promise<void>;
  finished(record: PreviewRecord, markdown: string): Promise<string>;
  /** A running preview of `record.commit ?? record.headSha` gave way to a newer push. */
  superseded?(record: PreviewRecord): Promise<void>;
  closed?(number: number): Promise<void>;
}

export interface PreviewServiceOptions {
  rt: Runtime;
  /** Fetches the pull request's head (its fetchRef) as a complete checkout. */
  fetch(event: PullRequestEvent): Promise<Revision>;
  /** Drops what `fetch` keeps for a closed pull request (its Git cache). */
  forget?(number: number): Promise<void>;
  publishers: PreviewPublisher[];
  /** Link to a preview as data, for the comment (`<publicUrl>/previews/<n>`). */
  link?(number: number): string | undefined;
  logger: PinoLogger;
  metrics?: Metrics;
  now?: () => Date;
  /** How many finished previews are kept for GET /previews (oldest dropped first). */
  keep?: number;
}

export interface PreviewService {
  /** Queues a preview (or supersedes the running one of the same pull request); returns at once. */
  request(event: PullRequestEvent): void;
  /** Aborts and forgets a closed pull request's preview. */
  close(number: number): void;
  list(): PreviewRecord[];
  get(number: number): PreviewRecord | undefined;
  /** Resolves when nothing is running or queued. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function createPreviewService(opts: PreviewServiceOptions): PreviewService {
  const now = opts.now ?? (() => new Date());
  const keep = opts.keep ?? 200;
  const records = new Map<number, PreviewRecord>();
  const pending = new Map<number, PullRequestEvent>();
  let current: { number: number; controller: AbortController } | undefined;
  let worker: Promise<void> | undefined;
  let stopped = false;
  /** Publishing a close runs beside the queue; idle() waits for it too. */
  const background = new Set<Promise<void>>();
  const log = opts.logger;
  const loadCache = createLoadCache();

  const save = (record: PreviewRecord): void => {
    records.delete(record.number);
    records.set(record.number, record);
    while (records.size > keep) records.delete(records.keys().next().value!);
  };

  async function each(what: string, fn: (p: PreviewPublisher) => Promise<void>): Promise<void> {
    for (const p of opts.publishers) {
      await fn(p).catch((err: unknown) => log.warn({ err: describeError(err), publisher: p.name, what }, 'plan preview: publishing failed'));
    }
  }

  async function publish(record: PreviewRecord): Promise<void> {
    const markdown = renderPreviewMarkdown(record, { ...(opts.link?.(record.number) ? { link: opts.link(record.number)! } : {}) });
    const published: PreviewRecord['published'] = {};
    for (const p of opts.publishers) {
      published[p.name] = await p.finished(record, markdown).catch((err: unknown) => {
        log.warn({ err: describeError(err), publisher: p.name, number: record.number }, 'plan preview: publishing failed');
        return `error: ${describeError(err)}`;
      });
    }
    // A newer push may have queued meanwhile: the record in the map is then the newer one.
    const latest = records.get(record.number);
    if (latest === undefined || latest.requestedAt === record.requestedAt) save({ ...record, published });
  }

  async function runOne(event: PullRequestEvent): Promise<void> {
    const controller = new AbortController();
    current = { number: event.number, controller };
    let record: PreviewRecord = { ...(records.get(event.number) ?? queuedRecord(event, now())), state: 'running', startedAt: now().toISOString() };
    save(record);
    await each('started', async (p) => p.started?.(record));
    try {
      const revision = await opts.fetch(event);
      if (controller.signal.aborted) throw controller.signal.reason;
      const preview = await planPreview(opts.rt, revision, controller.signal, { loadCache });
      if (controller.signal.aborted) throw controller.signal.reason;
      record = { ...withPlan(record, preview), finishedAt: now().toISOString() };
    } catch (err) {
      if (controller.signal.aborted) {
        log.info({ number: event.number, commit: event.headSha }, 'plan preview superseded by a newer push');
        const gone = { ...record, state: 'superseded' as const, summary: 'superseded by a newer push', finishedAt: now().toISOString() };
        opts.metrics?.inc('driftless_previews_total', { forge: event.forge, state: 'superseded' });
        await each('superseded', async (p) => p.superseded?.(gone));
        return;
      }
      record = { ...record, state: 'error', summary: `could not be planned: ${describeError(err)}`, finishedAt: now().toISOString() };
    } finally {
      current = undefined;
    }
    log.info({ number: record.number, commit: record.commit, state: record.state, summary: record.summary }, 'plan preview');
    opts.metrics?.inc('driftless_previews_total', { forge: event.forge, state: record.state });
    await publish(record);
  }

  async function drain(): Promise<void> {
    while (!stopped && pending.size > 0) {
      const [number, event] = pending.entries().next().value!;
      pending.delete(number);
      await runOne(event).catch((err: unknown) => log.error({ err }, 'plan preview failed unexpectedly'));
    }
  }

  const kick = (): void => {
    worker ??= drain().finally(() => {
      worker = undefined;
      if (!stopped && pending.size > 0) kick();
    });
  };

  return {
    request(event) {
      if (stopped) return;
      if (current?.number === event.number) current.controller.abort(new Error('superseded by a newer push'));
      pending.delete(event.number);
      pending.set(event.number, event);
      save(queuedRecord(event, now()));
      kick();
    },
    close(number) {
      pending.delete(number);
      if (current?.number === number) current.controller.abort(new Error('pull request closed'));
      const record = records.get(number);
      if (record) save({ ...record, state: 'closed', summary: 'the pull request was closed' });
      const done: Promise<void> = (async () => {
        await worker; // the aborted run finishes first, so its checkout is not removed under it
        await each('closed', async (p) => p.closed?.(number));
        await opts.forget?.(number).catch(() => undefined);
      })().finally(() => background.delete(done));
      background.add(done);
    },
    list: () => [...records.values()].reverse(),
    get: (number) => records.get(number),
    async idle() {
      while (worker || background.size > 0) {
        await worker;
        await Promise.all(background);
      }
    },
    async stop() {
      stopped = true;
      pending.clear();
      current?.controller.abort(new Error('daemon stopping'));
      while (worker) await worker;
    },
  };
}
