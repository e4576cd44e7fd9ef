/**
 * Parser for monit's HTTP status (`/_status?format=xml`, v1, and `/_status2?format=xml`, v2). The document is
 * small and regular, so a few regular expressions read it without an XML dependency. `status` is an event bitmap
 * (0 = OK) and `monitor` a bitmask (0 not, 1 yes, 2 initializing, 4 waiting), as monit's src/event.h defines.
 */
import { TransientError } from '../../errors.js';
import { SERVICE_TYPES, type MonitService, type MonitState, type MonitStatus } from './types.js';

/** Event bits and the words monit prints for them (first match wins, as in the summary). */
const EVENT_WORDS: [number, string][] = [
  [0x200, 'Does not exist'],
  [0x1000, 'Execution failed'],
  [0x20, 'Connection failed'],
  [0x2, 'Resource limit matched'],
  [0x4, 'Timeout'],
  [0x40000, 'PID failed'],
  [0x80000, 'PPID failed'],
  [0x1, 'Checksum failed'],
  [0x800, 'Data access error'],
  [0x400, 'Invalid type'],
  [0x200000, 'Status failed'],
  [0x400000, 'Uptime failed'],
  [0x100000, 'Heartbeat failed'],
];

function tag(body: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
  return m ? decode(m[1] as string) : undefined;
}

/** The body of the first `<name>...</name>` element (non-greedy, enough for monit's flat nesting). */
function element(body: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body)?.[1];
}

function decode(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function num(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function describeEvents(bits: number): string {
  const words = EVENT_WORDS.filter(([bit]) => (bits & bit) !== 0).map(([, w]) => w);
  return words.length > 0 ? words.join(' | ') : `Failed (status ${bits})`;
}

function stateOf(monitor: number, status: number, pending: number): { state: MonitState; detail: string } {
  if (monitor === 0) return { state: 'not-monitored', detail: 'Not monitored' };
  if ((monitor & 2) !== 0 || (monitor & 4) !== 0) return { state: 'initializing', detail: (monitor & 4) !== 0 ? 'Waiting' : 'Initializing' };
  const base = status === 0 ? 'OK' : describeEvents(status);
  const actions = ['ignore', 'alert', 'restart', 'stop', 'exec', 'unmonitor', 'start', 'monitor'];
  const detail = pending > 0 && actions[pending] ? `${base} - ${actions[pending]} pending` : base;
  return { state: status === 0 ? 'running' : 'failing', detail };
}

/** Parses either XML format; services of unknown type keep their number as type. */
export function parseStatusXml(xml: string): MonitStatus {
  if (!/<monit[\s>]/.test(xml)) throw new TransientError('ObserveFailed', 'not a monit status document');
  const services: MonitService[] = [];
  let system: MonitStatus['system'];
  const re = /<service(\s[^>]*)?>([\s\S]*?)<\/service>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const attrs = m[1] ?? '';
    const body = m[2] as string;
    const typeNum = num(/type="(\d+)"/.exec(attrs)?.[1]) ?? num(tag(body, 'type'));
    const name = /name="([^"]*)"/.exec(attrs)?.[1] ?? tag(body, 'name');
    if (name === undefined) continue;
    const type = typeNum !== undefined ? (SERVICE_TYPES[typeNum] ?? String(typeNum)) : 'Unknown';
    const { state, detail } = stateOf(num(tag(body, 'monitor')) ?? 0, num(tag(body, 'status')) ?? 0, num(tag(body, 'pendingaction')) ?? 0);
    const svc: MonitService = { name: decode(name), type, state, detail };
    const pid = num(tag(body, 'pid'));
    if (pid !== undefined && pid > 0) svc.pid = pid;
    const cpu = element(body, 'cpu');
    const mem = element(body, 'memory');
    if (type === 'Process') {
      const cpuPct = num(cpu && tag(cpu, 'percenttotal'));
      const memPct = num(mem && tag(mem, 'percenttotal'));
      if (cpuPct !== undefined) svc.cpuPercent = cpuPct;
      if (memPct !== undefined) svc.memoryPercent = memPct;
    }
    if (type === 'System') {
      const user = num(cpu && tag(cpu, 'user')) ?? 0;
      const sys = num(cpu && tag(cpu, 'system')) ?? 0;
      const memPct = num(mem && tag(mem, 'percent'));
      system = { cpuPercent: Math.round((user + sys) * 10) / 10, ...(memPct !== undefined ? { memoryPercent: memPct } : {}) };
    }
    services.push(svc);
  }
  const version = /<version>([^<]+)<\/version>/.exec(xml)?.[1] ?? /<monit[^>]*\sversion="([^"]+)"/.exec(xml)?.[1];
  return { ...(version ? { version } : {}), services, ...(system ? { system } : {}), via: 'xml' };
}
