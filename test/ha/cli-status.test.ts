/**
 * `driftless status --state etcd://...` through the real CLI (issue 16): the journal an HA fleet shares is read
 * from a real 3-member etcd, from a directory that is no replica's state dir, and says exactly what `status` says
 * of the same journal in a state dir (it is migrated there first). An etcd prefix holding no journal yet is an
 * empty status, and a --state that is not an etcd URL is refused with a clear message.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJournal } from '../../src/journal/index.js';
import { runCli } from '../harness/cli.js';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';
import { tempDir } from '../harness/tmp.js';

let cluster: EtcdCluster;
const env = { DRIFTLESS_NO_BUNDLE: '1', DRIFTLESS_STATE: '' };
const REV = 'b'.repeat(40);

beforeAll(async () => {
  cluster = await startEtcdCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

async function seed(dir: string): Promise<void> {
  const journal = await openJournal(join(dir, 'journal.json'));
  await journal.update((d) => {
    d.lastGoodRevision = REV;
    d.statuses['Host/web-1'] = {
      key: 'Host/web-1',
      kind: 'Host',
      name: 'web-1',
      conditions: [{ type: 'Ready', status: 'True', reason: 'Applied', message: 'applied', lastTransitionTime: '2026-12-05T00:00:00.000Z' }],
      health: 'Healthy',
      lastAppliedRevision: REV,
      updatedAt: '2026-12-05T00:00:01.000Z',
    } as never;
    d.runs.push({ id: 'run-1', revision: REV, outcome: 'Succeeded', trigger: 'webhook:github', startedAt: '2026-12-05T00:00:00.000Z', finishedAt: '2026-12-05T00:00:01.000Z', durationMs: 1000, counts: { applied: 1 }, results: [] } as never);
  });
}

describe('driftless status --state etcd://', () => {
  it('reads the shared journal from any directory and says what status says of the same journal on disk', async () => {
    const dir = tempDir('status-src');
    await seed(dir);
    const url = cluster.url('status1');
    const migrated = await runCli(['state', 'migrate', '--from', dir, '--to', url], { env });
    expect(migrated.code).toBe(0);
    const local = await runCli(['status', '--state-dir', dir, '--json'], { env });
    expect(local.code).toBe(0);
    const shared = await runCli(['status', '--state', url, '--json'], { env, cwd: tempDir('status-elsewhere') });
    expect(shared.stderr).toBe('');
    expect(shared.code).toBe(0);
    const body = JSON.parse(shared.stdout) as { lastGoodRevision: string; lastRun: { trigger: string }; resources: { key: string }[] };
    expect(body).toEqual(JSON.parse(local.stdout));
    expect(body.lastGoodRevision).toBe(REV);
    expect(body.lastRun.trigger).toBe('webhook:github');
    expect(body.resources.map((r) => r.key)).toEqual(['Host/web-1']);
    // the human form too, through $DRIFTLESS_STATE
    const text = await runCli(['status'], { env: { ...env, DRIFTLESS_STATE: url }, cwd: tempDir('status-elsewhere') });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('web-1');
  });

  it('a prefix with no journal is an empty status; a --state that is no etcd URL is refused', async () => {
    const empty = await runCli(['status', '--state', cluster.url('nothing-here'), '--json'], { env });
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual({ resources: [] });
    const bad = await runCli(['status', '--state', '/var/lib/driftless'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected etcd://');
  });
});
