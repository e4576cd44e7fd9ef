/**
 * Quota in machine-hours, as OpenDCP bills it: every machine consumes the hours from its creation to its
 * deletion, each started hour counted (jupiter subtracted hours of the day and ignored the date). Hours of
 * deleted machines are kept in a small ledger per template in the state store (`machines/ledger/<template>.json`); hours of live machines are computed
 * from the provider's creation time, so a machine adopted after a crash is billed from when it really started.
 */
import type { StateStore } from '../../../store/index.js';

const HOUR_MS = 3_600_000;

export interface ClosedMachine {
  id: string;
  machine: string;
  start: string;
  end: string;
  hours: number;
}

export interface QuotaUsage {
  /** Hours consumed: deleted machines plus live machines up to now. */
  usedHours: number;
  quotaHours: number;
  allowOverdraft: boolean;
  liveMachines: number;
  deletedMachines: number;
}

/** Started hours between two instants, at least one (a machine created is billed its first hour). */
export function billedHours(startIso: string, endMs: number): number {
  const start = Date.parse(startIso);
  if (!Number.isFinite(start)) return 1;
  return Math.max(1, Math.ceil((endMs - start) / HOUR_MS));
}

export function quotaUsage(input: {
  closed: ClosedMachine[];
  live: Array<{ id: string; createdAt: string }>;
  quotaHours: number;
  allowOverdraft?: boolean;
  nowMs: number;
}): QuotaUsage {
  const closedIds = new Set(input.closed.map((c) => c.id));
  const live = input.live.filter((m) => !closedIds.has(m.id));
  const usedHours = input.closed.reduce((n, c) => n + c.hours, 0) + live.reduce((n, m) => n + billedHours(m.createdAt, input.nowMs), 0);
  return {
    usedHours,
    quotaHours: input.quotaHours,
    allowOverdraft: input.allowOverdraft ?? false,
    liveMachines: live.length,
    deletedMachines: input.closed.length,
  };
}

/** How many of `wanted` new machines the quota admits; each new machine consumes at least one hour. */
export function admitted(usage: QuotaUsage, wanted: number): number {
  if (usage.allowOverdraft) return wanted;
  return Math.max(0, Math.min(wanted, usage.quotaHours - usage.usedHours));
}

export function describeUsage(u: QuotaUsage): string {
  return `${u.usedHours} of ${u.quotaHours} machine-hours used (${u.liveMachines} live, ${u.deletedMachines} deleted)${u.allowOverdraft ? ', overdraft allowed' : ''}`;
}

const NS = 'machines';
const ledgerKey = (template: string): string => `ledger/${template}.json`;

/** Strict: a ledger that does not parse throws (observe fails) rather than reading as zero hours used. */
function parseLedger(raw: Buffer | undefined): ClosedMachine[] {
  if (raw === undefined) return [];
  return (JSON.parse(raw.toString('utf8')) as { closed?: ClosedMachine[] }).closed ?? [];
}

export async function readLedger(store: StateStore, template: string): Promise<ClosedMachine[]> {
  return parseLedger(await store.get(NS, ledgerKey(template)));
}

/** Records a deleted machine once (by id), in one read-modify-write of the template's ledger. */
export async function closeMachine(store: StateStore, template: string, entry: Omit<ClosedMachine, 'hours'>): Promise<void> {
  await store.update(NS, ledgerKey(template), (raw) => {
    const closed = parseLedger(raw);
    if (closed.some((c) => c.id === entry.id)) return undefined;
    closed.push({ ...entry, hours: billedHours(entry.start, Date.parse(entry.end)) });
    return `${JSON.stringify({ closed }, null, 2)}\n`;
  });
}
