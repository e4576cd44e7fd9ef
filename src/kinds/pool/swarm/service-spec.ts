/**
 * The Swarm ServiceSpec a pool stands for (pure): every container field maps 1:1 onto the Engine API, every
 * value driftless manages is written out explicitly (Docker's defaults included), so what the manager stores and
 * what driftless would send compare field by field without guessing defaults.
 */
import type { EngineJson } from '../../../drivers/types.js';
import type { Resource } from '../../../model/resource.js';
import type { PoolSpec } from '../spec.js';
import { OWNER_LABEL, SPEC_LABEL, type UpdatePolicy } from './spec.js';
import { bytes, nanoCpus, ns } from './units.js';

/** What observe resolved: the pinned image, network ids, secret/config names (with ids once they exist). */
export interface ResolvedRefs {
  image: string;
  networks: { name: string; id?: string }[];
  secrets: { target: string; name: string; id?: string; mode?: string }[];
  configs: { target: string; name: string; id?: string; mode?: string }[];
}

function updateConfig(u: UpdatePolicy | undefined): EngineJson {
  return {
    Parallelism: u?.parallelism ?? 1,
    Delay: ns(u?.delay),
    FailureAction: u?.failureAction ?? 'pause',
    Monitor: ns(u?.monitor, '5s'),
    MaxFailureRatio: u?.maxFailureRatio ?? 0,
    Order: u?.order ?? 'stop-first',
  };
}

const fileMode = (mode: string | undefined): number => parseInt(mode ?? '0444', 8);

export function buildServiceSpec(res: Resource<PoolSpec>, refs: ResolvedRefs, specDigest: string): EngineJson {
  const c = res.spec.container;
  const s = res.spec.swarm!;
  const restart = c.restartPolicy;
  const limits = c.resources?.limits;
  const reservations = c.resources?.reservations;
  const hc = s.healthCheck;
  return {
    Name: res.metadata.name,
    Labels: { ...(s.labels ?? {}), [OWNER_LABEL]: res.metadata.name, [SPEC_LABEL]: specDigest },
    TaskTemplate: {
      ContainerSpec: {
        Image: refs.image,
        ...(c.command ? { Command: c.command } : {}),
        ...(c.args ? { Args: c.args } : {}),
        Env: Object.entries(c.env ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .sort(),
        ...(c.workdir ? { Dir: c.workdir } : {}),
        Labels: { ...(c.labels ?? {}), [OWNER_LABEL]: res.metadata.name },
        Mounts: [
          ...(c.mounts ?? []).map((m) => ({ Type: m.type ?? 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly ?? false })),
          ...(s.tmpfs ?? []).map((t) => ({ Type: 'tmpfs', Target: t.target, ...(t.size ? { TmpfsOptions: { SizeBytes: bytes(t.size) } } : {}) })),
        ],
        ...(c.stopGracePeriod ? { StopGracePeriod: ns(c.stopGracePeriod) } : {}),
        ...(hc
          ? { Healthcheck: { Test: ['CMD', ...hc.command], Interval: ns(hc.interval, '5s'), Timeout: ns(hc.timeout, '3s'), Retries: hc.retries ?? 3, StartPeriod: ns(hc.startPeriod) } }
          : {}),
        Secrets: refs.secrets.map((x) => ({ SecretName: x.name, SecretID: x.id ?? '', File: { Name: x.target, UID: '0', GID: '0', Mode: fileMode(x.mode) } })),
        Configs: refs.configs.map((x) => ({ ConfigName: x.name, ConfigID: x.id ?? '', File: { Name: x.target, UID: '0', GID: '0', Mode: fileMode(x.mode) } })),
      },
      Resources: {
        Limits: { NanoCPUs: nanoCpus(limits?.cpus), MemoryBytes: bytes(limits?.memory) },
        Reservations: { NanoCPUs: nanoCpus(reservations?.cpus), MemoryBytes: bytes(reservations?.memory) },
      },
      RestartPolicy: {
        Condition: restart?.condition ?? 'any',
        Delay: ns(restart?.delay, '5s'),
        MaxAttempts: restart?.maxAttempts ?? 0,
        Window: ns(restart?.window),
      },
      Placement: {
        Constraints: s.placement?.constraints ?? [],
        Preferences: (s.placement?.preferences ?? []).map((p) => ({ Spread: { SpreadDescriptor: p.spread } })),
        MaxReplicas: s.placement?.maxReplicasPerNode ?? 0,
      },
      Networks: refs.networks.map((n) => ({ Target: n.id ?? n.name })),
    },
    Mode: (s.mode ?? 'replicated') === 'global' ? { Global: {} } : { Replicated: { Replicas: res.spec.replicas ?? 1 } },
    UpdateConfig: updateConfig(s.update),
    RollbackConfig: updateConfig(s.rollback),
    EndpointSpec: {
      Mode: 'vip',
      Ports: (c.ports ?? []).map((p) => ({ Protocol: p.protocol ?? 'tcp', TargetPort: p.container, PublishedPort: p.host ?? p.container, PublishMode: s.publishMode ?? 'ingress' })),
    },
  };
}
