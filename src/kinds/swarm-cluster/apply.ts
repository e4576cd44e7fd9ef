/**
 * Apply a SwarmCluster: re-observe, re-plan, refuse (before any step) a change that would put a member of some
 * other swarm in or lose quorum, then run the operations in the safe order: init, joins (managers first),
 * promotions, label and availability updates, demotions (unreachable managers first), removals. Join tokens are
 * read from a manager just before each join and registered with the sanitiser by the driver, so they never reach a
 * plan, log or status.
 */
import { StalledError, TransientError } from '../../errors.js';
import type { SwarmEngine } from '../../drivers/types.js';
import type { Task } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import type { ResolvedHost } from '../shared/hosts.js';
import type { KindContext } from '../types.js';
import { declaredMembers, observeSwarmCluster } from './observe.js';
import { planSwarm, type SwarmOp } from './plan.js';
import { removeSwarmNode } from './remove-node.js';
import type { DesiredNode, SwarmClusterObserved, SwarmClusterSpec } from './spec.js';
import { pollUntil } from './wait.js';

/** Operation order that keeps a majority of managers at every step. */
function rank(op: SwarmOp, o: SwarmClusterObserved): number {
  switch (op.op) {
    case 'init':
      return 0;
    case 'join':
      return op.role === 'manager' ? 1 : 2;
    case 'set': {
      const node = o.nodes?.find((n) => n.id === op.nodeId);
      if (op.role === 'manager' && node?.role !== 'manager') return 3;
      if (op.role === 'worker' && node?.role === 'manager') return node.reachability === 'reachable' ? 6 : 5;
      return 4;
    }
    case 'remove':
      return 7;
  }
}

export async function applySwarmCluster(task: Task<SwarmClusterSpec, SwarmClusterObserved>, ctx: KindContext): Promise<void> {
  const res = task.desired;
  const swarm = ctx.drivers.swarm;
  if (!swarm) throw new StalledError('ApplyFailed', 'this driftless process has no swarm driver');
  const observed = await observeSwarmCluster(res, ctx);
  const plan = planSwarm(observed);
  if (plan.refusal) throw new StalledError('QuorumAtRisk', `swarm ${res.metadata.name}: refused before changing anything: ${plan.refusal}`);
  const declared = await declaredMembers(res, ctx);
  const hostOf = (name: string): ResolvedHost => declared.find((d) => d.host.name === name)!.host;
  const nodeOf = (name: string): DesiredNode => declared.find((d) => d.host.name === name)!.node;
  const engineOf = (name: string): SwarmEngine => swarm.engine(hostOf(name).target);
  const advertise = (name: string): string => res.spec.advertiseAddr ?? hostOf(name).address;

  /** A manager to ask: the first declared manager whose engine has control (after init/joins, changes with them). */
  const manager = async (): Promise<SwarmEngine> => {
    for (const d of declared.filter((x) => x.node.role === 'manager')) {
      const local = await engineOf(d.host.name).local().catch(() => undefined);
      if (local?.controlAvailable) return engineOf(d.host.name);
    }
    if (observed.managerHost) return engineOf(observed.managerHost);
    throw new TransientError('Unreachable', `swarm ${res.metadata.name}: no declared manager answers as a manager`);
  };

  /** Sets a member's role, availability and labels (re-read version; a concurrent change is retried by the engine). */
  const setNode = async (name: string, nodeId?: string): Promise<void> => {
    const want = nodeOf(name);
    const id = nodeId || (await engineOf(name).local()).nodeId;
    if (!id) throw new TransientError('ApplyFailed', `swarm ${res.metadata.name}: ${name} has no node id yet`);
    const mgr = await manager();
    const node = await pollUntil(`node ${name} listed by a manager`, 30_000, async () => (await mgr.nodes()).find((n) => n.id === id));
    await mgr.updateNode(node.id, node.version, { Role: want.role, Availability: want.availability, Labels: want.labels });
  };

  const ops = [...plan.ops].sort((a, b) => rank(a, observed) - rank(b, observed));
  for (const op of ops) {
    ctx.signal.throwIfAborted();
    switch (op.op) {
      case 'init':
        ctx.logger.info({ cluster: res.metadata.name, host: op.member }, 'swarm init');
        await engineOf(op.member).init({ advertiseAddr: advertise(op.member) });
        await setNode(op.member);
        break;
      case 'join': {
        const mgr = await manager();
        const tokens = await mgr.joinTokens();
        const remoteAddrs = (await mgr.local()).managers.map((m) => m.addr);
        ctx.logger.info({ cluster: res.metadata.name, host: op.member, role: op.role }, 'swarm join');
        await engineOf(op.member).join({ remoteAddrs, token: op.role === 'manager' ? tokens.manager : tokens.worker, advertiseAddr: advertise(op.member) });
        await setNode(op.member);
        break;
      }
      case 'set':
        ctx.logger.info({ cluster: res.metadata.name, host: op.member, role: op.role, availability: op.availability }, 'swarm node update');
        await setNode(op.member, op.nodeId);
        break;
      case 'remove':
        await removeSwarmNode(res as Resource<SwarmClusterSpec>, op, await manager(), ctx);
        break;
    }
  }
}
