/** What the journal holds: the one local record of status, inventory and run history. */
import type { ResourceStatus } from '../model/conditions.js';
import type { InventoryEntry } from '../model/inventory.js';
import type { RunRecord } from '../model/plan.js';
import type { ResourceKey } from '../model/resource.js';

export const SCHEMA_VERSION = 1;
/** Runs kept, newest first: enough to see a pattern, small enough that the file stays cheap to rewrite. */
export const RUN_HISTORY_LIMIT = 50;

export interface SourceStatus {
  ok: boolean;
  message?: string;
  checkedAt: string;
  /** The commit the source points at whose content was refused (empty or unsafe tree); absent otherwise. */
  refusedCommit?: string;
}

export interface JournalData {
  schemaVersion: number;
  statuses: Record<ResourceKey, ResourceStatus>;
  inventory: Record<ResourceKey, InventoryEntry>;
  runs: RunRecord[];
  lastGoodRevision?: string;
  lastAttemptedRevision?: string;
  sourceStatus?: SourceStatus;
}

/** A fresh, empty journal. */
export function emptyJournal(): JournalData {
  return { schemaVersion: SCHEMA_VERSION, statuses: {}, inventory: {}, runs: [] };
}
