/**
 * Reads shared between kinds within one plan. A plan only reads, so a second reader of the same thing (a Pool that
 * follows an ImageProject resolves the project's media and registry manifest, which the ImageProject's own observe
 * just did) can take the first one's answer instead of asking Git and the registry again. An apply has no memo:
 * what it reads may have just changed (the project pushed a new image), so every read there is fresh.
 */
import type { KindContext } from '../types.js';

/** `read()` once per plan and key (a failure is shared too); every time when the context has no memo. */
export function onceInPlan<T>(ctx: KindContext, key: string, read: () => Promise<T>): Promise<T> {
  const memo = ctx.planMemo;
  if (!memo) return read();
  let hit = memo.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = read();
    memo.set(key, hit);
  }
  return hit;
}
