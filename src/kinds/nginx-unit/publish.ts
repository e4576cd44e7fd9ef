/**
 * One publish of a unit, used by apply and by the discovery hook: render (Git + membership) -> digest -> the hosts
 * not serving it -> all-or-none publish through the nginx driver -> history. Publishes of one unit are serialised
 * in this process, so a register and an unregister racing in one rollout batch each see the other's effect.
 */
import { describe as describeError, FailedError, PlanStaleError, ReconcileError, StalledError, TransientError, WaitingError } from '../../errors.js';
import type { PublishReport } from '../../drivers/types.js';
import type { Resource } from '../../model/resource.js';
import { hostTarget } from '../shared/host-target.js';
import type { KindContext } from '../types.js';
import { hostSync } from './diff.js';
import { appendHistory, changeRecords, readLastFiles, writeLastFiles } from './history.js';
import { freshRender, isFresh, publishStarting } from './freshness.js';
import { unitHosts, observeHostsOf, unitKey } from './observe.js';
import { explainNginxMessage, type FileOrigin } from './explain.js';
import { fileSha, renderUnit, unitRoot, type RenderedUnit } from './render.js';
import type { NginxUnitSpec, UnitObserved } from './spec.js';

const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier call with the same key has settled. */
export function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  queues.set(key, next.catch(() => undefined));
  return next;
}

export interface PublishOutcome {
  digest: string;
  report?: PublishReport;
  /** Hosts that were already serving the version. */
  unchanged: string[];
}

export interface PublishUnitOptions {
  cause: string;
  drain?: boolean;
  onlyIfPublished?: boolean;
  /**
   * The plan's observation of the unit (the task's). When it is fresh (see freshness.ts) the hosts are not
   * inspected again, and the publish compares-and-swaps `current` against what it saw: a moved `current` is
   * PlanStale, and the engine re-plans.
   */
  observed?: UnitObserved;
}

export async function publishUnit(res: Resource<NginxUnitSpec>, ctx: KindContext, opts: PublishUnitOptions): Promise<PublishOutcome> {
  const name = res.metadata.name;
  const key = unitKey(res, ctx);
  return serialised(key, async () => {
    const nginx = ctx.drivers.nginx;
    if (!nginx) throw new StalledError('InternalError', 'no nginx driver is wired');
    const planned = isFresh(key, opts.observed) ? opts.observed : undefined;
    const plannedRender = freshRender<RenderedUnit>(key, opts.observed);
    // From here on every earlier observation is stale, this one too: a retry of this task inspects afresh.
    publishStarting(key);
    const [rendered, hosts] = planned && plannedRender ? [plannedRender, planned.hosts] : await Promise.all([renderUnit(res, ctx), observeHostsOf(res, ctx)]);
    if (opts.onlyIfPublished && hosts.every((h) => h.reachable && !h.current)) return { digest: rendered.digest, unchanged: [] };
    const unreachable = hosts.filter((h) => !h.reachable);
    if (unreachable.length > 0) {
      throw new TransientError('Unreachable', `nginx unit ${name}: cannot publish to every host: ${unreachable.map((h) => `${h.host}: ${h.error}`).join('; ')}`);
    }
    const missing = hosts.filter((h) => !h.nginx);
    if (missing.length > 0) {
      throw new StalledError('ApplyFailed', `nginx unit ${name}: nginx is not installed on ${missing.map((h) => h.host).join(', ')} (nginx -v found no nginx); install it, then re-run`);
    }
    const byId = new Map(unitHosts(res, ctx).map((h) => [`Host/${h.metadata.name}`, h]));
    const todo = hosts.filter((h) => hostSync(h, rendered.digest) !== 'in-sync');
    const unchanged = hosts.filter((h) => !todo.includes(h)).map((h) => h.host);
    if (todo.length === 0) return { digest: rendered.digest, unchanged };
    const targets = await Promise.all(todo.map(async (h) => hostTarget(byId.get(h.host) as Resource<never>, ctx.secrets)));
    const dir = versionDir(rendered.digest, todo);
    const shas = Object.fromEntries(Object.entries(rendered.files).map(([p, c]) => [p, fileSha(c)]));
    const base = { unit: name, time: new Date().toISOString(), revision: ctx.revision, ...(ctx.runId ? { run: ctx.runId } : {}), cause: opts.cause };
    const expect = planned ? Object.fromEntries(todo.map((h) => [h.host, h.current ?? null])) : undefined;
    let report: PublishReport;
    try {
      report = await nginx.publish(targets, unitRoot(res), dir, rendered.files, {
        keep: res.spec.keepVersions ?? 5,
        ...(opts.drain ? { drain: true } : {}),
        ...(expect ? { expect } : {}),
        signal: ctx.signal,
      });
    } catch (err) {
      const failed = (err as { report?: PublishReport }).report;
      const explained = explainError(err, unitRoot(res), rendered.files, rendered.origins);
      await appendHistory(ctx.store, [
        { type: 'publish', ...base, digest: rendered.digest, dir, files: shas, hosts: failed?.hosts ?? [], result: 'failed', error: describeError(explained) },
      ]);
      throw explained;
    }
    const last = await readLastFiles(ctx.store, name);
    await appendHistory(ctx.store, [
      { type: 'publish', ...base, digest: rendered.digest, dir, files: shas, hosts: report.hosts, result: 'succeeded' },
      ...changeRecords(base, last, rendered.files, fileSha),
    ]);
    await writeLastFiles(ctx.store, name, rendered.files);
    ctx.logger.info({ unit: name, digest: rendered.digest, hosts: targets.map((t) => t.id), cause: opts.cause }, 'nginx unit published');
    return { digest: rendered.digest, report, unchanged };
  });
}

/**
 * The dir a publish of `digest` goes to: the newest dir of that digest already on one of the hosts (a re-publish of
 * the same files, e.g. a pool node leaving and joining again, or a run re-done after a crash, must not leave two
 * copies of one version and push older versions out of `keepVersions`), else a new one.
 */
export function versionDir(digest: string, hosts: Array<{ versions?: string[] }>): string {
  const known = hosts.flatMap((h) => h.versions ?? []).filter((v) => v.startsWith(`${digest}-`) && /^[0-9a-z-]+$/.test(v)).sort();
  return known[known.length - 1] ?? `${digest}-${Date.now().toString(36)}`;
}

/** The publish error with nginx's host paths told as the repo's resources; same class and reason, report kept. */
function explainError(err: unknown, root: string, files: Record<string, string>, origins: Record<string, FileOrigin>): unknown {
  if (!(err instanceof ReconcileError) || err instanceof PlanStaleError) return err;
  const message = explainNginxMessage(err.message, root, files, origins);
  if (message === err.message) return err;
  const Same = { stalled: StalledError, failed: FailedError, waiting: WaitingError, transient: TransientError }[err.disposition];
  // No cause: the explained message says all the original did, and a cause would print it a second time.
  const out: ReconcileError = new Same(err.reason, message);
  const report = (err as { report?: PublishReport }).report;
  if (report) Object.assign(out, { report });
  return out;
}
