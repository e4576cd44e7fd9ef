/**
 * nginx publish benchmark: one upstream change (a new member) pushed to N nginx lab hosts, timed from apply start
 * until every host serves the new member. driftless: NginxUnit apply (render, digest, stage + nginx -t on all,
 * switch + confirmed reload on all) with a warm SSH driver, as the daemon runs. Ansible: a playbook doing what
 * people do (template the upstream file, nginx -t, nginx -s reload), warm (ControlPersist + pipelining).
 * Prints medians and the ratio; the issue's target is >= 10x. Also prints, per phase of the driver (inspect, stage
 * with `nginx -t`, switch with the confirmed reload), the median time of one host's SSH exec: where the time goes.
 *
 *   npx tsx bench/nginx-publish.ts [--hosts 10] [--reps 5] [--quick] [--skip-baseline]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNginxDriver } from '../src/drivers/nginx/index.js';
import { createSshDriver } from '../src/drivers/ssh/index.js';
import type { SshTarget } from '../src/drivers/types.js';
import { nginxUnitKind } from '../src/kinds/nginx-unit/index.js';
import type { KindContext, Logger } from '../src/kinds/types.js';
import { API_VERSION, type Resource } from '../src/model/resource.js';
import { ensureDockerEngine } from '../src/lab/engine.js';
import { createResourceIndex } from '../src/reconcile/runtime.js';
import { LOOPBACK_HOSTS, secretRef, testSecrets } from '../test/harness/secrets.js';
import { startTestHosts } from '../test/harness/hosts.js';
import { createFileStore } from '../src/store/index.js';
import { benchStart, median } from './lib/record.js';
import { numArg } from './lib/args.js';

const rec = benchStart('nginx-publish');
const args = process.argv.slice(2);
const arg = (flag: string, dflt: number) => numArg(flag.replace(/^--/, ''), dflt, args);
const HOSTS = arg('--hosts', rec.quick ? 2 : 10);
const REPS = arg('--reps', rec.quick ? 1 : 5);
const log = rec.log;
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => quiet };

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`))));
  });
}

async function main(): Promise<void> {
  const engine = await ensureDockerEngine({});
  process.env.DOCKER_HOST = engine.dockerHost;
  log(`starting ${HOSTS} lab hosts`);
  const th = await startTestHosts(HOSTS, { name: 'ngxbench' });
  const dir = mkdtempSync(join(tmpdir(), 'driftless-nginx-bench-'));
  try {
    await Promise.all(
      th.hosts.map((h) =>
        h.exec('for p in 8081 8082; do mkdir -p /srv/$p && echo "m$p" > /srv/$p/index.html && (cd /srv/$p && nohup python3 -m http.server $p >/dev/null 2>&1 &); done'),
      ),
    );
    const ssh = createSshDriver({ knownHostsPath: join(dir, 'known_hosts') });
    // Per-phase timing of every exec the nginx driver makes (first line of its script names the phase).
    const phases = new Map<string, number[]>();
    const traced: typeof ssh = new Proxy(ssh, {
      get(target, prop, recv) {
        if (prop !== 'exec') return Reflect.get(target, prop, recv) as unknown;
        return async (t: SshTarget, cmd: string, o?: { stdin?: string | Buffer }) => {
          const t0 = performance.now();
          try {
            return await target.exec(t, cmd, o as never);
          } finally {
            const stdin = String(o?.stdin ?? cmd);
            const label = /nginx -t|__rc/.test(stdin) ? 'stage' : /kill -HUP/.test(stdin) ? 'switch' : /current=|running=/.test(stdin) ? 'inspect' : 'other';
            const xs = phases.get(label) ?? [];
            xs.push(performance.now() - t0);
            phases.set(label, xs);
          }
        };
      },
    });
    const nginx = createNginxDriver(traced);
    const res = <S>(kind: string, name: string, spec: S, labels?: Record<string, string>): Resource<S> => ({
      apiVersion: API_VERSION, kind, metadata: { name, ...(labels ? { labels } : {}) }, spec, source: { file: 'b.yaml', line: 1, col: 1 },
    });
    const hosts = th.hosts.map((h) => res('Host', h.name, { address: h.address, port: h.port, user: 'root', privateKey: secretRef('bench-key') }));
    const unit = res('NginxUnit', 'bench', { group: 'g', hosts: { names: th.hosts.map((h) => h.name) }, upstreams: ['web'], vars: { upstream: 'web', listen: 8088 } });
    const ctxOf = (ports: number[]): KindContext => ({
      drivers: { ssh, nginx },
      secrets: testSecrets({ 'bench-key': { value: th.privateKey, allow: LOOPBACK_HOSTS } }).resolver,
      resources: createResourceIndex([...hosts, unit, res('NginxGroup', 'g', {}), res('NginxUpstream', 'web', { group: 'g', servers: ports.map((p) => ({ address: `127.0.0.1:${p}` })) })]),
      logger: quiet, signal: new AbortController().signal, revision: 'bench', repoDir: dir, store: createFileStore(dir), stateDir: dir, inventory: { get: () => undefined },
    });
    const targets: SshTarget[] = th.targets();
    // The observer, the same for both sides: 4 requests per host (round robin over 2 members), from one curl process
    // (it was 4 curl processes: ~40 forks on 2 cores, ~390 ms of a ~1 s figure at load 9, paid by both sides).
    const servesAll = async (port: number, body: string) => {
      await Promise.all(
        targets.map(async (t) => {
          for (let i = 0; i < 200; i++) {
            const url = `http://127.0.0.1:${port}/`;
            const r = await ssh.exec(t, `curl -s -m 2 ${url} ${url} ${url} ${url}`);
            if (r.stdout.includes(body)) return;
          }
          throw new Error(`${t.id} never served ${body}`);
        }),
      );
    };
    /** Wall time of the spans of one timed publish: plan (observe + diff), apply, and the check that every host serves. */
    const spans = new Map<string, number[]>();
    const span = (k: string, ms: number) => spans.set(k, [...(spans.get(k) ?? []), ms]);
    const applyUnit = async (ports: number[], timed = false) => {
      const ctx = ctxOf(ports);
      const t0 = performance.now();
      const observed = await nginxUnitKind.observe(unit as never, ctx);
      const diff = nginxUnitKind.diff(unit as never, observed);
      const t1 = performance.now();
      if (diff.action !== 'noop') {
        await nginxUnitKind.apply({ key: 'NginxUnit/bench', kind: 'NginxUnit', name: 'bench', action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: unit as never, observed }, ctx);
      }
      if (timed) {
        span('plan', t1 - t0);
        span('apply', performance.now() - t1);
      }
    };
    const ours: number[] = [];
    await applyUnit([8081]);
    for (let i = 0; i < REPS; i++) {
      await applyUnit([8081]);
      const t0 = performance.now();
      await applyUnit([8081, 8082], true);
      const t1 = performance.now();
      await servesAll(8088, 'm8082');
      span('check (curl on every host)', performance.now() - t1);
      ours.push(performance.now() - t0);
    }
    log(`driftless: ${ours.map((x) => x.toFixed(0)).join(', ')} ms`);
    const perSpan = [...spans].map(([k, xs]) => `${k} ${median(xs).toFixed(0)} ms`).join(', ');
    log(`spans of a publish (medians): ${perSpan}`);
    // The floor of one exec on a warm connection: `true` as the command, and an empty `bash -s` (what the driver runs).
    for (const [label, cmd, stdin] of [['floor `true`', 'true', undefined], ['floor `bash -s`', 'bash -s', 'true\n']] as const) {
      const xs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        await ssh.exec(targets[0] as SshTarget, cmd, stdin ? { stdin } : {});
        xs.push(performance.now() - t0);
      }
      phases.set(label, xs);
    }
    {
      const xs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        await Promise.all(targets.map((t) => ssh.exec(t, 'true')));
        xs.push(performance.now() - t0);
      }
      phases.set(`floor \`true\` on all ${targets.length} at once`, xs);
    }
    const perPhase = [...phases].map(([k, xs]) => `${k} ${median(xs).toFixed(0)} ms`).join(', ');
    log(`one host's exec per phase (medians): ${perPhase}`);
    if (args.includes('--skip-baseline')) return void (await ssh.close());

    // Ansible: its own nginx on 8089 with a main conf including upstream/*.upstream, started once (not timed).
    const adir = '/etc/ansible-nginx';
    await Promise.all(
      th.hosts.map((h) =>
        h.exec(
          `mkdir -p ${adir}/upstream ${adir}/logs && printf 'upstream web { server 127.0.0.1:8081; }\\n' > ${adir}/upstream/web.upstream && printf 'pid ${adir}/nginx.pid;\\nerror_log ${adir}/logs/error.log;\\nevents {}\\nhttp { include upstream/*.upstream; server { listen 8089; location / { proxy_pass http://web; } } }\\n' > ${adir}/nginx.conf && nginx -c ${adir}/nginx.conf`,
        ),
      ),
    );
    const key = join(dir, 'id');
    writeFileSync(key, th.privateKey, { mode: 0o600 });
    writeFileSync(join(dir, 'hosts.ini'), `[lab]\n${th.hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${key}`).join('\n')}\n`);
    writeFileSync(
      join(dir, 'ansible.cfg'),
      ['[defaults]', `inventory = ${join(dir, 'hosts.ini')}`, 'host_key_checking = False', 'interpreter_python = /usr/bin/python3', `forks = ${HOSTS}`, `local_tmp = ${join(dir, 'tmp')}`, '[ssh_connection]', 'ssh_args = -o ControlMaster=auto -o ControlPersist=120s -o UserKnownHostsFile=/dev/null', 'pipelining = True', `control_path_dir = ${join(dir, 'cp')}`].join('\n') + '\n',
    );
    writeFileSync(join(dir, 'web.upstream.j2'), 'upstream web {\n{% for p in ports %}    server 127.0.0.1:{{ p }};\n{% endfor %}}\n');
    writeFileSync(
      join(dir, 'publish.yml'),
      `- hosts: lab\n  gather_facts: false\n  tasks:\n    - template: { src: ${join(dir, 'web.upstream.j2')}, dest: ${adir}/upstream/web.upstream }\n    - command: nginx -t -c ${adir}/nginx.conf\n    - command: nginx -s reload -c ${adir}/nginx.conf\n`,
    );
    const env = { ...process.env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_HOME: join(dir, 'home'), ANSIBLE_NOCOLOR: '1' };
    const playbook = (ports: number[]) => run('ansible-playbook', [join(dir, 'publish.yml'), '-e', JSON.stringify({ ports })], env);
    await playbook([8081]);
    const theirs: number[] = [];
    for (let i = 0; i < REPS; i++) {
      await playbook([8081]);
      const t0 = performance.now();
      await playbook([8081, 8082]);
      await servesAll(8089, 'm8082');
      theirs.push(performance.now() - t0);
    }
    log(`ansible: ${theirs.map((x) => x.toFixed(0)).join(', ')} ms`);
    const a = median(ours);
    const b = median(theirs);
    rec.finish({
      compares: `one upstream change to ${HOSTS} nginx hosts, apply start -> every host serving the new member, vs an Ansible playbook (template + nginx -t + reload, warm: ControlPersist + pipelining)`,
      figures: [`driftless ${a.toFixed(0)} ms vs Ansible ${b.toFixed(0)} ms = ${(b / a).toFixed(1)}x, medians of ${REPS}`, `spans of a publish: ${perSpan}`, `one host's exec per phase: ${perPhase}`],
      target: '>= 10x Ansible',
      met: b / a >= 10,
    });
    await ssh.close();
  } finally {
    await th.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
