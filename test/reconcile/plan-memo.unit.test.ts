import { describe, expect, it } from 'vitest';
import { onceInPlan } from '../../src/kinds/shared/plan-memo.js';
import { createKindContext, type Runtime } from '../../src/reconcile/runtime.js';
import { createFileStore } from '../../src/store/index.js';

/** Only a plan's context shares reads between kinds; an apply's reads what is there now, every time. */
describe('plan memo', () => {
  const rt = { drivers: {}, secrets: {}, logger: {}, stateDir: '/nonexistent', store: createFileStore('/nonexistent') } as unknown as Runtime;
  const ctxOf = (opts: { planning?: boolean; runId?: string }) =>
    createKindContext(rt, { resources: [], revision: 'r', repoDir: '/nonexistent', signal: new AbortController().signal, inventory: new Map(), ...opts });

  it('reads once per key within a plan, every time within an apply', async () => {
    let reads = 0;
    const read = async (): Promise<number> => ++reads;
    const plan = ctxOf({ planning: true });
    expect(await Promise.all([onceInPlan(plan, 'a', read), onceInPlan(plan, 'a', read), onceInPlan(plan, 'b', read)])).toEqual([1, 1, 2]);
    expect(await onceInPlan(ctxOf({ planning: true }), 'a', read)).toBe(3); // a new plan asks again

    const apply = ctxOf({ runId: 'run-1' });
    expect(apply.planMemo).toBeUndefined();
    expect([await onceInPlan(apply, 'a', read), await onceInPlan(apply, 'a', read)]).toEqual([4, 5]);
  });
});
