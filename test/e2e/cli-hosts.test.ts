/**
 * The core issue end to end: the real CLI against 3 real sshd hosts. Plan, apply, re-plan is all no-op, init runs
 * once, a changed init step re-runs, a host down mid-apply is retried and converges, kill -9 mid-apply then re-run
 * converges with nothing duplicated, and a changed host key is refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, waitFor } from '../harness/cli.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../harness/secrets.js';
import { tempDir } from '../harness/tmp.js';

let lab: TestHosts;
let repo: string;
let state: string;

interface Step { name: string; run: string }

function writeRepo(stepsFor: (i: number) => Step[], retry = { attempts: 3, baseDelayMs: 200, maxDelayMs: 1000 }): void {
  writeFileSync(
    join(repo, 'driftless.yaml'),
    [
      'apiVersion: driftless.dev/v1',
      'concurrency: 4',
      `retry: { attempts: ${retry.attempts}, baseDelayMs: ${retry.baseDelayMs}, maxDelayMs: ${retry.maxDelayMs} }`,
      'health: { timeoutSeconds: 30, intervalMs: 200 }',
      'defaults:',
      '  Host:',
      '    privateKey: { secret: cli-key }',
      '',
    ].join('\n'),
  );
  writeFileSync(join(repo, 'cluster.yaml'), 'apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: ops }\nspec: { description: test }\n');
  const docs = lab.hosts.map((h, i) => {
    const steps = stepsFor(i).map((s) => `    - name: ${s.name}\n      run: ${JSON.stringify(s.run)}`).join('\n');
    return `apiVersion: driftless.dev/v1\nkind: Host\nmetadata: { name: h${i + 1} }\nspec:\n  address: 127.0.0.1\n  port: ${h.port}\n  cluster: ops\n  init:\n${steps}\n`;
  });
  writeFileSync(join(repo, 'hosts.yaml'), docs.join('---\n'));
}

const count = async (i: number, file: string): Promise<number> => {
  const r = await lab.hosts[i]!.exec(`cat ${file} 2>/dev/null | wc -l`);
  return Number(r.stdout.trim());
};
const cli = (...args: string[]) => runCli([...args, '--state-dir', state]);

beforeAll(async () => {
  lab = await startTestHosts(3, { name: 'cli' });
  repo = tempDir('dl-repo');
  state = tempDir('dl-state');
  // The operator's settings in the state dir (read by default): the key may go to the loopback hosts only.
  writeOperatorSettings({ 'cli-key': { value: lab.privateKey, allow: LOOPBACK_HOSTS } }, { dir: state, name: 'config.yaml' });
});
afterAll(async () => {
  await lab?.teardown();
});

describe('driftless CLI against real hosts', () => {
  it('plans, applies, runs init once, and re-plans to all no-op', async () => {
    writeRepo(() => [{ name: 'count', run: 'echo ran >> /root/init-a' }]);
    const plan = await cli('plan', repo);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/\+ Cluster\/ops\s+create/);
    for (const n of [1, 2, 3]) expect(plan.stdout).toMatch(new RegExp(`\\+ Host/h${n}\\s+create`));
    expect(plan.stdout).toContain('Plan: 4 to create, 0 to update');

    const apply = await cli('apply', repo, '--yes');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Apply succeeded');
    for (const i of [0, 1, 2]) expect(await count(i, '/root/init-a')).toBe(1);

    const again = await cli('plan', repo);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes. 4 resource(s) match the declaration.');
    const reapply = await cli('apply', repo, '--yes');
    expect(reapply.code).toBe(0);
    for (const i of [0, 1, 2]) expect(await count(i, '/root/init-a')).toBe(1);

    const status = await runCli(['status', '--json', '--state-dir', state]);
    const body = JSON.parse(status.stdout) as { resources: Array<{ key: string; conditions: Array<{ type: string; status: string }> }> };
    expect(body.resources.map((r) => r.key).sort()).toEqual(['Cluster/ops', 'Host/h1', 'Host/h2', 'Host/h3']);
    for (const r of body.resources) expect(r.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    const h1 = (body.resources as Array<{ key: string; details?: { cpus?: unknown; os?: unknown; memoryMiB?: unknown } }>).find((r) => r.key === 'Host/h1');
    expect(h1?.details).toMatchObject({ reachable: true, cpus: expect.any(Number), memoryMiB: expect.any(Number), os: expect.stringMatching(/debian/i) });
  });

  it('re-runs only a changed init step', async () => {
    writeRepo(() => [
      { name: 'count', run: 'echo ran >> /root/init-a' },
      { name: 'second', run: 'echo ran >> /root/init-b' },
    ]);
    const plan = await cli('plan', repo);
    expect(plan.stdout).toMatch(/~ Host\/h1\s+update/);
    expect(plan.stdout).toContain('spec.init[second]');
    expect(plan.stdout).not.toContain('spec.init[count]');
    expect((await cli('apply', repo, '--yes')).code).toBe(0);
    for (const i of [0, 1, 2]) {
      expect(await count(i, '/root/init-a')).toBe(1);
      expect(await count(i, '/root/init-b')).toBe(1);
    }
  });

  it('retries a host that is down mid-apply and converges when it is back', async () => {
    writeRepo(() => [
      { name: 'count', run: 'echo ran >> /root/init-a' },
      { name: 'second', run: 'echo ran >> /root/init-b' },
      { name: 'third', run: 'echo ran >> /root/init-c' },
    ], { attempts: 8, baseDelayMs: 500, maxDelayMs: 2000 });
    await lab.hosts[1]!.stop();
    // The plan line says why the host is unreachable (issue 18.11), as --json did.
    expect((await cli('plan', repo)).stdout).toMatch(/~ Host\/h2 {2}update \(Unreachable: .*(ECONNREFUSED|timed out|ETIMEDOUT|EHOSTUNREACH).*\)/i);
    const run = spawnCli(['apply', repo, '--yes', '--state-dir', state]);
    await waitFor('a retry of Host/h2', () => /Host\/h2: attempt \d+ failed/.test(run.output()));
    await lab.hosts[1]!.start();
    const result = await run.done;
    expect(result.code, run.output()).toBe(0);
    expect(run.output()).toMatch(/Host\/h2: update succeeded/);
    for (const i of [0, 1, 2]) expect(await count(i, '/root/init-c')).toBe(1);
    expect((await cli('plan', repo)).stdout).toContain('No changes.');
  });

  it('converges after kill -9 mid-apply with nothing duplicated', async () => {
    const gate = '/root/go';
    const slow = `echo start >> /root/slow-a; touch /root/slow-waiting; i=0; while [ ! -f ${gate} ] && [ $i -lt 600 ]; do i=$((i+1)); sleep 0.1; done; echo done >> /root/slow-b`;
    writeRepo((i) => [
      { name: 'count', run: 'echo ran >> /root/init-a' },
      { name: 'second', run: 'echo ran >> /root/init-b' },
      { name: 'third', run: 'echo ran >> /root/init-c' },
      ...(i === 0 ? [{ name: 'slow', run: slow }] : []),
      { name: 'after', run: 'echo ran >> /root/init-d' },
    ]);
    const run = spawnCli(['apply', repo, '--yes', '--state-dir', state]);
    await waitFor('the slow step to start on h1', async () => (await lab.hosts[0]!.exec('test -f /root/slow-waiting')).code === 0);
    run.child.kill('SIGKILL');
    await run.done;
    await lab.hosts[0]!.exec(`touch ${gate}`);
    // The orphaned remote step either finishes (and records itself) or was killed; wait until it is gone either way.
    await waitFor('no orphaned step on h1', async () => (await lab.hosts[0]!.exec("pgrep -f 'slow-waitin[g]'")).code !== 0);
    const rerun = await cli('apply', repo, '--yes');
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(await count(0, '/root/slow-a')).toBe(1);
    expect(await count(0, '/root/slow-b')).toBe(1);
    for (const i of [0, 1, 2]) {
      expect(await count(i, '/root/init-a')).toBe(1);
      expect(await count(i, '/root/init-d')).toBe(1);
    }
    expect((await cli('plan', repo)).stdout).toContain('No changes.');
  });

  it('refuses a host whose key changed and leaves the pinned key alone', async () => {
    const knownHosts = join(state, 'known_hosts.json');
    const before = readFileSync(knownHosts, 'utf8');
    await lab.hosts[2]!.regenerateHostKey();
    const plan = await cli('plan', repo);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/\? Host\/h3 {2}unknown \(HostKeyMismatch\) {2}\[wave \d+\]\n {6}observe failed: .*host key/i);
    expect(plan.stdout).toMatch(/, 1 unknown \(could not be observed\)\./);
    const apply = await cli('apply', repo, '--yes');
    // stalled: a human must accept the new key, so the run ends Stalled (exit 2), not merely failed (3)
    expect(apply.code).toBe(2);
    expect(apply.stdout).toMatch(/Host\/h3: .*failed HostKeyMismatch/);
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);
    const status = await runCli(['status', '--state-dir', state]);
    expect(status.stdout).toMatch(/Host\/h3\s+Stalled/);
  });
});
