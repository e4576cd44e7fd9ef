import { describe, expect, it } from 'vitest';
import { emptyJournal, RUN_HISTORY_LIMIT, type JournalData } from '../../src/journal/types.js';
import { conditionOf, type ResourceStatus } from '../../src/model/conditions.js';
import type { RunRecord, TaskResult } from '../../src/model/plan.js';
import { outcomeOf, summarize } from '../../src/reconcile/summarize.js';

const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-01-01T01:00:00.000Z';

function result(key: string, status: TaskResult['status'], extra: Partial<TaskResult> = {}): TaskResult {
  return { key, action: status === 'pruned' ? 'delete' : 'update', wave: 0, status, attempts: 1, durationMs: 1, ...extra };
}

function run(id: string, results: TaskResult[] = []): RunRecord {
  return { id, trigger: 'test', revision: 'r', startedAt: T0, finishedAt: T0, durationMs: 0, outcome: outcomeOf(results), counts: {}, results };
}

function apply(prev: JournalData, results: TaskResult[], revision: string, now: string, extra: { problems?: { file: string; line: number; col: number; message: string }[] } = {}): JournalData {
  return summarize(prev, { run: run(`${revision}-${now}`, results), results, revision, now, ...extra });
}

const cond = (s: ResourceStatus | undefined, type: 'Ready' | 'Reconciling' | 'Stalled') => {
  const c = conditionOf(s, type);
  return c ? `${c.status}:${c.reason}` : undefined;
};

describe('summarize conditions', () => {
  it.each([
    { name: 'succeeded', r: result('A/a', 'succeeded', { health: 'Healthy' }), ready: 'True:ReconciliationSucceeded', reconciling: 'False:ReconciliationSucceeded', stalled: 'False:ReconciliationSucceeded', applied: 'r1' },
    { name: 'noop healthy', r: result('A/a', 'noop', { health: 'Healthy' }), ready: 'True:ReconciliationSucceeded', reconciling: 'False:ReconciliationSucceeded', stalled: 'False:ReconciliationSucceeded', applied: 'r1' },
    { name: 'failed stalled', r: result('A/a', 'failed', { reason: 'AuthenticationFailed', message: 'bad key', disposition: 'stalled' }), ready: 'False:AuthenticationFailed', reconciling: 'False:AuthenticationFailed', stalled: 'True:AuthenticationFailed', applied: undefined },
    { name: 'failed transient', r: result('A/a', 'failed', { reason: 'Unreachable', message: 'reset', disposition: 'transient' }), ready: 'False:Unreachable', reconciling: 'True:Progressing', stalled: 'False:Unreachable', applied: undefined },
    { name: 'failed waiting', r: result('A/a', 'failed', { reason: 'HealthCheckTimeout', message: 'slow', disposition: 'waiting' }), ready: 'False:HealthCheckTimeout', reconciling: 'True:Progressing', stalled: 'False:HealthCheckTimeout', applied: undefined },
    { name: 'skipped', r: result('A/a', 'skipped', { reason: 'DependencyFailed', message: 'dependency B/b failed' }), ready: 'False:DependencyFailed', reconciling: 'True:DependencyFailed', stalled: 'False:DependencyFailed', applied: undefined },
  ])('$name', ({ r, ready, reconciling, stalled, applied }) => {
    const next = apply(emptyJournal(), [r], 'r1', T0);
    const s = next.statuses['A/a'];
    expect([cond(s, 'Ready'), cond(s, 'Reconciling'), cond(s, 'Stalled')]).toEqual([ready, reconciling, stalled]);
    expect(s?.lastAppliedRevision).toBe(applied);
    expect(s?.lastAttemptedRevision).toBe('r1');
    expect(next.lastAttemptedRevision).toBe('r1');
    if (r.message) expect(conditionOf(s, 'Ready')?.message).toBe(r.message);
  });

  it('keeps lastTransitionTime while a status does not flip, moves it when it does', () => {
    const ok = apply(emptyJournal(), [result('A/a', 'succeeded', { health: 'Healthy' })], 'r1', T0);
    const still = apply(ok, [result('A/a', 'noop', { health: 'Healthy' })], 'r2', T1);
    expect(conditionOf(still.statuses['A/a'], 'Ready')?.lastTransitionTime).toBe(T0);
    expect(still.statuses['A/a']?.lastAppliedRevision).toBe('r2');
    const broken = apply(ok, [result('A/a', 'failed', { reason: 'ApplyFailed', disposition: 'stalled' })], 'r2', T1);
    expect(conditionOf(broken.statuses['A/a'], 'Ready')?.lastTransitionTime).toBe(T1);
    expect(broken.statuses['A/a']?.lastAppliedRevision).toBe('r1');
  });

  it.each([
    { name: 'stored', first: { summary: 'quota 3/10 h', usedHours: 3 }, second: undefined, after1: { summary: 'quota 3/10 h', usedHours: 3 }, after2: undefined },
    { name: 'replaced on the next run', first: { summary: 'quota 3/10 h', usedHours: 3 }, second: { summary: 'quota 4/10 h' }, after1: { summary: 'quota 3/10 h', usedHours: 3 }, after2: { summary: 'quota 4/10 h' } },
    { name: 'absent details keep none', first: undefined, second: undefined, after1: undefined, after2: undefined },
  ])('status details: $name', ({ first, second, after1, after2 }) => {
    const one = apply(emptyJournal(), [result('A/a', 'succeeded', { health: 'Healthy', ...(first ? { details: first } : {}) })], 'r1', T0);
    expect(one.statuses['A/a']?.details).toEqual(after1);
    const two = apply(one, [result('A/a', 'noop', { health: 'Healthy', ...(second ? { details: second } : {}) })], 'r2', T1);
    expect(two.statuses['A/a']?.details).toEqual(after2);
    if (after2 === undefined) expect(two.statuses['A/a']).not.toHaveProperty('details');
  });

  it('removes the status of a pruned resource and keeps a failed prune visible', () => {
    const prev = apply(emptyJournal(), [result('A/gone', 'succeeded'), result('A/stuck', 'succeeded')], 'r1', T0);
    const next = apply(prev, [result('A/gone', 'pruned'), result('A/stuck', 'prune-failed', { reason: 'PruneFailed', disposition: 'stalled' })], 'r2', T1);
    expect(next.statuses['A/gone']).toBeUndefined();
    expect(cond(next.statuses['A/stuck'], 'Stalled')).toBe('True:PruneFailed');
  });

  it('records observed digest, health and source', () => {
    const next = apply(emptyJournal(), [result('A/a', 'succeeded', { health: 'Healthy', observedDigest: 'sha256:1', source: { file: 'a.yaml', line: 3, col: 1 } })], 'r1', T0);
    expect(next.statuses['A/a']).toMatchObject({ kind: 'A', name: 'a', health: 'Healthy', observedDigest: 'sha256:1', source: { file: 'a.yaml', line: 3 } });
  });
});

describe('summarize runs', () => {
  it('with loader problems changes no status, records a Stalled run and keeps lastGoodRevision', () => {
    const good = apply(emptyJournal(), [result('A/a', 'succeeded')], 'r1', T0);
    expect(good.lastGoodRevision).toBe('r1');
    const problems = [{ file: 'hosts.yaml', line: 4, col: 3, message: 'unknown field' }];
    const next = apply(good, [], 'r2', T1, { problems });
    expect(next.statuses).toEqual(good.statuses);
    expect(next.lastGoodRevision).toBe('r1');
    expect(next.lastAttemptedRevision).toBe('r2');
    expect(next.runs[0]).toMatchObject({ outcome: 'Stalled', problems });
    expect(next.runs).toHaveLength(2);
  });

  it('with a whole-revision stall changes no status', () => {
    const good = apply(emptyJournal(), [result('A/a', 'succeeded')], 'r1', T0);
    const next = summarize(good, { run: run('x'), results: [], revision: 'r2', now: T1, stalledReason: 'dependency cycle: A/a -> A/a' });
    expect(next.statuses).toEqual(good.statuses);
    expect(next.runs[0]).toMatchObject({ outcome: 'Stalled', message: 'dependency cycle: A/a -> A/a' });
  });

  it('keeps lastGoodRevision after a failed run', () => {
    const good = apply(emptyJournal(), [result('A/a', 'succeeded')], 'r1', T0);
    const bad = apply(good, [result('A/a', 'failed', { disposition: 'transient', reason: 'Timeout' })], 'r2', T1);
    expect(bad.lastGoodRevision).toBe('r1');
  });

  it('caps the run history, newest first', () => {
    let j = emptyJournal();
    for (let i = 0; i < RUN_HISTORY_LIMIT + 5; i++) j = summarize(j, { run: run(`run-${i}`), results: [], revision: `r${i}`, now: T0 });
    expect(j.runs).toHaveLength(RUN_HISTORY_LIMIT);
    expect(j.runs[0]?.id).toBe(`run-${RUN_HISTORY_LIMIT + 4}`);
  });

  it('keeps the newest run whole and only the non-noop results of older runs, so history is bounded by changes', () => {
    const many = Array.from({ length: 100 }, (_, i) => result(`A/r${i}`, 'noop'));
    let j = emptyJournal();
    for (let i = 0; i < 5; i++) {
      j = summarize(j, { run: run(`run-${i}`), results: [...many, result('B/b', 'failed', { disposition: 'transient', reason: 'Timeout' })], revision: 'r1', now: T0 });
    }
    expect(j.runs[0]?.results).toHaveLength(101);
    expect(j.runs.slice(1).map((r) => r.results.map((t) => t.key))).toEqual([['B/b'], ['B/b'], ['B/b'], ['B/b']]);
    expect(j.runs.reduce((n, r) => n + r.results.length, 0)).toBe(101 + 4);
  });

  it('does not mutate its input', () => {
    const prev = apply(emptyJournal(), [result('A/a', 'succeeded')], 'r1', T0);
    const snapshot = structuredClone(prev);
    apply(prev, [result('A/a', 'failed', { disposition: 'stalled', reason: 'ApplyFailed' }), result('A/b', 'succeeded')], 'r2', T1);
    expect(prev).toEqual(snapshot);
  });
});

describe('outcomeOf', () => {
  it.each([
    { name: 'nothing at all', results: [], outcome: 'NoChanges' },
    { name: 'all noop', results: [result('A/a', 'noop'), result('A/b', 'prune-skipped')], outcome: 'NoChanges' },
    { name: 'one applied', results: [result('A/a', 'noop'), result('A/b', 'succeeded')], outcome: 'Succeeded' },
    { name: 'one pruned', results: [result('A/a', 'noop'), result('A/b', 'pruned')], outcome: 'Succeeded' },
    { name: 'a stalled failure', results: [result('A/a', 'failed', { disposition: 'transient' }), result('A/b', 'failed', { disposition: 'stalled' })], outcome: 'Stalled' },
    { name: 'a transient failure', results: [result('A/a', 'failed', { disposition: 'transient' })], outcome: 'Failed' },
    { name: 'only waiting failures', results: [result('A/a', 'failed', { disposition: 'waiting' })], outcome: 'Waiting' },
    { name: 'a failed prune', results: [result('A/a', 'prune-failed', { disposition: 'transient' })], outcome: 'Failed' },
    { name: 'skipped by cancel', results: [result('A/a', 'skipped', { reason: 'Cancelled' })], outcome: 'Failed' },
  ])('$name -> $outcome', ({ results, outcome }) => {
    expect(outcomeOf(results)).toBe(outcome);
  });
});

describe('statuses follow the declaration', () => {
  it('drops the status of a resource the revision no longer declares, even when prune keeps it', () => {
    const first = apply(emptyJournal(), [result('A/a', 'succeeded', { health: 'Healthy' }), result('A/b', 'failed', { disposition: 'stalled' })], 'r1', T0);
    expect(Object.keys(first.statuses).sort()).toEqual(['A/a', 'A/b']);
    const plan = { revision: 'r2', createdAt: T1, waves: [['A/a']], tasks: [{ key: 'A/a' }], prune: [] } as unknown as Parameters<typeof summarize>[1]['plan'];
    const results = [result('A/a', 'noop', { health: 'Healthy' }), result('A/b', 'prune-skipped')];
    const next = summarize(first, { run: run('r2', results), plan, results, revision: 'r2', now: T1 });
    expect(Object.keys(next.statuses)).toEqual(['A/a']);
  });
});
