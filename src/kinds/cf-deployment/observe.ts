/**
 * Observe a deployment where it runs: per host one round trip for facts, usage, users and install markers, then
 * monit's status. The release is read and every instance's files rendered locally, so the digests say exactly
 * what an install would put there. A host that does not answer is reported and nothing is decided about it.
 */
import type { MonitDriver } from '../../drivers/types.js';
import { describe, StalledError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import { hostTarget } from '../shared/host-target.js';
import type { HostSpec } from '../host/public.js';
import type { KindContext } from '../types.js';
import { preflight } from './checks.js';
import { addressBook, MONITRC, readJob, releaseDir, renderBundle, type ReleaseFile } from './release.js';
import { resolveDeployment, type Placement } from './resolve.js';
import { observeScript, parseObserved } from './scripts.js';
import type { CFDeploymentSpec, CFObserved, HostObservation, Instance } from './spec.js';
import { redact, saveSnapshot } from './store.js';
import { workOf } from './work.js';

const TIMEOUT_MS = 30_000;

/** The private monit of this deployment, from the monit driver the composition root provides. */
export function monitFor(spec: CFDeploymentSpec, ctx: KindContext): MonitDriver {
  if (!ctx.drivers.monit) throw new StalledError('InternalError', 'no monit driver is configured (drivers.monit)');
  return ctx.drivers.monit({
    controlFile: MONITRC,
    httpPort: spec.monit?.httpPort ?? 2812,
    statusVia: spec.monit?.statusVia ?? 'auto',
  });
}

async function observeHost(host: Resource<HostSpec>, spec: CFDeploymentSpec, ctx: KindContext): Promise<HostObservation> {
  const base = { host: host.metadata.name, address: host.spec.address, facts: {}, usage: {}, usersPresent: [], installed: {}, processes: {} };
  try {
    const target = await hostTarget(host, ctx.secrets);
    const users = spec.properties.user ? [spec.properties.user] : [];
    const r = await ctx.drivers.ssh.exec(target, observeScript(users), { timeoutMs: TIMEOUT_MS, signal: ctx.signal });
    const o = parseObserved(r.stdout);
    const obs: HostObservation = {
      ...base,
      reachable: true,
      facts: { cpus: o.cpus, memoryMiB: o.memoryMiB, diskMiB: o.diskMiB },
      usage: { cpuPercent: o.cpuPercent, memoryPercent: o.memoryPercent, diskPercent: o.diskPercent },
      usersPresent: o.users,
      monitRunning: o.monit,
      installed: o.installed,
    };
    if (o.monit) {
      const status = await monitFor(spec, ctx).status(target, ctx.signal);
      for (const s of status.services) if (s.type === 'Process') obs.processes[s.name] = { state: s.state, detail: s.detail };
    }
    return obs;
  } catch (err) {
    return { ...base, reachable: false, monitRunning: false, error: describe(err) };
  }
}

export interface Prepared {
  placements: Placement[];
  instances: Instance[];
  problems: string[];
  files: Map<string, ReleaseFile[]>;
}

/** Resolves hosts, reads the release and renders every instance (no I/O on hosts). */
export async function prepare(res: Resource<CFDeploymentSpec>, ctx: KindContext): Promise<Prepared> {
  const spec = res.spec;
  const { placements, components, problems } = resolveDeployment(spec, ctx.resources);
  const files = new Map<string, ReleaseFile[]>();
  let dir: string | undefined;
  try {
    dir = releaseDir(ctx.repoDir, spec);
  } catch (err) {
    problems.push(describe(err));
  }
  for (const c of components) {
    if (!dir) break;
    try {
      files.set(c, await readJob(dir, c));
    } catch (err) {
      problems.push(`component ${c}: ${describe(err)}`);
    }
  }
  const book = addressBook(placements);
  const instances: Instance[] = [];
  for (const p of placements) {
    const f = files.get(p.component);
    if (!f) continue;
    try {
      const bundle = renderBundle(res.metadata.name, spec, p, f, book);
      instances.push({ component: p.component, index: p.index, host: p.host, address: p.address, state: p.state, digest: bundle.digest });
    } catch (err) {
      problems.push(`component ${p.component}: ${describe(err)}`);
    }
  }
  return { placements, instances, problems, files };
}

/** Placements an install would touch (not current) or that cannot be seen: checks never block a healthy instance. */
function toCheck(prep: Prepared, hosts: HostObservation[]): Placement[] {
  const byName = new Map(hosts.map((h) => [h.host, h]));
  return prep.placements.filter((p) => {
    const h = byName.get(p.host);
    const inst = prep.instances.find((i) => i.component === p.component && i.host === p.host);
    return !h?.reachable || !inst || h.installed[p.component] !== inst.digest;
  });
}

export async function observeDeployment(res: Resource<CFDeploymentSpec>, ctx: KindContext): Promise<CFObserved> {
  const spec = res.spec;
  const prep = await prepare(res, ctx);
  const names = [...new Set(prep.placements.map((p) => p.host))];
  const hosts = await Promise.all(
    names.map((n) => observeHost(ctx.resources.get<HostSpec>('Host', n) as Resource<HostSpec>, spec, ctx)),
  );
  const r = spec.resurrection ?? {};
  const observed: CFObserved = {
    hosts,
    instances: prep.instances,
    preflight: [...prep.problems, ...preflight(spec, toCheck(prep, hosts), hosts)],
    resurrection: { enabled: r.enabled ?? true, maxDown: r.maxDown ?? 5, maxDownPercent: r.maxDownPercent ?? 50 },
  };
  const meltdown = workOf(observed).meltdown;
  await saveSnapshot(ctx.store, {
    deployment: res.metadata.name,
    observedAt: new Date().toISOString(),
    observed,
    config: redact(spec),
    ...(meltdown ? { meltdown } : {}),
  });
  return observed;
}
