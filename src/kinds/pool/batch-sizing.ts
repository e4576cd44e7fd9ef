/**
 * Pure rollout arithmetic: batch sizes bounded by maxUnavailable (counting nodes already down, so a rollout never
 * takes more nodes out than allowed — the OpenDCP deploy stopped every node at once), and the failure-ratio stop.
 */
import type { CountOrPercent, RolloutSpec } from './spec.js';

/** A count, or a percentage of `total` rounded as given. */
export function resolveCount(value: CountOrPercent | undefined, total: number, fallback: number, round: 'up' | 'down'): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  const pct = Number.parseInt(value, 10);
  const exact = (pct * total) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * Size of the next batch: the canary batch first (when declared), then batchSize; never more than maxUnavailable
 * minus the nodes already unavailable. Zero means "wait": too many nodes are down to take another one out.
 */
export function nextBatchSize(r: RolloutSpec, total: number, rolledSoFar: number, unavailableNow: number, remaining: number): number {
  const batch = rolledSoFar === 0 && (r.canary ?? 0) > 0 ? (r.canary ?? 0) : Math.max(1, resolveCount(r.batchSize, total, 1, 'up'));
  const maxUnavailable = Math.max(1, resolveCount(r.maxUnavailable, total, 1, 'down'));
  return Math.max(0, Math.min(batch, maxUnavailable - unavailableNow, remaining));
}

/** True when failures exceed the allowed ratio of attempted nodes (ratio 0: any failure stops the rollout). */
export function failureExceeded(failed: number, attempted: number, maxFailureRatio: number | undefined): boolean {
  if (attempted === 0 || failed === 0) return false;
  return failed / attempted > (maxFailureRatio ?? 0);
}
