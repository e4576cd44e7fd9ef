/**
 * Host faults: four lab hosts of the campaign's own (`lab up --count 4`) and a repo with a Host (init steps), a
 * Pool node (a container run through the host's docker CLI) on each, and an nginx unit on the four hosts. For each
 * fault, put on h1 only, one `apply` runs: how long until h1's task ends, its outcome and reason, and which of the
 * other hosts' resources still succeeded; then the fault is cleared and the next apply must converge (plan no-op).
 * Faults: container stopped, container paused (TCP accepted, nothing answers), sshd's session child killed -9 while
 * a step runs, /dev/shm (a small tmpfs the nginx unit lives on) full, `docker` hanging (a wrapper that sleeps).
 * The nginx unit is all-or-none by design (a publish switches every host or none), so its hosts never "proceed"
 * past a faulty one; that is reported, not counted as a failure.
 * Usage: npx tsx bench/reliability/host-faults.ts [--base-port 2331] [--keep]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, printTable, runCli, type CliRun } from './lib/cli.js';
import { docker, labDown, labUp, sh, type Lab } from './lib/lab.js';

const args = parseArgs(process.argv.slice(2), { points: 1 });
const basePort = Number(args.extra.get('base-port') ?? 2331);
const work = mkdtempSync(join(tmpdir(), 'driftless-host-faults-'));
const repo = join(work, 'repo');
const NGINX_ROOT = '/dev/shm/driftless-nginx';

function writeRepo(lab: Lab, variant: number): void {
  mkdirSync(repo, { recursive: true });
  writeFileSync(
    join(repo, 'driftless.yaml'),
    'apiVersion: driftless.dev/v1\nconcurrency: 8\nretry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1000 }\nhealth: { timeoutSeconds: 30, intervalMs: 300 }\n' +
      'defaults:\n  Host:\n    privateKey: { secret: lab-key }\n',
  );
  const hosts = lab.hosts.map(
    (_, i) =>
      `apiVersion: driftless.dev/v1\nkind: Host\nmetadata: { name: h${i + 1}, labels: { role: app } }\nspec:\n  address: 127.0.0.1\n  port: ${lab.basePort + i}\n  init:\n` +
      `    - { name: step, run: "echo v${variant} > /root/step; sleep 2" }\n`,
  );
  writeFileSync(join(repo, 'hosts.yaml'), hosts.join('---\n'));
  writeFileSync(
    join(repo, 'app.yaml'),
    [
      'apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: hf }\nspec: { description: host faults }\n',
      'apiVersion: driftless.dev/v1\nkind: Service\nmetadata: { name: hf-svc }\nspec: { cluster: hf, description: host faults }\n',
      `apiVersion: driftless.dev/v1\nkind: Pool\nmetadata: { name: hf-app }\nspec:\n  service: hf-svc\n  hosts: { selector: { role: app } }\n  mode: one-per-host\n  replicas: ${lab.hosts.length}\n` +
        `  container:\n    image: 127.0.0.1:5000/base/debian:bookworm\n    command: [sleep, infinity]\n    env: { V: "v${variant}" }\n  rollout: { batchSize: 100%, maxUnavailable: 100% }\n`,
      'apiVersion: driftless.dev/v1\nkind: NginxGroup\nmetadata: { name: hf }\nspec: { description: host faults }\n',
      `apiVersion: driftless.dev/v1\nkind: NginxUpstream\nmetadata: { name: hf }\nspec:\n  group: hf\n  servers: [{ address: "127.0.0.1:${8081 + (variant % 2)}" }]\n`,
      `apiVersion: driftless.dev/v1\nkind: NginxUnit\nmetadata: { name: hf }\nspec:\n  group: hf\n  root: ${NGINX_ROOT}\n  hosts: { selector: { role: app } }\n  upstreams: [hf]\n  vars: { upstream: hf, listen: 8098 }\n`,
    ].join('---\n'),
  );
}

interface Fault {
  name: string;
  /** Puts the fault on h1; may return a function that acts during the apply (e.g. kill on a step). */
  on(lab: Lab, h1: string): Promise<((run: Promise<CliRun>) => Promise<void>) | void>;
  off(lab: Lab, h1: string): Promise<void>;
}

const faults: Fault[] = [
  { name: 'host container stopped', on: async (lab, h) => void (await docker(lab, ['stop', '-t', '1', h])), off: async (lab, h) => void (await docker(lab, ['start', h])) },
  { name: 'host container paused', on: async (lab, h) => void (await docker(lab, ['pause', h])), off: async (lab, h) => void (await docker(lab, ['unpause', h])) },
  {
    name: "sshd's session child killed -9 mid-step",
    on: async (lab, h) => async () => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !(await sh(lab, h, 'pgrep -f "[s]leep 2" >/dev/null && echo y || true')).includes('y')) await new Promise((r) => setTimeout(r, 50));
      await sh(lab, h, 'pkill -9 -f "^sshd: root@" || pkill -9 -f "^sshd-session: root" || true');
    },
    off: async () => undefined,
  },
  {
    name: '/dev/shm (the nginx root) full',
    on: async (lab, h) => void (await sh(lab, h, 'dd if=/dev/zero of=/dev/shm/fill bs=1M 2>/dev/null; true')),
    off: async (lab, h) => void (await sh(lab, h, 'rm -f /dev/shm/fill')),
  },
  {
    name: '`docker` hangs',
    // The real docker is a read-only bind mount; a wrapper earlier on sshd's PATH (/usr/local/sbin) shadows it.
    on: async (lab, h) => void (await sh(lab, h, 'printf "#!/bin/sh\\nexec sleep 3600\\n" > /usr/local/sbin/docker; chmod +x /usr/local/sbin/docker')),
    off: async (lab, h) => void (await sh(lab, h, 'rm -f /usr/local/sbin/docker; pkill -f "[s]leep 3600" || true')),
  },
];

interface Row {
  fault: string;
  applyS: number;
  exit: number | null;
  h1: string;
  others: string;
  converged: boolean;
}

/** `Kind/name: action status reason: message` lines of the run summary and progress. */
function results(output: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of output.matchAll(/^(?:\[[\d:]+\] |\s+! )?([A-Za-z]+\/[\w.-]+): (?:create|update|replace|delete|noop)? ?(succeeded|failed|skipped)([^\n]*)$/gm)) out.set(m[1]!, `${m[2]}${m[3]}`);
  return out;
}

async function main(): Promise<void> {
  const lab = await labUp(join(work, 'state'), basePort, 4);
  try {
    await campaign(lab);
  } finally {
    if (!args.keep) {
      await labDown(lab);
      rmSync(work, { recursive: true, force: true });
    }
  }
}

async function campaign(lab: Lab): Promise<void> {
  const h1 = lab.hosts[0]!;
  const cli = (a: string[], extra = {}) => runCli([...a, '--state-dir', lab.stateDir], { env: { DOCKER_HOST: lab.dockerHost }, ...extra });
  const plainNoop = async () => (await cli(['plan', repo])).stdout.includes('No changes.');
  let variant = 0;
  writeRepo(lab, variant);
  const first = await cli(['apply', repo, '--yes']);
  if (first.code !== 0 || !(await plainNoop())) throw new Error(`first apply did not converge:\n${first.output.slice(-4000)}`);
  console.log(`host-faults: ${lab.hosts.join(', ')} on 127.0.0.1:${basePort}.., first apply ${(first.ms / 1000).toFixed(1)} s`);
  const rows: Row[] = [];
  for (const f of faults) {
    writeRepo(lab, ++variant);
    const during = await f.on(lab, h1);
    const run = cli(['apply', repo, '--yes'], { timeoutMs: 15 * 60_000 });
    if (during) await during(run);
    const res = await run;
    const r = results(res.output);
    const mine = [...r].filter(([k]) => k === 'Host/h1' || k.startsWith('Pool/') || k.startsWith('NginxUnit/'));
    const others = [...r].filter(([k]) => /^Host\/h[2-9]$/.test(k));
    await f.off(lab, h1);
    let converged = false;
    for (let i = 0; i < 2 && !converged; i++) converged = (await cli(['apply', repo, '--yes'])).code === 0 && (await plainNoop());
    rows.push({
      fault: f.name,
      applyS: res.ms / 1000,
      exit: res.code,
      h1: mine.map(([k, v]) => `${k} ${v.slice(0, 110)}`).join(' | '),
      others: `${others.filter(([, v]) => v.startsWith('succeeded')).length}/${others.length} other hosts succeeded`,
      converged,
    });
    console.log(`${f.name}: exit ${res.code} in ${(res.ms / 1000).toFixed(1)} s; ${rows.at(-1)!.others}; converged after: ${converged}\n  ${mine.map(([k, v]) => `${k} ${v}`).join('\n  ')}`);
  }
  console.log(`\nfigures (${new Date().toISOString().slice(0, 10)}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  printTable([
    ['fault (on h1)', 'apply ended in', 'exit', 'others', 'next run converges', 'h1 outcome'],
    ...rows.map((r) => [r.fault, `${r.applyS.toFixed(1)} s`, String(r.exit), r.others, r.converged ? 'yes' : 'NO', r.h1]),
  ]);
  process.exitCode = rows.every((r) => r.converged && r.exit !== 0) ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
