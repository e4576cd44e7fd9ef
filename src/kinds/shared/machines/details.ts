/**
 * Status details shared by MachineTemplate and MachineSet: the quota usage (issue 6: "usage shown in status") in
 * a form tools can read and people can scan (`quota 3/10 h`).
 */
import type { QuotaUsage } from './quota.js';

/** `quota <used>/<limit> h` (with `+overdraft` when the template allows it). */
export function quotaLine(u: QuotaUsage): string {
  return `quota ${u.usedHours}/${u.quotaHours} h${u.allowOverdraft ? ' +overdraft' : ''}`;
}

export function quotaDetails(u: QuotaUsage): Record<string, unknown> {
  return {
    usedHours: u.usedHours,
    quotaHours: u.quotaHours,
    allowOverdraft: u.allowOverdraft,
    liveMachines: u.liveMachines,
    deletedMachines: u.deletedMachines,
  };
}

/** How many items are in each state, keys sorted so the detail is deterministic. */
export function countByState(items: Array<{ state: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of items.map((i) => i.state).sort()) out[s] = (out[s] ?? 0) + 1;
  return out;
}

/** `2 ready, 1 creating` from countByState. */
export function statesLine(counts: Record<string, number>): string {
  return Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ');
}
