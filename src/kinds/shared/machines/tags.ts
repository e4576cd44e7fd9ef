/**
 * The tags every machine driftless creates carries. They are the record of ownership that survives a crash: a
 * machine created just before the process died is found again by these tags and adopted, never created twice.
 */

export const TAG = {
  owner: 'driftless:owner',
  template: 'driftless:template',
  set: 'driftless:set',
  pool: 'driftless:pool',
  machine: 'driftless:machine',
} as const;

/** Who owns the machine: a MachineSet or a Pool drawing from a template. */
export type MachineOwnerRef = { set: string } | { pool: string };

/** Tags for one machine. `owner` names the driftless installation so two installations never adopt each other's. */
export function machineTags(owner: string, template: string, ref: MachineOwnerRef, machine: string): Record<string, string> {
  return {
    [TAG.owner]: owner,
    [TAG.template]: template,
    ...('set' in ref ? { [TAG.set]: ref.set } : { [TAG.pool]: ref.pool }),
    [TAG.machine]: machine,
  };
}

/** Tags that select every machine of one set or pool. */
export function groupTags(owner: string, ref: MachineOwnerRef): Record<string, string> {
  return { [TAG.owner]: owner, ...('set' in ref ? { [TAG.set]: ref.set } : { [TAG.pool]: ref.pool }) };
}

export function hasTags(tags: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => tags[k] === v);
}
