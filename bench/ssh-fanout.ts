/**
 * SSH fan-out benchmark: upload a 20 KB file and run one command on N lab hosts, through the driftless SSH driver
 * (cold = new driver, warm = same driver again) and through one Ansible playbook (copy + command) as a user runs
 * it: cold = Ansible's defaults (its ssh_args keep ControlPersist on; no master yet: a fresh control path), warm =
 * the same with pipelining on and the masters of the previous run still up. Prints medians, ratios against
 * Ansible and the targets (at 50 hosts).
 *
 *   npx tsx bench/ssh-fanout.ts [--hosts 10,50] [--reps 5] [--ansible-reps 5] [--quick]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSshDriver, type ManagedSshDriver } from '../src/drivers/ssh/index.js';
import type { SshTarget } from '../src/drivers/types.js';
import { ensureDockerEngine } from '../src/lab/engine.js';
import { startTestHosts, type TestHosts } from '../test/harness/hosts.js';
import { benchStart } from './lib/record.js';

const rec = benchStart('ssh-fanout');

const TARGETS_50 = { coldMs: 1500, warmMs: 400, cpuMsPerConn: 10 };
const REMOTE_PATH = '/tmp/driftless-bench/payload.bin';

interface Args {
  hosts: number[];
  reps: number;
  ansibleReps: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = rec.quick ? { hosts: [3], reps: 1, ansibleReps: 0 } : { hosts: [10, 50], reps: 5, ansibleReps: 0 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--hosts' && value) args.hosts = value.split(',').map(Number).filter((n) => n > 0);
    if (argv[i] === '--reps' && value) args.reps = Math.max(1, Number(value));
    if (argv[i] === '--ansible-reps' && value) args.ansibleReps = Math.max(1, Number(value));
  }
  if (args.ansibleReps === 0) args.ansibleReps = args.reps;
  return args;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const log = rec.log;

/** One fan-out round: upload then a command on every host in parallel; returns wall ms and client CPU ms. */
async function fanOut(driver: ManagedSshDriver, targets: SshTarget[]): Promise<{ ms: number; cpuMs: number }> {
  const payload = randomBytes(20 * 1024);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    targets.map(async (t) => {
      await driver.upload(t, REMOTE_PATH, payload, { mode: 0o644, mkdirs: true });
      const r = await driver.exec(t, `wc -c < ${REMOTE_PATH}`);
      if (r.stdout.trim() !== String(payload.length)) throw new Error(`unexpected output on ${t.id}: ${r.stdout}`);
    }),
  );
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

async function benchDriftless(targets: SshTarget[], dir: string, reps: number) {
  const knownHostsPath = join(dir, 'known_hosts');
  // Pin host keys once, as a daemon that has seen the hosts before would have them.
  const pin = createSshDriver({ knownHostsPath });
  await fanOut(pin, targets);
  await pin.close();
  const cold: number[] = [];
  const cpu: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < reps; i++) {
    const driver = createSshDriver({ knownHostsPath, perHostConcurrency: 4 });
    const c = await fanOut(driver, targets);
    cold.push(c.ms);
    cpu.push(c.cpuMs / targets.length);
    warm.push((await fanOut(driver, targets)).ms);
    if (driver.stats().dials !== targets.length) throw new Error(`expected ${targets.length} dials, saw ${driver.stats().dials}`);
    await driver.close();
  }
  return { cold: median(cold), warm: median(warm), cpuPerConn: median(cpu) };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-500)}`))));
  });
}

/** Lab hosts started in batches: dozens of containers generating host keys at once outrun the banner timeout. */
interface Fleet {
  batches: TestHosts[];
  targets(): SshTarget[];
  teardown(): Promise<void>;
}

async function startFleet(n: number, batchSize = 10): Promise<Fleet> {
  const batches: TestHosts[] = [];
  const fleet: Fleet = {
    batches,
    targets: () => batches.flatMap((b) => b.targets()),
    teardown: async () => {
      await Promise.allSettled(batches.map((b) => b.teardown()));
    },
  };
  try {
    for (let left = n; left > 0; left -= batchSize) batches.push(await startTestHosts(Math.min(batchSize, left), { name: 'bench' }));
  } catch (err) {
    await fleet.teardown();
    throw err;
  }
  return fleet;
}

/**
 * Inventory and config for Ansible as a user has it: its default ssh_args (`-C -o ControlMaster=auto
 * -o ControlPersist=60s`) untouched; only host keys are not checked or recorded (lab hosts come and go).
 * `warm` turns pipelining on; `controlDir` names where the masters live (a fresh one = no master yet).
 */
function ansibleEnv(dir: string, fleet: Fleet, warm: boolean, controlDir: string): NodeJS.ProcessEnv {
  const inventory = fleet.batches
    .flatMap((lab, i) => {
      const key = join(dir, `id-${i}`);
      writeFileSync(key, lab.privateKey, { mode: 0o600 });
      return lab.hosts.map(
        (h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${key}`,
      );
    })
    .join('\n');
  writeFileSync(join(dir, 'hosts.ini'), `[lab]\n${inventory}\n`);
  const cfg = [
    '[defaults]',
    `inventory = ${join(dir, 'hosts.ini')}`,
    'host_key_checking = False',
    'interpreter_python = /usr/bin/python3',
    `forks = ${fleet.targets().length}`,
    `local_tmp = ${join(dir, 'tmp')}`,
    '[ssh_connection]',
    'ssh_extra_args = -o UserKnownHostsFile=/dev/null',
    `pipelining = ${warm ? 'True' : 'False'}`,
    `control_path_dir = ${controlDir}`,
  ].join('\n');
  const cfgPath = join(dir, warm ? 'warm.cfg' : 'cold.cfg');
  writeFileSync(cfgPath, `${cfg}\n`);
  return { ...process.env, ANSIBLE_CONFIG: cfgPath, ANSIBLE_HOME: join(dir, 'home'), ANSIBLE_NOCOLOR: '1' };
}

/** One `ansible-playbook` run: copy the 20 KB file, then the command, on every host. */
async function ansibleRound(env: NodeJS.ProcessEnv, dir: string): Promise<number> {
  const src = join(dir, 'payload.bin');
  writeFileSync(src, randomBytes(20 * 1024));
  const book = join(dir, 'fanout.yml');
  writeFileSync(
    book,
    `- hosts: lab\n  gather_facts: false\n  tasks:\n    - copy: { src: ${src}, dest: /tmp/ansible-bench.bin, mode: '0644' }\n    - command: wc -c /tmp/ansible-bench.bin\n`,
  );
  const t0 = performance.now();
  await run('ansible-playbook', [book], env);
  return performance.now() - t0;
}

async function benchAnsible(fleet: Fleet, dir: string, reps: number) {
  const cold: number[] = [];
  for (let i = 0; i < reps; i++) cold.push(await ansibleRound(ansibleEnv(dir, fleet, false, join(dir, `cp-cold-${i}`)), dir));
  const warmEnv = ansibleEnv(dir, fleet, true, join(dir, 'cp-warm'));
  await ansibleRound(warmEnv, dir);
  const warm: number[] = [];
  for (let i = 0; i < reps; i++) warm.push(await ansibleRound(warmEnv, dir));
  return { cold: median(cold), warm: median(warm) };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const engine = await ensureDockerEngine();
  process.env.DOCKER_HOST = engine.dockerHost;
  try {
    await runAll(args);
  } finally {
    await engine.stop();
  }
}

async function runAll(args: Args): Promise<void> {
  const rows: string[][] = [['hosts', 'driftless cold', 'ansible cold', 'ratio', 'driftless warm', 'ansible warm', 'ratio', 'cpu/conn']];
  const verdicts: string[] = [];
  let met: boolean | undefined;
  for (const n of args.hosts) {
    const dir = mkdtempSync(join(tmpdir(), 'dl-bench-'));
    log(`starting ${n} lab hosts`);
    const lab = await startFleet(n);
    try {
      log(`driftless, ${args.reps} repetitions`);
      const d = await benchDriftless(lab.targets(), dir, args.reps);
      log(`ansible, ${args.ansibleReps} repetitions`);
      const a = await benchAnsible(lab, dir, args.ansibleReps);
      rows.push([
        String(n),
        `${d.cold.toFixed(0)} ms`,
        `${a.cold.toFixed(0)} ms`,
        `${(d.cold / a.cold).toFixed(3)}x`,
        `${d.warm.toFixed(0)} ms`,
        `${a.warm.toFixed(0)} ms`,
        `${(d.warm / a.warm).toFixed(3)}x`,
        `${d.cpuPerConn.toFixed(1)} ms`,
      ]);
      if (n === 50) {
        const ok = (v: number, t: number) => (v <= t ? 'ok' : 'MISSED');
        met = d.cold <= TARGETS_50.coldMs && d.warm <= TARGETS_50.warmMs && d.cpuPerConn <= TARGETS_50.cpuMsPerConn;
        verdicts.push(
          `targets at 50 hosts: cold ${d.cold.toFixed(0)} <= ${TARGETS_50.coldMs} ms ${ok(d.cold, TARGETS_50.coldMs)}; ` +
            `warm ${d.warm.toFixed(0)} <= ${TARGETS_50.warmMs} ms ${ok(d.warm, TARGETS_50.warmMs)}; ` +
            `cpu ${d.cpuPerConn.toFixed(1)} <= ${TARGETS_50.cpuMsPerConn} ms/conn ${ok(d.cpuPerConn, TARGETS_50.cpuMsPerConn)}`,
        );
      }
    } finally {
      log(`tearing down ${n} hosts`);
      await lab.teardown();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\nupload 20 KB + one command on every host; medians of ${args.reps} (ansible ${args.ansibleReps}); ratio = driftless / ansible\n`);
  process.stdout.write(`${table(rows)}\n`);
  rec.finish({
    compares: '20 KB upload + one command on N hosts, new driver (cold) / same driver (warm) vs one Ansible playbook with its defaults (ControlPersist on; warm: + pipelining)',
    figures: [
      ...rows.slice(1).map((r) => `${r[0]} hosts: cold ${r[1]} vs Ansible ${r[2]} (${r[3]}), warm ${r[4]} vs ${r[5]} (${r[6]}), ${r[7]} CPU per new connection`),
      ...verdicts,
    ],
    target: `at 50 hosts cold <= ${TARGETS_50.coldMs} ms, warm <= ${TARGETS_50.warmMs} ms, <= ${TARGETS_50.cpuMsPerConn} ms CPU per connection`,
    ...(met === undefined ? {} : { met }),
  });
}

main().catch((err: unknown) => {
  for (let cur: unknown = err; cur !== undefined; cur = cur instanceof Error ? cur.cause : undefined) {
    process.stderr.write(`${cur instanceof Error ? (cur.stack ?? cur.message) : String(cur)}\n`);
  }
  process.exitCode = 1;
});
