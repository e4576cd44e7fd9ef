/**
 * The seam between a pool and the machines it makes: before the expand steps run, every host a new node goes on
 * that is not ready yet (a machine to create, or one adopted after a crash) is provisioned within the template's
 * quota; after the shrink steps, the pool's machines left without a node are returned. Quota refusal is not an
 * error here: the nodes that fit still start, and the caller stalls with the hook's message afterwards.
 */
import { StalledError } from '../../errors.js';
import type { KindContext } from '../types.js';
import type { PoolHooks } from './hooks.js';
import type { PoolView } from './observe.js';
import type { NodeSlot } from './placement.js';

/** Slots that can run now, and why the others cannot (the quota message) when some cannot. */
export interface Provisioned {
  slots: NodeSlot[];
  quotaMessage?: string;
}

function hookOf(pool: string, view: PoolView, hooks: PoolHooks): { template: string; hook: NonNullable<PoolHooks['machines']> } {
  if (!view.template || !hooks.machines) {
    throw new StalledError('ApplyFailed', `pool ${pool}: no host for a new node and no machine template to make one`);
  }
  return { template: view.template, hook: hooks.machines };
}

/** Brings up the machines the slots need and puts their targets in `view.hosts`; drops the slots the quota refused. */
export async function provisionSlots(pool: string, view: PoolView, slots: NodeSlot[], hooks: PoolHooks, ctx: KindContext): Promise<Provisioned> {
  const needed = [...new Set(slots.filter((s) => !view.hosts.get(s.host)?.target).map((s) => s.host))];
  if (needed.length === 0) return { slots };
  const { template, hook } = hookOf(pool, view, hooks);
  const got = await hook.provision(pool, template, needed, ctx);
  for (const m of got.ready) {
    if (m.target) view.hosts.set(m.name, { name: m.name, address: m.address ?? m.target.host, target: m.target, machine: true });
  }
  const runnable = slots.filter((s) => view.hosts.get(s.host)?.target);
  const lost = needed.filter((n) => !view.hosts.get(n)?.target && !got.refused.includes(n));
  if (lost.length > 0) throw new StalledError('ApplyFailed', `pool ${pool}: machines ${lost.join(', ')} are not ready after provisioning`);
  return { slots: runnable, ...(got.quotaMessage ? { quotaMessage: got.quotaMessage } : {}) };
}

/** Stops and deletes the pool's machines that no node is left on. */
export async function releaseMachines(pool: string, view: PoolView, names: string[], hooks: PoolHooks, ctx: KindContext): Promise<void> {
  if (names.length === 0) return;
  const { template, hook } = hookOf(pool, view, hooks);
  ctx.logger.info({ pool, machines: names }, 'pool returning machines');
  await hook.release(pool, template, names, ctx);
  for (const n of names) view.hosts.delete(n);
}
