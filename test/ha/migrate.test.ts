/**
 * `driftless state migrate` through the real CLI, a state dir -> a real 3-member etcd -> a fresh state dir: every
 * record comes back (journal runs and inventory, pinned host keys, machine keys, kind state and logs), secrets are
 * sealed in etcd (a dump holds no private key bytes), local caches stay behind, and a second migration into a
 * store that already holds a journal is refused without changing it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJournal } from '../../src/journal/index.js';
import { createFileStore } from '../../src/store/index.js';
import { runCli } from '../harness/cli.js';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';
import { tempDir } from '../harness/tmp.js';

let cluster: EtcdCluster;
const KEY_ENV = `DL_MIGRATE_KEY_${randomBytes(3).toString('hex')}`;
const env = { [KEY_ENV]: randomBytes(32).toString('base64'), DRIFTLESS_NO_BUNDLE: '1' };
const PRIVATE = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(120).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;

/** Every file under `dir` (relative path -> content), leaving out the lock, last-good copy and local caches. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  for (const k of Object.keys(out)) if (/^(driftless\.lock|journal\.last-good\.json)$|^(git-cache|status-cache|status|webhooks|builds)\//.test(k)) delete out[k];
  return out;
}

async function seedStateDir(dir: string): Promise<void> {
  const journal = await openJournal(join(dir, 'journal.json'));
  await journal.update((d) => {
    d.lastGoodRevision = 'a'.repeat(40);
    d.inventory['Host/web-1'] = { key: 'Host/web-1', kind: 'Host', name: 'web-1', digest: 'd1', revision: 'a'.repeat(40), appliedAt: '2026-12-05T00:00:00.000Z', resource: { kind: 'Host' } } as never;
    d.runs.push({ id: 'run-1', revision: 'a'.repeat(40), outcome: 'Succeeded', trigger: 'startup', startedAt: '2026-12-05T00:00:00.000Z', finishedAt: '2026-12-05T00:00:01.000Z', durationMs: 1000, counts: { applied: 1 }, results: [] });
  });
  writeFileSync(join(dir, 'known_hosts.json'), '# driftless known hosts\n[127.0.0.1]:2201 ssh-ed25519 SHA256:abc\n', { mode: 0o600 });
  const s = createFileStore(dir);
  await s.put('machines', 'keys/set-a/m1/id_ed25519', PRIVATE, { secret: true });
  await s.put('machines', 'keys/set-a/m1/id_ed25519.pub', 'ssh-ed25519 AAAA m1\n');
  await s.put('machines', 'keys/set-a/m1/token', 'client-token-123\n', { secret: true });
  await s.put('machines', 'owner', 'dl-1\n');
  await s.put('pools', 'web/restarts.json', '{"c1":{"attempts":2}}\n');
  await s.put('cf', 'd1/status.json', '{"deployment":"d1"}\n');
  await s.append('nginx', 'history.jsonl', '{"i":1}');
  await s.append('nginx', 'history.jsonl', '{"i":2}');
  await s.append('cf', 'd1/logs/nats_0.log', 'installing\ndone');
  for (const local of ['git-cache/x', 'status-cache/status.git', 'status/resources', 'webhooks', 'builds/image-project/a']) {
    mkdirSync(join(dir, local), { recursive: true });
    writeFileSync(join(dir, local, 'HEAD'), 'local only');
  }
}

beforeAll(async () => {
  cluster = await startEtcdCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describe('driftless state migrate', () => {
  it('state dir -> etcd -> state dir loses nothing, seals secrets, and leaves local caches behind', async () => {
    const src = tempDir('migrate-src');
    await seedStateDir(src);
    const url = cluster.url('mig1');
    const there = await runCli(['state', 'migrate', '--from', src, '--to', url, '--state-key-env', KEY_ENV, '--json'], { env });
    expect(there.stderr).toBe('');
    expect(there.code).toBe(0);
    expect(JSON.parse(there.stdout)).toMatchObject({ verified: true, journal: { runs: 1, resources: 1 }, knownHosts: 1, keys: 6, secrets: 2, logs: 2 });

    const dump = await cluster.client().getAll().prefix('mig1/').buffers();
    const all = Buffer.concat(Object.entries(dump).flatMap(([k, v]) => [Buffer.from(k), v]));
    expect(all.includes(Buffer.from(PRIVATE.split('\n')[1]!.slice(0, 30)))).toBe(false);
    expect(all.includes(Buffer.from('client-token-123'))).toBe(false);
    expect(all.includes(Buffer.from('ssh-ed25519 AAAA m1'))).toBe(true);
    expect(Object.keys(dump).some((k) => /^mig1\/(kv|log|logseq)\/(git-cache|status|status-cache|webhooks|builds)\//.test(k))).toBe(false);
    expect(all.includes(Buffer.from('local only'))).toBe(false);

    const back = tempDir('migrate-back');
    const res = await runCli(['state', 'migrate', '--from', url, '--to', back, '--state-key-env', KEY_ENV], { env });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/read it back: journal \(1 runs, 1 resources\), 1 pinned host keys, 6 keys \(2 sealed as secret\), 2 logs/);
    const before = files(src);
    const after = files(back);
    // the journal is rewritten by lowdb: compare it as data, everything else byte for byte
    expect(JSON.parse(after['journal.json']!)).toEqual(JSON.parse(before['journal.json']!));
    delete before['journal.json'];
    delete after['journal.json'];
    expect(after).toEqual(before);
    expect(statSync(join(back, 'machines/keys/set-a/m1/id_ed25519')).mode & 0o777).toBe(0o600);
  });

  it('refuses a target that already holds a journal, and changes nothing there', async () => {
    const src = tempDir('migrate-src2');
    await seedStateDir(src);
    const url = cluster.url('mig2');
    expect((await runCli(['state', 'migrate', '--from', src, '--to', url, '--state-key-env', KEY_ENV], { env })).code).toBe(0);
    const before = await cluster.client().getAll().prefix('mig2/').strings();
    const again = await runCli(['state', 'migrate', '--from', src, '--to', url, '--state-key-env', KEY_ENV], { env });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds a journal with runs or inventory: refusing/);
    expect(await cluster.client().getAll().prefix('mig2/').strings()).toEqual(before);
  });

  it('without an encryption key, secrets are refused before anything is written', async () => {
    const src = tempDir('migrate-src3');
    await seedStateDir(src);
    const res = await runCli(['state', 'migrate', '--from', src, '--to', cluster.url('mig3')], { env });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/no encryption key/);
    expect(await cluster.client().getAll().prefix('mig3/').keys()).toEqual([]);
  });
});
