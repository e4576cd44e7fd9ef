/**
 * A ServiceSpec as the fields driftless manages, by the names a pool declares them under (pure). Both the spec
 * driftless would send and the one the manager stores go through this, so the plan diffs field by field and the
 * engine's own additions (defaults it fills, ids it assigns) never show as changes.
 */
import type { EngineJson } from '../../../drivers/types.js';
import { OWNER_LABEL, SPEC_LABEL } from './spec.js';

type J = Record<string, unknown>;
const o = (v: unknown): J => (v && typeof v === 'object' ? (v as J) : {});
const a = (v: unknown): J[] => (Array.isArray(v) ? (v as J[]) : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const without = (labels: unknown, keys: string[]): J => Object.fromEntries(Object.entries(o(labels)).filter(([k]) => !keys.includes(k)).sort());

function policy(prefix: string, u: J): J {
  return {
    [`${prefix}.parallelism`]: num(u.Parallelism),
    [`${prefix}.delay`]: num(u.Delay),
    [`${prefix}.failureAction`]: u.FailureAction ?? 'pause',
    [`${prefix}.monitor`]: num(u.Monitor),
    [`${prefix}.maxFailureRatio`]: num(u.MaxFailureRatio),
    [`${prefix}.order`]: u.Order ?? 'stop-first',
  };
}

/** `networkNames` maps network ids to names (the manager stores ids). */
export function serviceView(spec: EngineJson, networkNames: Record<string, string>): J {
  const tt = o(spec.TaskTemplate);
  const cs = o(tt.ContainerSpec);
  const res = o(tt.Resources);
  const rp = o(tt.RestartPolicy);
  const pl = o(tt.Placement);
  const hc = cs.Healthcheck ? o(cs.Healthcheck) : undefined;
  const mode = o(spec.Mode);
  return {
    image: cs.Image ?? '',
    command: a(cs.Command),
    args: a(cs.Args),
    env: [...(a(cs.Env) as unknown as string[])].sort(),
    workdir: cs.Dir ?? '',
    'container.labels': without(cs.Labels, [OWNER_LABEL]),
    labels: without(spec.Labels, [OWNER_LABEL, SPEC_LABEL]),
    mounts: a(cs.Mounts).map((m) => ({ type: m.Type, source: m.Source ?? '', target: m.Target, readOnly: m.ReadOnly === true, size: num(o(m.TmpfsOptions).SizeBytes) })),
    stopGracePeriod: num(cs.StopGracePeriod),
    healthCheck: hc ? { test: hc.Test, interval: num(hc.Interval), timeout: num(hc.Timeout), retries: num(hc.Retries), startPeriod: num(hc.StartPeriod) } : null,
    secrets: a(cs.Secrets).map((x) => ({ name: x.SecretName, target: o(x.File).Name, mode: num(o(x.File).Mode) })),
    configs: a(cs.Configs).map((x) => ({ name: x.ConfigName, target: o(x.File).Name, mode: num(o(x.File).Mode) })),
    'resources.limits.cpus': num(o(res.Limits).NanoCPUs) / 1e9,
    'resources.limits.memory': num(o(res.Limits).MemoryBytes),
    'resources.reservations.cpus': num(o(res.Reservations).NanoCPUs) / 1e9,
    'resources.reservations.memory': num(o(res.Reservations).MemoryBytes),
    'restartPolicy.condition': rp.Condition ?? 'any',
    'restartPolicy.delay': num(rp.Delay),
    'restartPolicy.maxAttempts': num(rp.MaxAttempts),
    'restartPolicy.window': num(rp.Window),
    'placement.constraints': a(pl.Constraints),
    'placement.preferences': a(pl.Preferences).map((p) => o(o(p).Spread).SpreadDescriptor),
    'placement.maxReplicasPerNode': num(pl.MaxReplicas),
    networks: a(tt.Networks).map((n) => networkNames[String(n.Target)] ?? n.Target).sort(),
    mode: mode.Global ? 'global' : 'replicated',
    replicas: mode.Global ? null : num(o(mode.Replicated).Replicas),
    ...policy('update', o(spec.UpdateConfig)),
    ...policy('rollback', o(spec.RollbackConfig)),
    ports: a(o(spec.EndpointSpec).Ports).map((p) => ({ protocol: p.Protocol ?? 'tcp', container: p.TargetPort, host: p.PublishedPort, mode: p.PublishMode ?? 'ingress' })),
  };
}

/** Field changes between two views (keys in view order). */
export function viewChanges(before: J | undefined, after: J): { path: string; before?: unknown; after: unknown }[] {
  return Object.keys(after)
    .filter((k) => !before || JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => ({ path: k, ...(before ? { before: before[k] } : {}), after: after[k] }));
}
