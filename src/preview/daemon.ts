/**
 * Plan previews as the daemon runs them: which pull request events are taken (not forks unless allowed, only the
 * configured repository), how a head is fetched (the watched repository's own pull request ref, with the daemon's
 * Git credentials, into a cache per pull request under `<state>/previews/git/`), and where previews are published.
 * The forge token is a secret of the operator's catalogue, resolved for each request URL, so its binding
 * (`allow.urls`) decides where it may go, as for every secret.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import type { Metrics } from '../metrics/index.js';
import type { DaemonConfig } from '../config/index.js';
import type { Runtime } from '../reconcile/runtime.js';
import type { PullRequestEvent } from '../server/pull-request.js';
import type { PreviewIntake } from '../server/webhooks.js';
import { openSource, type Source } from '../source/index.js';
import { createForgeClient } from './forge/index.js';
import { forgePublisher, statusBranchPublisher } from './publishers.js';
import { createPreviewService, type PreviewPublisher, type PreviewService } from './service.js';

export interface DaemonPreviews {
  service: PreviewService;
  intake: PreviewIntake;
}

export interface DaemonPreviewOptions {
  config: DaemonConfig;
  rt: Runtime;
  /** Commits one file of the status branch; undefined when status pushes are off. */
  writeStatusFile?: (path: string, content: string | undefined, message: string) => Promise<string>;
  logger: PinoLogger;
  metrics?: Metrics;
}

/** Previews for a Git source with previews enabled; undefined otherwise (pull request deliveries are then ignored). */
export function startDaemonPreviews(opts: DaemonPreviewOptions): DaemonPreviews | undefined {
  const { config, rt } = opts;
  const spec = config.source;
  if (!config.previews.enabled || spec.type !== 'git') return undefined;
  const settings = config.previews;
  const cacheRoot = join(config.stateDir, 'previews', 'git');
  const sources = new Map<number, Promise<Source>>();
  const link = (n: number) => (settings.publicUrl ? `${settings.publicUrl}/previews/${n}` : undefined);
  const publishers: PreviewPublisher[] = [];
  if (opts.writeStatusFile) publishers.push(statusBranchPublisher(opts.writeStatusFile));
  const forge = settings.forge;
  if (forge) {
    const client = createForgeClient(forge.type, {
      api: forge.api,
      repository: forge.repository,
      token: async (url) => (await rt.secrets.resolve(forge.token, { url })).trim(),
    });
    publishers.push(forgePublisher(client, { context: settings.context, link }));
  }
  const open = (number: number, ref: string) =>
    openSource(
      { type: 'git', url: spec.url, ref, ...(spec.auth ? { auth: spec.auth } : {}) },
      { cacheDir: join(cacheRoot, String(number)), secrets: rt.operatorSecrets, knownHostsFile: join(config.stateDir, 'git_known_hosts') },
    );
  const service = createPreviewService({
    rt,
    publishers,
    link,
    logger: opts.logger,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    async fetch(event) {
      let source = sources.get(event.number);
      if (!source) {
        source = open(event.number, event.fetchRef);
        sources.set(event.number, source);
        source.catch(() => sources.delete(event.number));
      }
      const revision = await (await source).fetch();
      if (revision.commit === event.headSha) return revision;
      // The forge updates the pull request's ref on its own schedule: it may still name the previous head (plan the
      // commit the delivery named, when the server lets us fetch it by id) or already a newer one (whose own delivery
      // follows): then the ref's commit is what there is to plan.
      return (await open(event.number, event.headSha)).fetch().catch(() => revision);
    },
    async forget(number) {
      sources.delete(number);
      await rm(join(cacheRoot, String(number)), { recursive: true, force: true });
    },
  });
  const sameRepository = (event: PullRequestEvent): boolean => {
    if (!forge) return true;
    const want = forge.repository.toLowerCase();
    const named = [event.repository, event.projectId].filter((x): x is string => x !== undefined).map((x) => x.toLowerCase());
    return named.length === 0 || named.includes(want);
  };
  const intake: PreviewIntake = {
    take(event) {
      if (!sameRepository(event)) return 'ignored_repository';
      if (event.action === 'close') {
        service.close(event.number);
        return 'closed';
      }
      if (event.fromFork && !settings.forks) return 'ignored_fork';
      service.request(event);
      return 'accepted';
    },
  };
  return { service, intake };
}
