/**
 * What "nothing lost, nothing duplicated" means on the sample repo's world, checked from outside driftless (the
 * engine's container list, files on the hosts, the journal on disk):
 * - containers: at most one container per pool node (pool + ordinal), whatever its state or name;
 * - machines: at most one lab machine container per machine name of this state dir's owner;
 * - nginx: at most one version dir per content digest, every version dir complete (`nginx -t` passes on it), and
 *   `current` pointing at one of them;
 * - CF: each monit `check process` name once per host, at most one running copy of each job;
 * - the journal parses and `driftless status --json` reads it.
 * Swarm services: the sample repo declares none yet (no kind makes them), so there is nothing to count.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { docker, sh, type Lab } from './lab.js';

export interface WorldReport {
  duplicates: string[];
  halfWritten: string[];
  /** Temp files of interrupted writes still present (harmless leftovers, reported, not failures). */
  strayTemp: string[];
  journalReadable: boolean;
}

const NGINX_ROOT = '/etc/driftless/nginx/feed-edge';

export async function checkWorld(lab: Lab): Promise<WorldReport> {
  const report: WorldReport = { duplicates: [], halfWritten: [], strayTemp: [], journalReadable: false };
  await checkContainers(lab, report);
  await checkNginx(lab, report);
  await checkCf(lab, report);
  report.journalReadable = await journalReadable(lab);
  report.strayTemp.push(...strayTempFiles(lab.stateDir));
  return report;
}

async function checkContainers(lab: Lab, report: WorldReport): Promise<void> {
  const owner = readFileSync(join(lab.stateDir, 'machines', 'owner'), 'utf8').trim();
  const format = '{{.Names}}\t{{.Label "driftless.pool"}}\t{{.Label "driftless.ordinal"}}\t{{.Label "driftless.host"}}\t{{.Label "driftless.machine.name"}}\t{{.Label "driftless.machine.tag.driftless:owner"}}';
  const rows = (await docker(lab, ['ps', '-a', '--format', format])).trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
  const machines = new Map<string, string[]>();
  for (const [name, , , , machine, machineOwner] of rows) {
    if (machine && machineOwner === owner) machines.set(machine, [...(machines.get(machine) ?? []), name!]);
  }
  const ours = new Set([...lab.hosts.map((h) => h.replace(/^.*?-(\d+)$/, 'lab-$1')), ...machines.keys()]);
  const nodes = new Map<string, string[]>();
  for (const [name, pool, ordinal, host] of rows) {
    if (pool && ours.has(host ?? '')) nodes.set(`${pool}#${ordinal}`, [...(nodes.get(`${pool}#${ordinal}`) ?? []), name!]);
  }
  for (const [node, names] of nodes) if (names.length > 1) report.duplicates.push(`pool node ${node}: ${names.join(', ')}`);
  for (const [machine, names] of machines) if (names.length > 1) report.duplicates.push(`machine ${machine}: ${names.join(', ')}`);
}

async function checkNginx(lab: Lab, report: WorldReport): Promise<void> {
  const host = lab.hosts[2]!;
  const out = await sh(
    lab,
    host,
    `R=${NGINX_ROOT}; [ -d $R/versions ] || exit 0; echo "current=$(readlink $R/current)"; for d in $R/versions/*; do [ -e "$d" ] || continue; ` +
      `b=$(basename $d); case $b in *.tmp) echo "tmp=$b"; continue;; esac; if nginx -t -c $d/nginx.conf >/dev/null 2>&1; then echo "ok=$b"; else echo "bad=$b"; fi; done`,
  );
  const byDigest = new Map<string, string[]>();
  let current = '';
  for (const line of out.trim().split('\n').filter(Boolean)) {
    const [key, value = ''] = line.split('=', 2) as [string, string];
    if (key === 'current') current = value.replace(/^versions\//, '');
    if (key === 'tmp') report.strayTemp.push(`${host}:${NGINX_ROOT}/versions/${value}`);
    if (key === 'bad') report.halfWritten.push(`${host}:${NGINX_ROOT}/versions/${value} (nginx -t fails)`);
    if (key === 'ok' || key === 'bad') {
      const digest = value.split('-')[0]!;
      byDigest.set(digest, [...(byDigest.get(digest) ?? []), value]);
    }
  }
  for (const [digest, dirs] of byDigest) if (dirs.length > 1) report.duplicates.push(`nginx version ${digest}: ${dirs.join(', ')}`);
  if (current && !(byDigest.get(current.split('-')[0]!) ?? []).includes(current)) report.halfWritten.push(`${host}: current -> ${current}, not a complete version`);
}

async function checkCf(lab: Lab, report: WorldReport): Promise<void> {
  for (const host of lab.hosts) {
    const out = await sh(
      lab,
      host,
      'cat /var/vcap/monit/job/*.monitrc 2>/dev/null | sed -n "s/^check process \\([^ ]*\\).*/check=\\1/p"; ' +
        'for j in /var/vcap/jobs/*; do [ -d "$j" ] || continue; n=$(basename $j); echo "run=$n $(pgrep -fc "^(/bin/)?(ba)?sh /var/vcap/jobs/$n/bin/run" || true)"; done',
    );
    const checks = new Map<string, number>();
    for (const line of out.trim().split('\n').filter(Boolean)) {
      if (line.startsWith('check=')) checks.set(line.slice(6), (checks.get(line.slice(6)) ?? 0) + 1);
      const m = /^run=(\S+) (\d+)$/.exec(line);
      if (m && Number(m[2]) > 1) report.duplicates.push(`${host}: CF job ${m[1]} runs ${m[2]} times`);
    }
    for (const [name, n] of checks) if (n > 1) report.duplicates.push(`${host}: monit check ${name} declared ${n} times`);
  }
}

async function journalReadable(lab: Lab): Promise<boolean> {
  try {
    JSON.parse(readFileSync(join(lab.stateDir, 'journal.json'), 'utf8'));
  } catch {
    return false;
  }
  const status = await runCli(['status', '--json', '--state-dir', lab.stateDir], { timeoutMs: 60_000 });
  return status.code === 0;
}

function strayTempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.tmp($|[.-])/.test(entry.name) && !entry.parentPath.includes(`${join(dir, 'lab')}`)) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}
