/**
 * Resolves a deployment's component entries to declared Hosts. The seed lists plain IP addresses; driftless
 * reaches hosts with the credentials of a Host resource, so an address (optionally `:port`, to tell lab hosts on
 * one address apart) must match exactly one declared Host. Every other entry is a Host name.
 */
import type { Resource } from '../../model/resource.js';
import type { HostSpec } from '../host/public.js';
import type { ResourceIndex } from '../types.js';
import { COMPONENT_TABLE, isComponent, type ComponentName } from './components.js';
import type { CFDeploymentSpec, ComponentSpec, RunState } from './spec.js';

const ADDRESS = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/;

/** True for entries that are addresses rather than Host names. */
export function isAddressEntry(entry: string): boolean {
  return ADDRESS.test(entry);
}

export interface Placement {
  component: ComponentName;
  index: number;
  host: string;
  address: string;
  state: RunState;
  spec: ComponentSpec;
}

export interface Resolution {
  placements: Placement[];
  /** Component names in declaration order. */
  components: ComponentName[];
  problems: string[];
  /** The same problems with the field each is about, so validate places them at their line. */
  located: LocatedProblem[];
}

export interface LocatedProblem {
  pointer: string;
  message: string;
}

export function componentSpec(entry: string[] | ComponentSpec): ComponentSpec {
  return Array.isArray(entry) ? { hosts: entry } : entry;
}

/** Maps one entry to a Host name, or explains why it cannot. */
export function hostFor(entry: string, hosts: Resource<HostSpec>[]): { host?: Resource<HostSpec>; problem?: string } {
  const m = ADDRESS.exec(entry);
  if (!m) {
    const host = hosts.find((h) => h.metadata.name === entry);
    return host ? { host } : { problem: `Host/${entry} is not declared` };
  }
  const [, ip, port] = m;
  const matches = hosts.filter((h) => h.spec.address === ip && (port === undefined || (h.spec.port ?? 22) === Number(port)));
  if (matches.length === 1) return { host: matches[0] as Resource<HostSpec> };
  if (matches.length === 0) return { problem: `address ${entry} matches no declared Host (declare one so driftless has its SSH credentials)` };
  return { problem: `address ${entry} matches several Hosts (${matches.map((h) => h.metadata.name).join(', ')}); add the port or use the Host name` };
}

/** Resolves every component's hosts; cardinality and unknown names are reported here too (pure). */
export function resolveDeployment(spec: CFDeploymentSpec, index: ResourceIndex): Resolution {
  const hosts = index.list<HostSpec>('Host');
  const problems: string[] = [];
  const located: LocatedProblem[] = [];
  const add = (pointer: string, message: string): void => {
    problems.push(message);
    located.push({ pointer, message });
  };
  const placements: Placement[] = [];
  const components: ComponentName[] = [];
  const stoppedHosts = new Set<string>();
  for (const [entry, value] of Object.entries(spec.hosts ?? {})) {
    const r = hostFor(entry, hosts);
    if (r.problem) add(`/spec/hosts/${escapePointer(entry)}`, `hosts.${entry}: ${r.problem}`);
    else if (r.host && value.state === 'stopped') stoppedHosts.add(r.host.metadata.name);
  }
  for (const [name, raw] of Object.entries(spec.components)) {
    if (!isComponent(name)) {
      add(`/spec/components/${escapePointer(name)}`, `component ${name}: unknown (known: ${Object.keys(COMPONENT_TABLE).join(', ')})`);
      continue;
    }
    components.push(name);
    const cs = componentSpec(raw);
    const at = `/spec/components/${name}`;
    const entryAt = (i: number) => (Array.isArray(raw) ? `${at}/${i}` : `${at}/hosts/${i}`);
    if (cs.hosts.length === 0) add(at, `component ${name}: no hosts`);
    if (COMPONENT_TABLE[name].cardinality === 'one' && cs.hosts.length > 1) {
      add(at, `component ${name}: exactly one host allowed, ${cs.hosts.length} given (${cs.hosts.join(', ')})`);
    }
    const seen = new Set<string>();
    cs.hosts.forEach((entry, i) => {
      const r = hostFor(entry, hosts);
      if (!r.host) {
        add(entryAt(i), `component ${name}: ${r.problem ?? entry}`);
        return;
      }
      const hostName = r.host.metadata.name;
      if (seen.has(hostName)) {
        add(entryAt(i), `component ${name}: host ${hostName} listed twice`);
        return;
      }
      seen.add(hostName);
      const state: RunState = cs.state === 'stopped' || stoppedHosts.has(hostName) ? 'stopped' : 'running';
      placements.push({ component: name, index: i, host: hostName, address: r.host.spec.address, state, spec: cs });
    });
  }
  return { placements, components, problems, located };
}

/** RFC 6901: `~` and `/` in a key are escaped in a JSON pointer. */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
