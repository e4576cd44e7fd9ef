/**
 * The moving parts of managed restarts (see restart-policy.ts): the attempt counts per container id, kept in the state
 * store so they survive a driftless restart (labels cannot change after `docker run`); reading exit details during
 * observe; and the restarts apply makes. An attempt is recorded BEFORE `docker start`, with the exit it answers,
 * so a crash in between neither loses the count nor charges the same exit twice.
 */
import type { SshTarget } from '../../drivers/types.js';
import { describe, StalledError, TransientError, WaitingError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import { parseDuration } from '../../config/duration.js';
import type { KindContext } from '../types.js';
import { exitInfoScript, managedRestart, parseExitInfo, restartScript, restartVerdict, type RestartRecord } from './restart-policy.js';
import type { FlowResult } from './flow-runner.js';
import type { NodeObserved, PoolSpec } from './spec.js';
import { outputTail } from '../../util/output-tail.js';
import { getJson, updateJson, type StateStore } from '../../store/index.js';

/** Longest wait for a restart's delay inside one apply; a later restart is requeued (WaitingError). */
export const MAX_INLINE_DELAY_MS = 60_000;

const NS = 'pools';
/** Where a pool's restart counts are kept in the state store (`pools/<pool>/restarts.json`). */
const keyOf = (pool: string): string => `${pool}/restarts.json`;

const asRecords = (v: unknown): Record<string, RestartRecord> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, RestartRecord>) : {});

/** The records by container id; missing or unreadable records are no restarts yet. */
export async function loadRestarts(store: StateStore, pool: string): Promise<Record<string, RestartRecord>> {
  return asRecords(await getJson<unknown>(store, NS, keyOf(pool)));
}

/** Changes a pool's records in one read-modify-write (the store's `update`). */
async function changeRestarts(store: StateStore, pool: string, fn: (records: Record<string, RestartRecord>) => void): Promise<void> {
  await updateJson<unknown>(store, NS, keyOf(pool), (cur) => {
    const records = asRecords(cur);
    fn(records);
    return records;
  });
}

/** Adds exit details to a host's exited nodes when the pool's policy is managed (one extra exec, only then). */
export async function readExits(res: Resource<PoolSpec>, target: SshTarget, nodes: NodeObserved[], ctx: KindContext): Promise<void> {
  const exited = nodes.filter((n) => n.state === 'exited');
  if (exited.length === 0 || !managedRestart(res.spec.container.restartPolicy)) return;
  const r = await ctx.drivers.ssh.exec(target, exitInfoScript(exited.map((n) => n.name)), { timeoutMs: 30_000, signal: ctx.signal });
  if (r.code !== 0) throw new TransientError('ObserveFailed', `docker inspect of exited nodes failed (exit ${r.code}): ${outputTail(r.stderr)}`);
  const info = parseExitInfo(r.stdout);
  for (const n of exited) {
    const e = info.get(n.name);
    if (e) n.exit = e;
  }
}

/** Decides each exited node of the current spec (nodes on an old spec are redeployed, not restarted). */
export async function attachVerdicts(res: Resource<PoolSpec>, nodes: NodeObserved[], specDigest: string, ctx: KindContext): Promise<void> {
  const candidates = nodes.filter((n) => n.exit && n.specDigest === specDigest);
  if (candidates.length === 0) return;
  const records = await loadRestarts(ctx.store, res.metadata.name);
  for (const n of candidates) {
    const v = restartVerdict(res.spec.container.restartPolicy, n.exit!, records[n.id], `${n.name}@${n.host}`);
    if (v) n.restart = v;
  }
}

/** What the restarts of one apply came to: per-node results, nodes given up, and restarts left for later. */
export interface RestartOutcome {
  results: FlowResult[];
  gaveUp: string[];
  later: { node: string; dueInMs: number }[];
}

/**
 * Restarts the due nodes among `nodes` (each waits on its host for its delay); records of containers not in `known`
 * (every node, when every host answered) are dropped. See the file comment for the bookkeeping.
 */
export async function restartNodes(
  res: Resource<PoolSpec>,
  nodes: NodeObserved[],
  known: NodeObserved[] | undefined,
  targetOf: (host: string) => SshTarget | undefined,
  ctx: KindContext,
): Promise<RestartOutcome> {
  const pool = res.metadata.name;
  const out: RestartOutcome = { results: [], gaveUp: [], later: [] };
  const due: NodeObserved[] = [];
  for (const n of nodes) {
    const v = n.restart;
    if (!v) continue;
    if (v.action === 'give-up') out.gaveUp.push(v.message);
    else if (v.dueInMs > MAX_INLINE_DELAY_MS) out.later.push({ node: `${n.name}@${n.host}`, dueInMs: v.dueInMs });
    else due.push(n);
  }
  if (due.length === 0) return out;
  await changeRestarts(ctx.store, pool, (records) => {
    if (known) {
      const seen = new Set(known.map((n) => n.id));
      for (const id of Object.keys(records)) if (!seen.has(id)) delete records[id];
    }
    for (const n of due) records[n.id] = { attempts: n.restart!.attempts + 1, afterFinishedAtMs: n.exit!.finishedAtMs };
  });
  const rp = res.spec.container.restartPolicy;
  const delayMs = rp?.delay !== undefined ? parseDuration(rp.delay) : 0;
  const log = ctx.logger.child({ pool });
  out.results = await Promise.all(
    due.map(async (n): Promise<FlowResult> => {
      const node = `${n.name}@${n.host}`;
      const target = targetOf(n.host);
      if (!target) return { node, ok: false, error: `host ${n.host} is not reachable`, disposition: 'transient', log: [] };
      log.info({ node, attempt: n.restart!.attempts + 1, dueInMs: n.restart!.dueInMs }, 'restarting exited node');
      try {
        const r = await ctx.drivers.ssh.exec(target, restartScript(n.name, pool, delayMs), {
          timeoutMs: n.restart!.dueInMs + 60_000,
          signal: ctx.signal,
        });
        if (r.code === 0) return { node, ok: true, log: [] };
        return { node, ok: false, failedStep: 'restart', error: `restart exited ${r.code}: ${outputTail(r.stderr)}`, log: [] };
      } catch (err) {
        return { node, ok: false, failedStep: 'restart', error: describe(err), disposition: 'transient', log: [] };
      }
    }),
  );
  return out;
}

/** After everything else ran: nodes given up stall the pool, restarts not due yet requeue it. */
export function settleRestarts(pool: string, outcome: RestartOutcome): void {
  if (outcome.gaveUp.length > 0) throw new StalledError('ApplyFailed', `pool ${pool}: ${outcome.gaveUp.join('; ')}`);
  if (outcome.later.length > 0) {
    const first = Math.min(...outcome.later.map((l) => l.dueInMs));
    throw new WaitingError('Progressing', `pool ${pool}: restart of ${outcome.later.map((l) => l.node).join(', ')} is not due yet (restartPolicy.delay)`, {
      retryAfterMs: first,
    });
  }
}
