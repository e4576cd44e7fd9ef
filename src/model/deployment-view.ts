/**
 * What the Deployment Engine HTTP routes read of deployments: a contract owned here, below both server/ and the
 * kinds, so the server never imports a kind. The CFDeployment kind implements it over the state store
 * (kinds/cf-deployment/read-model.ts); the shapes are the subset the routes show, and the kind's own richer
 * records satisfy them structurally.
 */

/** One desired component instance (`nats_0`) and where it runs. */
export interface DeploymentInstanceView {
  component: string;
  /** Position in the component's host list: `nats_0`, `nats_1` as the seed names logs. */
  index: number;
  host: string;
  address: string;
  state: string;
}

/** What was last seen on one host of a deployment. */
export interface DeploymentHostView {
  host: string;
  address: string;
  reachable: boolean;
  error?: string;
  facts: { cpus?: number; memoryMiB?: number; diskMiB?: number };
  usage: { cpuPercent?: number; memoryPercent?: number; diskPercent?: number };
  /** Installed component -> digest. */
  installed: Record<string, string>;
  /** Monit's verdict per component process (`running`, `initializing`, `not-monitored`, ...). */
  processes: Record<string, { state: string; detail: string }>;
}

/** A deployment's last observation, as the routes show it. */
export interface DeploymentSnapshotView {
  deployment: string;
  observedAt: string;
  observed: { hosts: DeploymentHostView[]; instances: DeploymentInstanceView[] };
  config: unknown;
  /** Why resurrection is held, when it is. */
  meltdown?: string;
}

/** Read-only access to deployments' snapshots and install logs, whatever the store backend. */
export interface DeploymentReadModel {
  /** Every deployment's last observation, sorted by name. */
  snapshots(): Promise<DeploymentSnapshotView[]>;
  /** Install log names of a deployment (`local.log`, `<component>_<index>.log`), sorted. */
  logs(deployment: string): Promise<string[]>;
  /** The end of one log; undefined when there is none or the name is not a log name. */
  log(deployment: string, file: string): Promise<string | undefined>;
}
