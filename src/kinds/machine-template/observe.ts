/**
 * A template has no cloud object of its own: what it has is quota usage (hours of every machine made from it)
 * and possibly orphans — machines tagged as ours and made from it whose MachineSet or Pool is gone from Git.
 * Orphans are reported here and deleted only through the prune of their set (never silently).
 */
import { describe } from '../../errors.js';
import { TAG } from '../shared/machines/tags.js';
import type { Resource } from '../../model/resource.js';
import { specDigest } from '../shared/declaration.js';
import { ownerId } from '../shared/machines/key-store.js';
import { providerFor } from '../shared/machines/provider.js';
import { quotaUsage, readLedger } from '../shared/machines/quota.js';
import type { KindContext } from '../types.js';
import type { MachineTemplateObserved, MachineTemplateSpec, OrphanMachine } from './spec.js';

export async function observeTemplate(res: Resource<MachineTemplateSpec>, ctx: KindContext): Promise<MachineTemplateObserved> {
  const entry = ctx.inventory.get(`MachineTemplate/${res.metadata.name}`);
  const closed = await readLedger(ctx.store, res.metadata.name);
  const base = {
    ...(entry ? { appliedDigest: specDigest(entry.resource), appliedSpec: entry.resource.spec } : {}),
  };
  const quota = { quotaHours: res.spec.quota.hours, allowOverdraft: res.spec.quota.allowOverdraft ?? false, nowMs: Date.now() };
  try {
    const owner = await ownerId(ctx.store);
    const driver = await providerFor(res, ctx);
    const live = await driver.list({ [TAG.owner]: owner, [TAG.template]: res.metadata.name });
    const orphans: OrphanMachine[] = [];
    for (const inst of live) {
      const set = inst.tags[TAG.set];
      const pool = inst.tags[TAG.pool];
      const declared = set ? ctx.resources.get('MachineSet', set) : pool ? ctx.resources.get('Pool', pool) : undefined;
      if (!declared) orphans.push({ id: inst.id, name: inst.tags[TAG.machine] ?? inst.name, owner: set ? `MachineSet/${set}` : pool ? `Pool/${pool}` : 'unknown' });
    }
    return { ...base, usage: quotaUsage({ closed, live, ...quota }), orphans };
  } catch (err) {
    return { ...base, usage: quotaUsage({ closed, live: [], ...quota }), orphans: [], error: describe(err) };
  }
}
