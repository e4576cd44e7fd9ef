/**
 * A node leaves the swarm the way an operator would do it by hand: demote (a manager), drain, wait until its tasks
 * run elsewhere, `docker swarm leave` on the node itself, wait until the managers see it down, then `node rm`
 * without force. A node that stays up while its host cannot be reached is never force-removed: that is stalled,
 * for a human.
 */
import { parseDuration } from '../../config/duration.js';
import { StalledError } from '../../errors.js';
import type { SwarmEngine } from '../../drivers/types.js';
import type { Resource } from '../../model/resource.js';
import { resolveHosts } from '../shared/hosts.js';
import type { KindContext } from '../types.js';
import type { SwarmOp } from './plan.js';
import type { SwarmClusterSpec } from './spec.js';
import { pollUntil } from './wait.js';

type RemoveOp = Extract<SwarmOp, { op: 'remove' }>;

export async function removeSwarmNode(res: Resource<SwarmClusterSpec>, op: RemoveOp, mgr: SwarmEngine, ctx: KindContext): Promise<void> {
  const log = ctx.logger.child({ cluster: res.metadata.name, node: op.name });
  const current = async () => (await mgr.nodes()).find((n) => n.id === op.nodeId);
  let node = await current();
  if (!node) return;
  if (node.role === 'manager' || node.availability !== 'drain') {
    log.info({}, node.role === 'manager' ? 'swarm node demote and drain' : 'swarm node drain');
    await mgr.updateNode(node.id, node.version, { Role: 'worker', Availability: 'drain', Labels: node.labels });
  }
  const drainMs = parseDuration(res.spec.drainTimeout ?? '120s');
  await pollUntil(
    `the tasks of ${op.name} to move to other nodes`,
    drainMs,
    async () => {
      const onNode = await mgr.tasks({ node: [op.nodeId], 'desired-state': ['running'] });
      if (onNode.length > 0) return undefined;
      const everywhere = await mgr.tasks({ 'desired-state': ['running'] });
      return everywhere.every((t) => t.state === 'running') ? true : undefined;
    },
    ctx.signal,
  );
  const [host] = await resolveHosts({ names: [op.name] }, ctx).catch(() => []);
  if (host && ctx.drivers.swarm) {
    log.info({}, 'swarm leave');
    await ctx.drivers.swarm
      .engine(host.target)
      .leave(false)
      .catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'swarm leave failed; waiting for the node to be down'));
  }
  const settled = await pollUntil(`${op.name} to be down after leaving`, 30_000, async () => {
    const n = await current();
    return !n || n.state === 'down' ? (n ?? null) : undefined;
  }).catch(() => undefined);
  if (settled === undefined) {
    throw new StalledError(
      'ApplyFailed',
      `swarm ${res.metadata.name}: node ${op.name} is drained but still up and could not be made to leave${host ? '' : ' (its host is no longer declared)'}; driftless never force-removes a reachable node: run docker swarm leave on it, or declare its Host again`,
    );
  }
  if (settled === null) return;
  log.info({}, 'swarm node rm');
  await mgr.removeNode(op.nodeId, false);
}
