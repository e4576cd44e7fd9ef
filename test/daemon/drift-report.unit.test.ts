/** Pure parts: drift marking of re-observation plans, and the status report rendered from a journal. */
import { describe, expect, it } from 'vitest';
import { emptyJournal } from '../../src/journal/types.js';
import type { Plan, Task } from '../../src/model/plan.js';
import { markDrift } from '../../src/reconcile/drift.js';
import { renderReport } from '../../src/report/render.js';

function task(name: string, action: Task['action'], annotations?: Record<string, string>): Task {
  return {
    key: `Host/${name}`,
    kind: 'Host',
    name,
    action,
    wave: 0,
    changes: action === 'noop' ? [] : [{ path: 'spec.init[a]', after: 'run' }],
    dependsOn: [],
    digest: 'd',
    desired: { apiVersion: 'driftless.dev/v1', kind: 'Host', metadata: { name, ...(annotations ? { annotations } : {}) }, spec: {}, source: { file: 'h.yaml', line: 1, col: 1 } },
  };
}

describe('markDrift', () => {
  it('labels changes DriftDetected; opted-out resources stay declared as no-ops but leave every wave', () => {
    const plan: Plan = {
      revision: 'r',
      createdAt: 't',
      waves: [['Host/a', 'Host/b', 'Host/c']],
      prune: [],
      tasks: [task('a', 'update'), task('b', 'update', { 'driftless.dev/drift': 'ignore' }), task('c', 'noop')],
    };
    const out = markDrift(plan);
    expect(out.drifted).toEqual(['Host/a']);
    expect(out.ignored).toEqual(['Host/b']);
    expect(out.plan.tasks.map((t) => [t.key, t.action, t.reason])).toEqual([
      ['Host/a', 'update', 'DriftDetected'],
      ['Host/b', 'noop', 'DriftIgnored'],
      ['Host/c', 'noop', undefined],
    ]);
    expect(out.plan.waves).toEqual([['Host/a', 'Host/c']]);
  });

  it('keeps a reason the kind gave (e.g. Unreachable)', () => {
    const t = { ...task('a', 'update'), reason: 'Unreachable' };
    expect(markDrift({ revision: 'r', createdAt: 't', waves: [['Host/a']], prune: [], tasks: [t] }).plan.tasks[0]!.reason).toBe('Unreachable');
  });
});

describe('renderReport', () => {
  it('writes a Markdown summary with problems as file:line and one JSON file per resource', () => {
    const data = emptyJournal();
    const t = '2026-01-01T00:00:00.000Z';
    data.lastGoodRevision = 'b'.repeat(40);
    data.statuses['Host/web-1'] = {
      key: 'Host/web-1',
      kind: 'Host',
      name: 'web-1',
      health: 'Healthy',
      conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'ok', lastTransitionTime: t }],
      lastAppliedRevision: 'b'.repeat(40),
      details: { summary: 'quota 3/10 h, 2 live', usedHours: 3, quotaHours: 10 },
      updatedAt: t,
    };
    data.statuses['Host/web-2'] = {
      key: 'Host/web-2',
      kind: 'Host',
      name: 'web-2',
      health: 'Degraded',
      conditions: [{ type: 'Stalled', status: 'True', reason: 'AuthenticationFailed', message: 'key | refused', lastTransitionTime: t }],
      updatedAt: t,
    };
    data.runs = [
      {
        id: 'r1',
        trigger: 'webhook:github',
        revision: 'c'.repeat(40),
        startedAt: t,
        finishedAt: t,
        durationMs: 1500,
        outcome: 'Stalled',
        counts: {},
        results: [],
        problems: [{ file: 'hosts/web-1.yaml', line: 7, col: 9, message: 'spec.port: must be integer' }],
      },
    ];
    const files = renderReport(data, { description: 'git http://x/c.git#main', branch: 'main', ready: true, running: false });
    expect(Object.keys(files).sort()).toEqual(['README.md', 'resources/Host/web-1.json', 'resources/Host/web-2.json']);
    const md = files['README.md']!;
    expect(md).toContain('- Revision in force: `bbbbbbbbbbbb`');
    expect(md).toContain('- Last run: **Stalled** (trigger webhook:github)');
    expect(md).toContain('- `hosts/web-1.yaml:7:9` spec.port: must be integer');
    expect(md).toContain('| Host/web-1 | Ready | Healthy |  | quota 3/10 h, 2 live | bbbbbbbbbbbb |');
    expect(md).toContain('| Host/web-2 | **Stalled** | Degraded | AuthenticationFailed: key \\| refused |');
    expect(JSON.parse(files['resources/Host/web-1.json']!)).toMatchObject({
      key: 'Host/web-1',
      lastAppliedRevision: 'b'.repeat(40),
      details: { summary: 'quota 3/10 h, 2 live', usedHours: 3, quotaHours: 10 },
    });
    expect(renderReport(data, { description: 'git http://x/c.git#main', branch: 'main', ready: true, running: false })).toEqual(files);
  });
});
