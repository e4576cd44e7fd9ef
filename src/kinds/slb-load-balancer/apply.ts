/**
 * Apply: observe again (the plan may be old, a crash may have left a created load balancer behind), then do the
 * work in an order that never drops traffic needlessly: instance, tags, listeners (created, updated, started),
 * backends added before any are removed, weights last. Each step is idempotent, so a retry after a failure
 * continues where it stopped.
 */
import { createHash } from 'node:crypto';
import { StalledError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import type { Task } from '../../model/plan.js';
import type { InventoryEntry } from '../../model/inventory.js';
import type { KindContext } from '../types.js';
import { workOf } from './diff.js';
import { findLoadBalancer, observeSlb, ourTags, slbDriverFor } from './observe.js';
import { instanceSpecOf, lbName, type SlbLoadBalancerSpec, type SlbObserved } from './spec.js';

/** Same installation, resource and name: same token, so a retried CreateLoadBalancer returns the same instance. */
export function clientTokenOf(owner: string, res: Resource<SlbLoadBalancerSpec>): string {
  return createHash('sha256').update(`${owner}/${res.metadata.name}/${lbName(res)}`).digest('hex').slice(0, 32);
}

export async function applySlb(task: Task<SlbLoadBalancerSpec, SlbObserved>, ctx: KindContext): Promise<void> {
  const res = task.desired;
  const driver = await slbDriverFor(res, ctx);
  const tags = await ourTags(res, ctx.store);
  const o = await observeSlb(res, ctx);
  const w = workOf(res, o);
  if (w.immutable.length > 0) {
    throw new StalledError('ApplyFailed', `load balancer ${o.lb?.id}: ${w.immutable.map((c) => `${c.path} ${String(c.before)} -> ${String(c.after)}`).join(', ')} cannot change in place; delete it or keep the old values`);
  }
  let id = o.lb?.id;
  if (!id) {
    const spec = instanceSpecOf(res);
    id = await driver.create(spec, clientTokenOf(tags['driftless:owner']!, res), tags);
    ctx.logger.info({ resource: task.key, loadBalancer: id }, 'load balancer created');
  } else if (w.tags) {
    await driver.addTags(id, tags);
  }
  if (w.instanceSpec) await driver.modifyInstanceSpec(id, w.instanceSpec);
  if (w.internetSpec) await driver.modifyInternetSpec(id, res.spec.internetChargeType ?? 'paybytraffic', res.spec.bandwidth);
  for (const l of w.deleteListeners) await driver.deleteListener(id, l.port, l.protocol);
  for (const l of w.createListeners) await driver.createListener(id, l);
  for (const l of w.updateListeners) await driver.updateListener(id, l);
  for (const l of w.startListeners) await driver.startListener(id, l.port, l.protocol);
  if (w.addBackends.length > 0) await driver.addBackends(id, w.addBackends);
  if (w.removeBackends.length > 0) await driver.removeBackends(id, w.removeBackends);
  if (w.setBackends.length > 0) await driver.setBackends(id, w.setBackends);
  if (w.heldEmpty) ctx.logger.warn({ resource: task.key }, 'no pool node is healthy: existing backends kept rather than leaving the load balancer empty');
}

/** Prune: only `deletionPolicy: delete` deletes the load balancer; otherwise it is left as it is, and forgotten. */
export async function removeSlb(entry: InventoryEntry, ctx: KindContext): Promise<void> {
  const res = entry.resource as Resource<SlbLoadBalancerSpec>;
  if ((res.spec.deletionPolicy ?? 'retain') !== 'delete') {
    ctx.logger.info({ resource: entry.key }, 'deletionPolicy retain: load balancer left in place');
    return;
  }
  const driver = await slbDriverFor(res, ctx);
  const lb = await findLoadBalancer(res, driver, await ourTags(res, ctx.store));
  if (lb) await driver.delete(lb.id);
}
