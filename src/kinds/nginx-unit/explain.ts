/**
 * Saying nginx's complaints in the repo's terms. nginx names the rendered file on the host
 * (`/etc/driftless/nginx/web/versions/<id>/conf.d/default.conf:3`); people edit YAML in the config repo, so each
 * such place gets the resource that rendered the file, where that resource is declared, and the offending line.
 * Also the one rule about the pid file, which driftless reloads and stops nginx through.
 */
import { StalledError } from '../../errors.js';

/** Where a rendered file came from: `NginxConfig/main` declared at `nginx/feed.yaml:40`, or a built-in template. */
export interface FileOrigin {
  from: string;
  at?: string;
}

/** Longest rendered line quoted in a message. */
const QUOTE_MAX = 120;

/** `message` with every `<root>/versions/<dir>/<file>:<line>` explained; unknown files are left as nginx said. */
export function explainNginxMessage(message: string, root: string, files: Record<string, string>, origins: Record<string, FileOrigin>): string {
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const place = new RegExp(`${escaped}/versions/[^/\\s:]+/([^\\s:;]+):(\\d+)`, 'g');
  return message.replace(place, (whole, file: string, lineText: string) => {
    const origin = origins[file];
    const content = files[file];
    if (!origin || content === undefined) return whole;
    const n = Number(lineText);
    const raw = (content.split('\n')[n - 1] ?? '').trim();
    const quoted = raw.length > QUOTE_MAX ? `${raw.slice(0, QUOTE_MAX - 3)}...` : raw;
    const where = origin.at ? `${origin.from} (${origin.at})` : origin.from;
    return `${file}:${n} [rendered from ${where}${quoted ? `: "${quoted}"` : ''}]`;
  });
}

/**
 * driftless signals and checks nginx through the unit's pid file, so a main config must name exactly that file:
 * with another `pid`, nginx started fine, driftless could not see it, rolled `current` back and left that nginx
 * running on the port. Refused before anything is uploaded, saying what to write.
 */
export function checkPidDirective(nginxConf: string, pidFile: string, from: string): void {
  const stripped = nginxConf.replace(/#[^\n]*/g, '');
  const pids = [...stripped.matchAll(/(?:^|[;{}\s])pid\s+([^;\s]+)\s*;/g)].map((m) => m[1]);
  const fix = `write "pid {{ unit.pidFile }};" (${pidFile})`;
  if (pids.length === 0) throw new StalledError('SchemaInvalid', `${from}: nginx.conf sets no pid; driftless reloads nginx through the unit's pid file: ${fix}`);
  const other = pids.find((p) => p !== pidFile);
  if (other) throw new StalledError('SchemaInvalid', `${from}: nginx.conf sets pid ${other}; driftless reloads nginx through the unit's pid file: ${fix}`);
}
