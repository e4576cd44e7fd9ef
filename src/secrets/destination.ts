/**
 * Where a secret may be sent. The operator binds each secret to SSH hosts, URL prefixes and image registries; a
 * destination the author of a resource chose must match one of them exactly (no DNS lookups, no implicit
 * wildcards: a CIDR block is the only range, matched against literal IP addresses). Credentials never travel over
 * plain `http://`, except to a loopback address the binding names with `http://` itself (tests, local labs).
 */
import { BlockList, isIP } from 'node:net';
import type { SecretDestination } from '../model/resource.js';

export type { SecretDestination } from '../model/resource.js';

export interface SecretBinding {
  /** SSH destinations: host names or IP addresses (exact), or CIDR blocks such as 10.0.0.0/8. */
  hosts: readonly string[];
  /** URL prefixes: same scheme, host and port, and a path at or under the prefix's path. */
  urls: readonly string[];
  /** Image registries as host[:port], e.g. registry.example.com or 127.0.0.1:5000. */
  registries: readonly string[];
}

export function describeDestination(d: SecretDestination): string {
  if ('ssh' in d) return `SSH host ${d.ssh}`;
  if ('url' in d) return `URL ${safeUrl(d.url)}`;
  return `registry ${d.registry}`;
}

/** The URL without user info, query or fragment: what messages may show. */
function safeUrl(text: string): string {
  try {
    const u = new URL(text);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

const norm = (host: string): string => host.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, '');

export function isLoopback(host: string): boolean {
  const h = norm(host);
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** A problem with one `hosts` entry of a binding, or undefined when it is an address, a host name or a CIDR block. */
export function hostEntryProblem(entry: string): string | undefined {
  const [addr, bits, extra] = entry.split('/');
  if (extra !== undefined || !addr) return `${entry} is not an address, host name or CIDR block`;
  if (bits === undefined) return isIP(addr) || /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(addr) ? undefined : `${entry} is not an address or host name`;
  const family = isIP(addr);
  const n = Number(bits);
  if (!family || !/^\d+$/.test(bits) || n > (family === 4 ? 32 : 128)) return `${entry} is not a CIDR block`;
  return undefined;
}

/** A problem with one `urls` entry, or undefined: https://, or http:// to a loopback address only. */
export function urlEntryProblem(entry: string): string | undefined {
  let u: URL;
  try {
    u = new URL(entry);
  } catch {
    return `${entry} is not a URL`;
  }
  if (u.username || u.password || u.search || u.hash) return `${entry}: give scheme, host, port and path only`;
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) return `${entry}: credentials are never sent over plain http:// except to loopback`;
  if (!['https:', 'http:', 'ssh:'].includes(u.protocol)) return `${entry}: only https://, ssh:// and loopback http:// URLs`;
  return undefined;
}

function hostMatches(entry: string, target: string): boolean {
  const t = norm(target);
  if (!entry.includes('/')) return norm(entry) === t;
  const family = isIP(t);
  const [addr = '', bits = ''] = entry.split('/');
  if (!family || isIP(addr) !== family) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(addr, Number(bits), type);
  return list.check(t, type);
}

function urlMatches(entry: string, target: URL): boolean {
  const p = new URL(entry);
  if (p.protocol !== target.protocol || p.host.toLowerCase() !== target.host.toLowerCase()) return false;
  const dir = (path: string) => (path.endsWith('/') ? path : `${path}/`);
  return dir(target.pathname).startsWith(dir(p.pathname));
}

/** Why `to` is refused for a secret with `allow`, or undefined when the binding covers it. */
export function refusal(allow: SecretBinding, to: SecretDestination): string | undefined {
  if ('ssh' in to) {
    return allow.hosts.some((h) => hostMatches(h, to.ssh)) ? undefined : `not among its hosts (${list(allow.hosts)})`;
  }
  if ('registry' in to) {
    const r = norm(to.registry);
    return allow.registries.some((e) => norm(e) === r) ? undefined : `not among its registries (${list(allow.registries)})`;
  }
  let u: URL;
  try {
    u = new URL(to.url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) return 'credentials are never sent over plain http:// (use https://)';
  return allow.urls.some((e) => urlMatches(e, u)) ? undefined : `not under its URLs (${list(allow.urls)})`;
}

const list = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : 'none');
