import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { EngineOptions } from '../../src/engine/types.js';
import type { InventoryEntry } from '../../src/model/inventory.js';
import { createWorld, createWorldRegistry, res, testContext } from './world-kind.js';

const N = 300;
const options: EngineOptions = {
  concurrency: 16,
  retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  health: { timeoutMs: 50, intervalMs: 10 },
};

/**
 * Persisting the inventory used to snapshot (deep-copy and sort) the whole inventory once per applied task, so an
 * apply of thousands of instant tasks was quadratic. Changes made while a write runs now share ONE next write.
 */
describe('apply persists the inventory with group commits', () => {
  it('applies N instant tasks with far fewer than N writes, and every task ends after a write that holds it', async () => {
    const world = createWorld();
    const engine = createEngine({ registry: createWorldRegistry(world), options, sleep: async () => undefined, random: () => 0.5 });
    const resources = Array.from({ length: N }, (_, i) => res(`A/r${String(i).padStart(4, '0')}`, { value: String(i) }));
    const ctx = testContext(resources, new AbortController().signal);
    const prune = { enabled: false, kinds: [] };
    const plan = await engine.plan({ revision: 'r1', resources, inventory: [], prune, ctx });
    const writes: InventoryEntry[][] = [];
    const durable = new Set<string>();
    const endedBeforeDurable: string[] = [];
    const outcome = await engine.apply({
      plan,
      inventory: [],
      prune,
      ctx,
      // like a file write: completes on a later turn of the event loop
      onInventory: async (inv) => {
        writes.push(inv);
        await new Promise((r) => setImmediate(r));
        for (const e of inv) durable.add(e.key);
      },
      onEvent: (e) => {
        if (e.type === 'task-end' && e.result.status === 'succeeded' && !durable.has(e.result.key)) endedBeforeDurable.push(e.result.key);
      },
    });
    expect(outcome.results.filter((r) => r.status === 'succeeded')).toHaveLength(N);
    expect(endedBeforeDurable).toEqual([]);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.length).toBeLessThanOrEqual(N / 4);
    const last = writes.at(-1)!.map((e) => e.key);
    expect(last).toEqual([...last].sort());
    expect(last).toHaveLength(N);
    // a snapshot handed out earlier is not changed by later records
    expect(writes[0]!.length).toBeLessThan(N);
  });
});
