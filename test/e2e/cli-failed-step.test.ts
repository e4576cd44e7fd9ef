/**
 * One rule for a failed remote step (issue 18.13): `apply` exits 3 (apply failed), not 2 (a human must act), and
 * the message quotes the end of the step's output as whole lines with the retry loop's repeated line said once.
 * The real CLI against a real sshd host.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../harness/secrets.js';
import { tempDir } from '../harness/tmp.js';

let lab: TestHosts;
let repo: string;
let state: string;

function writeRepo(run: string): void {
  writeFileSync(join(repo, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\nretry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 }\ndefaults:\n  Host:\n    privateKey: { secret: step-key }\n');
  const h = lab.hosts[0]!;
  writeFileSync(join(repo, 'host.yaml'), `apiVersion: driftless.dev/v1\nkind: Host\nmetadata: { name: h1 }\nspec:\n  address: 127.0.0.1\n  port: ${h.port}\n  init:\n    - name: fetch\n      run: ${JSON.stringify(run)}\n`);
}

beforeAll(async () => {
  lab = await startTestHosts(1, { name: 'failstep' });
  repo = tempDir('failed-step-repo');
  state = tempDir('failed-step-state');
  // The operator's settings in the state dir, where every command looks for them.
  writeOperatorSettings({ 'step-key': { value: lab.privateKey, allow: LOOPBACK_HOSTS } }, { dir: state, name: 'config.yaml' });
});
afterAll(async () => {
  await lab?.teardown();
});

describe('a remote step that fails', () => {
  it('ends the apply with exit 3 and a readable tail of its output; fixed, it converges', async () => {
    writeRepo(`echo "downloading $(printf 'x%.0s' $(seq 300))" >&2; for i in $(seq 20); do echo 'curl: (7) Failed to connect to mirror port 80' >&2; done; echo 'giving up' >&2; exit 7`);
    const apply = await runCli(['apply', repo, '--yes', '--state-dir', state]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(3);
    const line = apply.stdout.split('\n').find((l) => l.includes('Host/h1:') && l.includes('failed')) ?? '';
    expect(line).toMatch(/init step "fetch" exited 7: (downloading x+ \| )?curl: \(7\) Failed to connect to mirror port 80 \(x20\) \| giving up/);
    expect(line.match(/Failed to connect/g)).toHaveLength(1);
    expect(line).toMatch(/FailedError|CommandFailed/);
    const status = await runCli(['status', '--state-dir', state]);
    expect(status.stdout).toMatch(/Host\/h1\s+NotReady/);

    writeRepo('echo fixed > /root/fixed');
    const again = await runCli(['apply', repo, '--yes', '--state-dir', state]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect((await lab.hosts[0]!.exec('cat /root/fixed')).stdout.trim()).toBe('fixed');
  });
});
