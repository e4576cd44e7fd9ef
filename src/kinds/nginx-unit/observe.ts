/**
 * Observes a unit: what it should serve now (rendered from Git and pool membership) and, per host, what nginx
 * serves: the current version dir, the digest of its files as they are on disk (a hand edit shows as a digest
 * that differs from the one the dir was published as), nginx's version and whether it runs.
 */
import { describe as describeError, StalledError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import type { HostSpec } from '../host/public.js';
import { hostTarget } from '../shared/host-target.js';
import type { KindContext } from '../types.js';
import { recentPublishes } from './details.js';
import { markObserved } from './freshness.js';
import { fileSha, renderUnit, unitRoot, versionDigest, type RenderedUnit } from './render.js';
import type { NginxUnitSpec, UnitHostObserved, UnitObserved } from './spec.js';

/** The unit's hosts, by name or selector, sorted by name. */
export function unitHosts(res: Resource<NginxUnitSpec>, ctx: KindContext): Resource<HostSpec>[] {
  const all = ctx.resources.list<HostSpec>('Host');
  const names = res.spec.hosts.names;
  const picked = names
    ? names.map((n) => {
        const h = all.find((x) => x.metadata.name === n);
        if (!h) throw new StalledError('ReferenceInvalid', `Host/${n} is not declared`);
        return h;
      })
    : all.filter((h) => Object.entries(res.spec.hosts.selector ?? {}).every(([k, v]) => h.metadata.labels?.[k] === v));
  return picked.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

export async function observeHostsOf(res: Resource<NginxUnitSpec>, ctx: KindContext): Promise<UnitHostObserved[]> {
  const nginx = ctx.drivers.nginx;
  if (!nginx) throw new StalledError('InternalError', 'no nginx driver is wired');
  const root = unitRoot(res);
  return Promise.all(
    unitHosts(res, ctx).map(async (h): Promise<UnitHostObserved> => {
      const id = `Host/${h.metadata.name}`;
      try {
        const s = await nginx.inspect(await hostTarget(h, ctx.secrets), root);
        const actual = s.current ? versionDigest(s.files) : undefined;
        return {
          host: id,
          reachable: true,
          ...(s.nginx ? { nginx: s.nginx } : {}),
          running: s.running,
          ...(s.current ? { current: s.current, recorded: s.current.split('-')[0] ?? '' } : {}),
          ...(actual ? { actual } : {}),
          files: s.files,
          versions: s.versions,
        };
      } catch (err) {
        return { host: id, reachable: false, error: describeError(err), running: false, files: {} };
      }
    }),
  );
}

export async function observeUnit(res: Resource<NginxUnitSpec>, ctx: KindContext): Promise<UnitObserved> {
  const [rendered, hosts, history] = await Promise.all([
    renderUnit(res, ctx),
    observeHostsOf(res, ctx),
    recentPublishes(ctx.store, res.metadata.name),
  ]);
  return markObserved(unitKey(res, ctx), { ...toObserved(rendered, hosts), history }, rendered);
}

/** Identifies a unit across publishes and observations in this process: the state dir and the unit's name. */
export function unitKey(res: Resource<NginxUnitSpec>, ctx: KindContext): string {
  return `${ctx.store.location}\0${res.metadata.name}`;
}

export function toObserved(rendered: RenderedUnit, hosts: UnitHostObserved[]): UnitObserved {
  const files = Object.fromEntries(Object.entries(rendered.files).map(([p, c]) => [p, fileSha(c)]));
  return { desired: { digest: rendered.digest, files, notes: rendered.notes }, hosts };
}
