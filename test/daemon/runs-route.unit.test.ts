/** `/runs` lists the run going on now (issue 18.8), first and marked Running with its progress, sanitised. */
import { describe, expect, it } from 'vitest';
import { emptyJournal } from '../../src/journal/types.js';
import { registerSecret } from '../../src/util/sanitize.js';
import { testServer } from './helpers.js';

function app(current?: { id: string; trigger: string; revision: string; startedAt: string; tasksDone: number; tasksTotal: number }) {
  const journal = emptyJournal();
  journal.runs = [
    { id: 'run-0', trigger: 'startup', revision: 'a'.repeat(40), startedAt: 't0', finishedAt: 't1', durationMs: 5, outcome: 'Succeeded', counts: {}, results: [] },
  ];
  return testServer({
    read: () => journal,
    live: () => ({ description: 'test', branch: 'main', ready: true, running: current !== undefined, ...(current ? { current } : {}) }),
  });
}

describe('GET /runs', () => {
  it('lists the running run first, with its progress', async () => {
    registerSecret('webhook:s3cr3t-value-for-runs');
    const current = { id: 'run-1', trigger: 'webhook:s3cr3t-value-for-runs', revision: 'b'.repeat(40), startedAt: 't2', tasksDone: 3, tasksTotal: 7 };
    const res = await app(current).inject({ url: '/runs' });
    const runs = res.json().runs as { id: string; outcome: string; tasksDone?: number; trigger: string }[];
    expect(runs.map((r) => [r.id, r.outcome])).toEqual([
      ['run-1', 'Running'],
      ['run-0', 'Succeeded'],
    ]);
    expect(runs[0]).toMatchObject({ tasksDone: 3, tasksTotal: 7 });
    expect(res.body).not.toContain('s3cr3t-value-for-runs');
  });

  it('lists only finished runs when nothing runs', async () => {
    const res = await app().inject({ url: '/runs' });
    expect((res.json().runs as { id: string }[]).map((r) => r.id)).toEqual(['run-0']);
  });
});
