/**
 * Lab hosts belong to the state dir that made them. Before, every `lab up` used the container prefix `lab` and
 * `lab down` removed every lab host whoever made it, so a second lab (`--state-dir OTHER --base-port 2301`)
 * removed the first one's hosts. Now each host carries its state dir's tag; `lab up` never touches hosts with
 * another tag (it takes a prefix of its own when `lab` is someone else's) and `lab down` removes only its own.
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/** Label with the tag of the state dir a persistent lab host belongs to. */
export const LAB_STATE_LABEL = 'driftless.lab.state';

/** A short stable tag of a state dir (its real path when it exists). */
export function stateTag(stateDir: string): string {
  const full = resolve(stateDir);
  const real = existsSync(full) ? realpathSync(full) : full;
  return createHash('sha256').update(real).digest('hex').slice(0, 12);
}

interface Tagged {
  Labels?: Record<string, string> | null;
}

/** True for a host of this state dir, or an untagged one made before hosts were tagged (it was ours to remove). */
export function ownedBy(c: Tagged, tag: string): boolean {
  const label = c.Labels?.[LAB_STATE_LABEL];
  return label === undefined || label === tag;
}

/** The prefix `lab up` uses: `lab` (the sample repo's lab-1..3) unless another state dir's hosts hold it. */
export function scopedPrefix(base: string, tag: string, holders: readonly Tagged[]): string {
  return holders.every((c) => ownedBy(c, tag)) ? base : `${base}-${tag.slice(0, 6)}`;
}
