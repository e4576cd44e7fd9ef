/**
 * The Cloud Foundry components the Deployment Engine knows (seed 004's table): how many hosts each may have, the
 * hardware each needs, and what must be installed before it (cf-release v160's job specs). Data only, so the
 * order, validation and docs all read the same table.
 */

export const COMPONENTS = [
  'nats',
  'database',
  'nfs_server',
  'syslog_aggregator',
  'etcd',
  'collector',
  'uaa',
  'login',
  'loggregator',
  'cloud_controller_ng',
  'hm9000',
  'gorouter',
  'dea',
  'haproxy',
] as const;

export type ComponentName = (typeof COMPONENTS)[number];

export interface Minimums {
  cpus: number;
  memoryMiB: number;
  diskMiB: number;
}

export interface ComponentInfo {
  /** `one`: exactly one host; `many`: one or more. */
  cardinality: 'one' | 'many';
  /** Overrides of the default minimums (seed: vCPU>=1 RAM>=1024 DISK>=5120 MB). */
  minimums?: Partial<Minimums>;
  needs: ComponentName[];
  description: string;
}

export const DEFAULT_MINIMUMS: Minimums = { cpus: 1, memoryMiB: 1024, diskMiB: 5120 };

export const COMPONENT_TABLE: Record<ComponentName, ComponentInfo> = {
  nats: { cardinality: 'many', needs: [], description: 'message bus' },
  database: { cardinality: 'one', minimums: { memoryMiB: 1024, diskMiB: 13312 }, needs: [], description: 'database' },
  nfs_server: { cardinality: 'one', minimums: { memoryMiB: 1024, diskMiB: 20480 }, needs: [], description: 'shared storage' },
  syslog_aggregator: { cardinality: 'one', needs: [], description: 'system log collection' },
  // The seed allows one etcd; more are accepted and the first host leads (installed before the members).
  etcd: { cardinality: 'many', needs: [], description: 'key-value store (the first host leads)' },
  collector: { cardinality: 'many', needs: ['nats'], description: 'component metrics collection' },
  uaa: { cardinality: 'many', needs: ['database', 'nats'], description: 'user account and authentication' },
  login: { cardinality: 'many', needs: ['uaa', 'nats'], description: 'web login' },
  loggregator: { cardinality: 'one', minimums: { memoryMiB: 2048, diskMiB: 10240 }, needs: ['etcd', 'nats'], description: 'application logs' },
  cloud_controller_ng: {
    cardinality: 'many',
    minimums: { memoryMiB: 4096, diskMiB: 13312 },
    needs: ['database', 'nats', 'uaa', 'nfs_server', 'loggregator'],
    description: 'cloud controller',
  },
  hm9000: { cardinality: 'many', needs: ['etcd', 'nats', 'cloud_controller_ng'], description: 'health manager' },
  gorouter: { cardinality: 'many', minimums: { memoryMiB: 2048, diskMiB: 10240 }, needs: ['nats', 'loggregator'], description: 'router' },
  dea: { cardinality: 'many', minimums: { cpus: 2, memoryMiB: 4096, diskMiB: 35840 }, needs: ['nats', 'loggregator'], description: 'application runner' },
  haproxy: { cardinality: 'one', needs: ['gorouter'], description: 'load balancer' },
};

/** The declared components `name` must wait for; undeclared ones are not waited on (a partial topology). */
export function needsOf(name: ComponentName, declared: ReadonlySet<string>): ComponentName[] {
  return COMPONENT_TABLE[name].needs.filter((n) => declared.has(n));
}

export function isComponent(name: string): name is ComponentName {
  return (COMPONENTS as readonly string[]).includes(name);
}
