/** Shell run on component hosts: one observation round trip, and host preparation (monit, directories, user). */
import { FACTS_COMMAND } from '../host/public.js';
import { MARKER_DIR, MONITRC, VCAP } from './release.js';
import { shellQuote } from '../../util/shell.js';

const q = shellQuote;

/** Facts (the Host kind's command), usage, users, monit liveness and install markers as key=value lines. */
export function observeScript(users: string[]): string {
  return [
    FACTS_COMMAND,
    `read -r _ u1 n1 s1 i1 w1 x1 y1 z1 _ < /proc/stat; sleep 0.2; read -r _ u2 n2 s2 i2 w2 x2 y2 z2 _ < /proc/stat`,
    `t=$(( (u2+n2+s2+i2+w2+x2+y2+z2) - (u1+n1+s1+i1+w1+x1+y1+z1) )); b=$(( t - (i2-i1) - (w2-w1) ))`,
    `[ "$t" -gt 0 ] && echo "cpupct=$(awk -v b=$b -v t=$t 'BEGIN{printf "%.1f", 100*b/t}')"`,
    `echo "mempct=$(awk '/^MemTotal:/{t=$2} /^MemAvailable:/{a=$2} END{if(t>0) printf "%.1f", 100*(t-a)/t}' /proc/meminfo)"`,
    `echo "diskpct=$(df -P / | awk 'NR==2{sub("%","",$5); print $5}')"`,
    ...users.map((u) => `id -u ${q(u)} >/dev/null 2>&1 && echo ${q(`user=${u}`)}`),
    `[ -f ${VCAP}/monit/monit.pid ] && kill -0 "$(cat ${VCAP}/monit/monit.pid)" 2>/dev/null && echo "monit=1"`,
    `for f in ${MARKER_DIR}/*.digest; do [ -f "$f" ] && echo "installed=$(basename "$f" .digest) $(cat "$f")"; done 2>/dev/null`,
    'true',
  ].join('\n');
}

export interface ObservedLines {
  cpus?: number;
  memoryMiB?: number;
  diskMiB?: number;
  cpuPercent?: number;
  memoryPercent?: number;
  diskPercent?: number;
  users: string[];
  monit: boolean;
  installed: Record<string, string>;
}

export function parseObserved(stdout: string): ObservedLines {
  const out: ObservedLines = { users: [], monit: false, installed: {} };
  const num = (v: string): number | undefined => (v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const key = line.slice(0, i);
    const v = line.slice(i + 1).trim();
    if (key === 'cpus') out.cpus = num(v);
    else if (key === 'memkb' && num(v) !== undefined) out.memoryMiB = Math.round(Number(v) / 1024);
    else if (key === 'diskkb' && num(v) !== undefined) out.diskMiB = Math.round(Number(v) / 1024);
    else if (key === 'cpupct') out.cpuPercent = num(v);
    else if (key === 'mempct') out.memoryPercent = num(v);
    else if (key === 'diskpct') out.diskPercent = num(v);
    else if (key === 'user') out.users.push(v);
    else if (key === 'monit') out.monit = v === '1';
    else if (key === 'installed') {
      const [name, digest] = v.split(' ');
      if (name && digest) out.installed[name] = digest;
    }
  }
  return out;
}

/**
 * Ensures monit (installing it where a package manager exists, as real machines need), the /var/vcap layout and
 * the deployment user. The password arrives on stdin, never on a command line.
 */
export function prepareScript(user: string | undefined, withPassword: boolean): string {
  const lines = [
    'set -e',
    'if ! command -v monit >/dev/null 2>&1; then',
    '  if command -v apt-get >/dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive apt-get install -y monit >&2;',
    '  elif command -v yum >/dev/null 2>&1; then yum install -y monit >&2;',
    '  else echo "monit is not installed and no package manager was found" >&2; exit 3; fi',
    'fi',
    `mkdir -p ${VCAP}/monit/job ${VCAP}/jobs ${VCAP}/sys/run ${VCAP}/sys/log ${MARKER_DIR}`,
  ];
  if (user) {
    lines.push(`id -u ${q(user)} >/dev/null 2>&1 || useradd -m -s /bin/bash ${q(user)}`);
    if (withPassword) lines.push(`IFS= read -r pw; printf '%s:%s\\n' ${q(user)} "$pw" | chpasswd`);
  }
  return lines.join('\n');
}

/** Starts the private monit, or makes a running one re-read its control files. */
export function monitUpScript(): string {
  return [
    'set -e',
    `chmod 600 ${MONITRC}`,
    `monit -c ${MONITRC} -t >&2`,
    `if [ -f ${VCAP}/monit/monit.pid ] && kill -0 "$(cat ${VCAP}/monit/monit.pid)" 2>/dev/null; then monit -c ${MONITRC} reload >&2;`,
    `else monit -c ${MONITRC} >&2; fi`,
  ].join('\n');
}
