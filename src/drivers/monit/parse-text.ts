/**
 * Parsers for monit's text output across 5.x: the two-column summary of 5.2-5.17 (`Process 'nats'   running`),
 * the tabular summary of 5.18+ (batch mode, or the boxed TTY form), and `monit status` key/value blocks. Status
 * words changed case and wording between versions, so they are classified here once.
 */
import type { MonitService, MonitState, MonitStatus } from './types.js';

const TYPES = ['Remote Host', 'Filesystem', 'Directory', 'Process', 'Program', 'System', 'File', 'Fifo', 'Net'];

/** Classifies a status cell of any 5.x version. Pending actions do not change the verdict. */
export function classifyStatus(detail: string): MonitState {
  const d = detail.replace(/\s+-\s+\w+ pending$/i, '').replace(/\.\.\.$/, '').trim().toLowerCase();
  if (d === '') return 'unknown';
  if (d.startsWith('not monitored')) return 'not-monitored';
  if (d.startsWith('initializing') || d.startsWith('waiting')) return 'initializing';
  if (['ok', 'running', 'accessible', 'status ok', 'online with all services', 'monitored'].includes(d)) return 'running';
  return 'failing';
}

function versionOf(text: string): string | undefined {
  return /^(?:The )?Monit(?: daemon)? (\d+\.\d+(?:\.\d+)?)/m.exec(text)?.[1];
}

/** `Process 'nats'                      running` (5.2-5.17 summary). */
const OLD_ROW = new RegExp(`^(${TYPES.join('|')}) '([^']+)'\\s+(.*?)\\s*$`);

/** Strips box drawing and ANSI colours so a TTY table parses like the batch one. */
function clean(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\x1b\[[0-9;]*m/g, '').replace(/[│┃]/g, ' ');
}

function parseTableRow(line: string): MonitService | undefined {
  const stripped = clean(line).replace(/\s+$/, '');
  if (/^[\s┌└├─┼┬┴┐┘┤]*$/.test(stripped)) return undefined;
  const cells = stripped.trim().split(/\s{2,}/);
  if (cells.length < 3) return undefined;
  const type = cells[cells.length - 1] as string;
  if (!TYPES.includes(type)) return undefined;
  const name = cells[0] as string;
  const detail = cells.slice(1, -1).join('  ');
  return { name, type, state: classifyStatus(detail), detail };
}

/** Parses `monit summary` / `monit -B summary` output of any 5.x version. */
export function parseSummary(text: string): MonitStatus {
  const services: MonitService[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const old = OLD_ROW.exec(line);
    if (old) {
      const detail = (old[3] ?? '').trim();
      services.push({ name: old[2] as string, type: old[1] as string, state: classifyStatus(detail), detail });
      continue;
    }
    const row = parseTableRow(line);
    if (row && !(row.name === 'Service Name' && row.type === 'Type')) services.push(row);
  }
  const version = versionOf(text);
  return { ...(version ? { version } : {}), services, via: 'summary' };
}

const BLOCK_HEAD = new RegExp(`^(${TYPES.join('|')}) '([^']+)'\\s*$`);

/** Parses `monit status` / `monit -B status` (key/value blocks per service) of any 5.x version. */
export function parseFullStatus(text: string): MonitStatus {
  const services: MonitService[] = [];
  let cur: MonitService | undefined;
  for (const raw of text.split('\n')) {
    // eslint-disable-next-line no-control-regex
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r$/, '');
    const head = BLOCK_HEAD.exec(line);
    if (head) {
      cur = { name: head[2] as string, type: head[1] as string, state: 'unknown', detail: '' };
      services.push(cur);
      continue;
    }
    const kv = /^\s{2}(\S.*?)\s{2,}(.*)$/.exec(line);
    if (!cur || !kv) continue;
    const key = (kv[1] as string).toLowerCase();
    const value = (kv[2] as string).trim();
    if (key === 'status') {
      cur.detail = value;
      cur.state = classifyStatus(value);
    } else if (key === 'monitoring status' && /^not monitored/i.test(value)) {
      cur.state = 'not-monitored';
    } else if (key === 'pid' && /^\d+$/.test(value)) {
      cur.pid = Number(value);
    } else if (key === 'cpu total' || (key === 'cpu' && cur.cpuPercent === undefined)) {
      const n = parseFloat(value);
      if (!Number.isNaN(n)) cur.cpuPercent = n;
    } else if (key === 'memory total' || key === 'memory kilobytes total') {
      const pct = /\[?([\d.]+)%\]?/.exec(value);
      if (pct) cur.memoryPercent = Number(pct[1]);
    }
  }
  const version = versionOf(text);
  return { ...(version ? { version } : {}), services, via: 'status' };
}
