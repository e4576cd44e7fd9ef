/** One remote command gathers every fact a Host reports; its output is `key=value` lines parsed here (pure). */
import { MARKER_DIR } from './init-steps.js';

export const FACTS_COMMAND = [
  'echo "hostname=$(hostname)"',
  'if [ -r /etc/os-release ]; then . /etc/os-release; echo "os=${PRETTY_NAME:-$NAME}"; fi',
  'echo "kernel=$(uname -r)"',
  'echo "cpus=$(nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo)"',
  'echo "memkb=$(awk \'/^MemTotal:/ {print $2}\' /proc/meminfo)"',
  'echo "diskkb=$(df -Pk / | awk \'NR==2 {print $2}\')"',
  `for f in ${MARKER_DIR}/*; do [ -f "$f" ] && case "$f" in *.tmp) ;; *) echo "init=$(basename "$f")";; esac; done 2>/dev/null`,
  'true',
].join('; ');

/** What a host reports about itself; `initDone` lists the step digests recorded after each init step succeeded. */
export interface Facts {
  hostname?: string;
  os?: string;
  kernel?: string;
  cpus?: number;
  memoryMiB?: number;
  diskGiB?: number;
  initDone: string[];
}

export function parseFacts(stdout: string): Facts {
  const facts: Facts = { initDone: [] };
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const key = line.slice(0, i);
    const value = line.slice(i + 1).trim();
    if (key === 'hostname') facts.hostname = value;
    else if (key === 'os') facts.os = value;
    else if (key === 'kernel') facts.kernel = value;
    else if (key === 'cpus' && /^\d+$/.test(value)) facts.cpus = Number(value);
    else if (key === 'memkb' && /^\d+$/.test(value)) facts.memoryMiB = Math.round(Number(value) / 1024);
    else if (key === 'diskkb' && /^\d+$/.test(value)) facts.diskGiB = Math.round((Number(value) / 1024 / 1024) * 10) / 10;
    else if (key === 'init' && value) facts.initDone.push(value);
  }
  facts.initDone.sort();
  return facts;
}
