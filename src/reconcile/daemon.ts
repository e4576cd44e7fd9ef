/**
 * Composition root of `driftless serve`: one runtime for the daemon's life (SSH connections reused across runs),
 * the source, the loop, the status reporter, the HTTP server and, for a local directory, a file watcher. The
 * runtime holds the state-directory lock for the daemon's life, so a CLI apply cannot run underneath it.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { tokenProblem } from '../config/http.js';
import type { DaemonConfig, WebhookSource } from '../config/index.js';
import { StalledError } from '../errors.js';
import type { OperatorSecretRef } from '../model/resource.js';
import { createReporter, type Reporter } from '../report/reporter.js';
import { renderReport } from '../report/render.js';
import type { LiveState } from '../report/view.js';
import { buildServer, createMetrics, type Metrics } from '../server/index.js';
import { createDashboardFeed } from '../server/dashboard/feed.js';
import { openSource } from '../source/index.js';
import { createCycle, type Cycle } from './cycle.js';
import { createLoop, realClock, type Loop, type LoopClock } from './loop.js';
import { openRuntime, type Runtime } from './runtime.js';
import { resolveGitAuth, statusFileWriter, statusWriter } from './status-writer.js';
import { startDaemonPreviews, type DaemonPreviews } from '../preview/daemon.js';
import { startWatcher } from './watch.js';
import { createDeploymentReadModel } from '../kinds/cf-deployment/read-model.js';
import { openHa } from '../ha/index.js';
import { shareGitPins } from '../source/git-pins.js';
import { createOperatorSecretResolver, type OperatorSecretResolver } from '../secrets/operator.js';

export const DEFAULT_STATUS_BRANCH = 'driftless/status';

export interface Daemon {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:8080`. */
  url: string;
  loop: Loop;
  cycle: Cycle;
  reporter: Reporter;
  metrics: Metrics;
  runtime: Runtime;
  server: FastifyInstance;
  live(): LiveState;
  /** Plan previews of pull requests; undefined for a directory source or with `previews.enabled: false`. */
  previews?: DaemonPreviews;
  /** Cancels or finishes the current run (recorded), flushes the status report, closes everything. */
  stop(): Promise<void>;
}

export interface DaemonOptions {
  logger: PinoLogger;
  env?: NodeJS.ProcessEnv;
  clock?: LoopClock;
}

export async function startDaemon(config: DaemonConfig, opts: DaemonOptions): Promise<Daemon> {
  const logger = opts.logger;
  const clock = opts.clock ?? realClock;
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const feed = createDashboardFeed();
    const metrics = createMetrics({ processMetrics: true });
    // HA mode: shared state in etcd and one leader among the replicas (src/ha/); closed last, after the runtime.
    const ha = config.state ? await openHa({ config, secrets: createOperatorSecretResolver(opts.env ? { env: opts.env } : {}), metrics, logger }) : undefined;
    if (ha) cleanup.unshift(() => ha.close());
    // HA: pins of SSH Git remotes shared by the replicas (any replica may pin: followers fetch for previews).
    if (ha) {
      const unshare = shareGitPins(join(config.stateDir, 'git_known_hosts'), ha.open);
      cleanup.unshift(async () => unshare());
    }
    const rt = await openRuntime({
      stateDir: config.stateDir,
      logger,
      catalogue: config.secrets,
      oplog: (e) => feed.operation(e.key, e.level, e.msg, e.fields),
      ...(opts.env ? { env: opts.env } : {}),
      ...(ha ? { shared: ha.shared } : {}),
    });
    cleanup.unshift(() => rt.close());
    const source = await openSource(config.source, { cacheDir: join(config.stateDir, 'git-cache'), secrets: rt.operatorSecrets });
    const secrets: Partial<Record<WebhookSource, string>> = {};
    for (const [name, ref] of Object.entries(config.webhooks.secrets)) {
      secrets[name as WebhookSource] = await rt.operatorSecrets.resolve(ref);
    }
    const httpToken = config.http.token ? await resolveHttpToken(config.http.token, rt.operatorSecrets) : undefined;
    const httpBasic = config.http.basicAuth ? await resolveBasic(config.http.basicAuth, rt.operatorSecrets) : undefined;
    const tls = config.http.tls ? await resolveTls(config.http.tls, rt.operatorSecrets) : undefined;
    let loop: Loop | undefined;
    const cycle = createCycle({
      rt,
      source,
      metrics,
      logger,
      clock,
      intervalMs: config.intervalMs,
      driftIntervalMs: config.driftIntervalMs,
      backoff: config.backoff,
      supersede: (reason) => loop?.supersede(reason),
      onRun: (run, changed) => {
        feed.runEnded(run);
        reporter.report(changed, `driftless status: ${run.outcome} at ${run.revision.slice(0, 12)}`);
      },
      onPlan: (plan) => feed.setPlan(plan),
      onRunStart: (run) => feed.runStarted(run),
      onEngineEvent: (e, run) => feed.engineEvent(e, run),
      // Source outages and refused commits are part of the report: without this the branch kept saying what the
      // last run saw while the daemon refused a newer commit.
      onSourceChange: (message) => reporter.report(true, message),
    });
    const statusBranch = () => config.statusBranch ?? cycle.state().statusBranch ?? DEFAULT_STATUS_BRANCH;
    loop = createLoop({
      intervalMs: config.intervalMs,
      jitter: config.jitter,
      clock,
      // A follower's loop ticks but does nothing: only the leader polls, applies, prunes and reports.
      cycle: (req) => (ha && !ha.leadership.isLeader() ? Promise.resolve({}) : cycle.run(req)),
      onBusyTrigger: (reason) => cycle.onBusyTrigger(reason),
      onError: (err) => logger.error({ err }, 'cycle failed'),
    });
    if (ha) {
      // A new leader starts from what the previous one recorded, then runs at once; a deposed one stops its run.
      ha.leadership.on('elected', () => void ha.shared.journal.refresh().catch((err: unknown) => logger.warn({ err }, 'journal refresh failed')).finally(() => loop!.trigger('elected')));
      ha.leadership.on('deposed', () => loop!.supersede('deposed'));
      ha.onWake((reason) => loop!.trigger(reason));
    }
    const live = (): LiveState => {
      const s = cycle.state();
      const view = ha?.leadership.view();
      return {
        description: source.describe(),
        branch: config.source.type === 'git' ? config.branch : 'dir',
        // A follower is ready while it can serve the shared state; a leader once its first run finished.
        ready: view ? (view.role === 'leader' ? s.ready : view.role === 'follower') : s.ready,
        ...(view ? { ha: view } : {}),
        running: loop!.running,
        ...(s.headRevision ? { headRevision: s.headRevision } : {}),
        ...(s.current ? { current: s.current } : {}),
        ...(s.sourceCheckedAt ? { sourceCheckedAt: s.sourceCheckedAt } : {}),
      };
    };
    const auth = config.source.type === 'git' ? await resolveGitAuth(config.source.auth, rt.operatorSecrets) : undefined;
    // With pushes off for a Git source the writer discards the report: rendering one file per resource for it
    // cost a copy of the whole journal and megabytes of JSON per run for nothing.
    const discarded = config.source.type === 'git' && !config.statusPush;
    const reporter = createReporter({
      build: () => (discarded ? {} : rt.journal.peek((data) => renderReport(data, live()))),
      write: fenced(statusWriter({ config, auth, statusBranch, logger }), ha ? () => ha.leadership.fence() : undefined),
      minIntervalMs: config.statusIntervalMs,
      metrics,
      logger,
      now: () => clock.now(),
    });
    // Pull request previews: a queue of their own beside the loop (src/preview/); they never take its lock or flight.
    // Only the leader writes the status branch (HA): a follower's preview publishes over HTTP and to the forge only.
    const statusFile = statusFileWriter({ config, auth, statusBranch, logger });
    const writeStatusFile = statusFile ? fenced(statusFile, ha ? () => ha.leadership.fence() : undefined) : undefined;
    const previews = startDaemonPreviews({ config, rt, logger, metrics, ...(writeStatusFile ? { writeStatusFile } : {}) });
    if (previews) cleanup.unshift(() => previews.service.stop());
    const server = buildServer({
      ...config.webhooks,
      secrets,
      // Embedded: a file of the state dir. HA: one key of the shared store, so a delivery replayed to another replica is refused.
      ...(ha ? { replayStore: ha.open } : { replayDir: join(rt.stateDir, 'webhooks') }),
      branch: config.branch,
      statusBranch,
      // Any replica answers a webhook; a follower passes it on to the leader through etcd.
      requestFetch: (reason) =>
        ha && !ha.leadership.isLeader() ? void ha.wake(reason).catch((err: unknown) => logger.warn({ err }, 'could not wake the leader')) : loop!.trigger(reason),
      metrics,
      logger,
      read: () => rt.journal.read(),
      live,
      deployments: createDeploymentReadModel(rt.store),
      feed,
      ...(httpToken !== undefined ? { httpToken } : {}),
      ...(previews ? { previews: previews.intake, previewReads: previews.service } : { previewsOff: config.source.type === 'git' ? 'disabled' : 'directory' }),
      ...(httpBasic ? { httpBasic } : {}),
      ...(tls ? { tls } : {}),
      ...(config.http.repoWebUrl ? { repoWebUrl: config.http.repoWebUrl } : {}),
    });
    const address = await server.listen({ host: config.listen.host, port: config.listen.port });
    cleanup.unshift(() => server.close());
    const url = address;
    logger.info({ url, source: source.describe(), intervalMs: config.intervalMs }, 'driftless daemon listening');
    if (config.source.type === 'dir' && config.watch) {
      const stopWatch = await startWatcher(config.source.path, config.watchDebounceMs, () => loop!.trigger('watch'), logger);
      cleanup.unshift(stopWatch);
    }
    loop.start();
    let stopping: Promise<void> | undefined;
    return {
      url,
      loop,
      cycle,
      reporter,
      metrics,
      runtime: rt,
      server,
      live,
      ...(previews ? { previews } : {}),
      stop() {
        stopping ??= (async () => {
          await loop!.stop();
          await reporter.flush();
          for (const fn of cleanup) await fn().catch((err: unknown) => logger.warn({ err }, 'shutdown step failed'));
          logger.info({}, 'driftless daemon stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    for (const fn of cleanup) await fn().catch(() => undefined);
    throw err;
  }
}

/** The status writer, refusing (NotLeader) before a push when this replica does not lead. */
function fenced<A extends unknown[], R>(write: (...args: A) => Promise<R>, fence: (() => void) | undefined): (...args: A) => Promise<R> {
  if (!fence) return write;
  return async (...args) => {
    fence();
    return write(...args);
  };
}

/** The HTTP bearer token, trimmed (a file written by `echo` ends in a newline); refused when short or spaced. */
async function resolveHttpToken(ref: OperatorSecretRef, secrets: OperatorSecretResolver): Promise<string> {
  const token = (await secrets.resolve(ref).catch((err: unknown) => {
    throw new StalledError('SecretUnavailable', `http.token: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  })).trim();
  const problem = tokenProblem(token);
  if (problem) throw new StalledError('SecretUnavailable', problem);
  return token;
}

async function resolveRef(what: string, ref: OperatorSecretRef, secrets: OperatorSecretResolver): Promise<string> {
  return secrets.resolve(ref).catch((err: unknown) => {
    throw new StalledError('SecretUnavailable', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
}

/** Basic credentials: the password is held to the token's rule (long enough not to be guessed, no spaces). */
async function resolveBasic(
  basic: NonNullable<DaemonConfig['http']['basicAuth']>,
  secrets: OperatorSecretResolver,
): Promise<{ username: string; password: string }> {
  const password = (await resolveRef('http.basicAuth.password', basic.password, secrets)).trim();
  const problem = tokenProblem(password);
  if (problem) throw new StalledError('SecretUnavailable', problem.replace('http.token: the token', 'http.basicAuth.password: the password').replace('http.token:', 'http.basicAuth.password:'));
  return { username: basic.username, password };
}

/** The certificate chain and key, read once at start (a renewed certificate takes a restart). */
async function resolveTls(tls: NonNullable<DaemonConfig['http']['tls']>, secrets: OperatorSecretResolver): Promise<{ cert: string; key: string }> {
  return { cert: await resolveRef('http.tls.cert', tls.cert, secrets), key: await resolveRef('http.tls.key', tls.key, secrets) };
}
