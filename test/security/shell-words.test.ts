/**
 * Issue 14, shell words: every value driftless places into a shell command that is not itself a declared command
 * (init step names, pool and container names, labels, env, ports, health-check paths, CF users) must stay one
 * literal word. Each script builder gets values carrying `$(...)`, backticks, `;`, `&&`, newlines and quotes and runs
 * for real on an sshd test host; the marker files those payloads would create must not appear. (The schemas also
 * refuse such names; this checks the quoting underneath, which must hold on its own.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshDriver, type ManagedSshDriver } from '../../src/drivers/ssh/index.js';
import type { SshTarget } from '../../src/drivers/types.js';
import { observeScript } from '../../src/kinds/cf-deployment/scripts.js';
import { planSteps, stepScript } from '../../src/kinds/host/init-steps.js';
import { probeScript, startScript, stopScript } from '../../src/kinds/pool/scripts.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { tempDir } from '../harness/tmp.js';

const MARK = '/tmp/driftless-pwned';
/** Payloads that would each create a marker file if any shell expanded or split them. */
const payloads = (tag: string): string[] => [
  `a$(touch ${MARK}-${tag}-1)`,
  `b\`touch ${MARK}-${tag}-2\``,
  `c; touch ${MARK}-${tag}-3`,
  `d\ntouch ${MARK}-${tag}-4`,
  `e' ; touch ${MARK}-${tag}-5 ; '`,
  `f" ; touch ${MARK}-${tag}-6 ; "`,
  `g && touch ${MARK}-${tag}-7`,
];

let hosts: TestHosts;
let target: SshTarget;
let ssh: ManagedSshDriver;

beforeAll(async () => {
  hosts = await startTestHosts(1, { name: 'shellwords' });
  target = hosts.targets()[0] as SshTarget;
  ssh = createSshDriver({ knownHostsPath: join(tempDir('shellwords'), 'known_hosts') });
}, 120_000);

afterAll(async () => {
  await ssh?.close();
  await hosts?.teardown();
});

async function markers(tag: string): Promise<string> {
  const r = await ssh.exec(target, `ls ${MARK}-${tag}-* 2>/dev/null; true`, { timeoutMs: 20_000 });
  return r.stdout.trim();
}

describe('values in shell commands never run', () => {
  it('init step names (the marker line), with the step itself run once', async () => {
    for (const [i, name] of payloads('step').entries()) {
      const [step] = planSteps([{ name, run: `echo step ${i}` }]);
      const r = await ssh.exec(target, 'sh -s', { stdin: stepScript(step as never), timeoutMs: 20_000 });
      expect(r.code).toBe(0);
    }
    expect(await markers('step')).toBe('');
    const names = await ssh.exec(target, 'cat /var/lib/driftless/init/*', { timeoutMs: 20_000 });
    expect(names.stdout).toContain('a$(touch');
  });

  it('pool node names, pool names, labels, env, container args and health-check paths', async () => {
    const p = payloads('pool');
    for (const [i, bad] of p.entries()) {
      const meta = { pool: bad, service: bad, name: bad, ordinal: i, image: `img:${i}`, specDigest: 'd' };
      const spec = { image: `img:${i}`, env: { E: bad }, labels: { [`l${i}`]: bad }, args: [bad], network: 'bridge' } as never;
      for (const script of [
        startScript(spec, meta),
        stopScript(bad, bad),
        probeScript({ http: { port: 80, path: `/${bad}` } } as never, [bad], 'bridge', () => 'true'),
      ]) {
        await ssh.exec(target, 'bash -s', { stdin: `H=h\n${script}`, timeoutMs: 20_000 });
      }
    }
    expect(await markers('pool')).toBe('');
  });

  it('CF users in the observation script', async () => {
    await ssh.exec(target, 'bash -s', { stdin: observeScript(payloads('cf')), timeoutMs: 20_000 });
    expect(await markers('cf')).toBe('');
  });
});
