/**
 * Issue 14, end to end through the real CLI: Hosts whose SSH keys live in the config repo, one inline `{ age }` and
 * one in a SOPS file, are applied on a real sshd host (the keys are opened with the operator's identities from the
 * settings file and used for that host); with `age.allow` naming other hosts, the same repo is Stalled
 * SecretNotAllowed (refused before any connection); the output never holds the key.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createSshDriver } from '../../src/drivers/ssh/index.js';
import { formatSops, sealSops } from '../../src/secrets/age/sops.js';
import { runCli } from '../harness/cli.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { tempDir } from '../harness/tmp.js';

let hosts: TestHosts;
let dir: string;
let recipient: string;

beforeAll(async () => {
  hosts = await startTestHosts(1, { name: 'age-apply' });
  dir = tempDir('age-apply');
  execFileSync('age-keygen', ['-o', join(dir, 'age.txt')], { stdio: 'pipe' });
  recipient = /public key: (age1\S+)/.exec(readFileSync(join(dir, 'age.txt'), 'utf8'))?.[1] as string;
}, 120_000);

afterAll(async () => {
  await hosts?.teardown();
});

async function repoWithKeys(): Promise<string> {
  const repo = tempDir('age-apply-repo');
  const h = hosts.hosts[0]!;
  const inline = execFileSync('age', ['-a', '-r', recipient], { input: hosts.privateKey }).toString();
  writeFileSync(join(repo, 'keys.sops.yaml'), formatSops(await sealSops({ lab: { key: hosts.privateKey } }, [recipient]), 'keys.sops.yaml'));
  const host = (name: string, privateKey: unknown, step: string) =>
    stringify({ apiVersion: 'driftless.dev/v1', kind: 'Host', metadata: { name }, spec: { address: h.address, port: h.port, privateKey, init: [{ name: step, run: `touch /tmp/${step}` }] } });
  writeFileSync(join(repo, 'hosts.yaml'), [host('inline', { age: inline }, 'by-inline-key'), host('sops', { sops: { file: 'keys.sops.yaml', key: 'lab.key' } }, 'by-sops-key')].join('---\n'));
  return repo;
}

function settings(allow?: Record<string, string[]>): string {
  const file = join(dir, `operator-${allow ? 'bound' : 'open'}.yaml`);
  writeFileSync(file, stringify({ age: { identities: { file: join(dir, 'age.txt') }, ...(allow ? { allow } : {}) } }));
  return file;
}

describe('encrypted SSH keys in the repo', () => {
  it('apply opens both and uses them on the host; the plan never shows a key', async () => {
    const repo = await repoWithKeys();
    const env = { DRIFTLESS_NO_BUNDLE: '1' };
    const state = tempDir('age-apply-state');
    const r = await runCli(['apply', repo, '--yes', '--state-dir', state, '--config', settings(), '--log-level', 'debug'], { env });
    expect(r.stderr + r.stdout).not.toContain('PRIVATE KEY');
    expect(r.code).toBe(0);
    const ssh = createSshDriver({ knownHostsPath: join(tempDir('age-apply-kh'), 'known_hosts') });
    const seen = (await ssh.exec(hosts.targets()[0]!, 'ls /tmp', { timeoutMs: 20_000 })).stdout;
    await ssh.close();
    expect(seen).toContain('by-inline-key');
    expect(seen).toContain('by-sops-key');
  }, 180_000);

  it('with age.allow naming other hosts: Stalled SecretNotAllowed before connecting, exit 2', async () => {
    const repo = await repoWithKeys();
    const r = await runCli(['plan', repo, '--state-dir', tempDir('age-apply-state2'), '--config', settings({ hosts: ['10.9.9.0/24'] })], { env: { DRIFTLESS_NO_BUNDLE: '1' } });
    expect(r.code).toBe(2);
    const out = (r.stdout + r.stderr).replace(/\s+/g, ' ');
    expect(out).toMatch(/an age-encrypted value may not be sent to SSH host 127\.0\.0\.1: not among age\.allow hosts \(10\.9\.9\.0\/24\)/);
    expect(out).toMatch(/keys\.sops\.yaml#lab\.key may not be sent to SSH host 127\.0\.0\.1/);
  }, 120_000);
});
