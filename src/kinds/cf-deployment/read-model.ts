/**
 * What the Deployment Engine HTTP routes may read of CF deployments: a read model over the state store, so the
 * server never opens the kind's records itself and works the same on any store backend (a follower replica serves
 * it from the shared store).
 */
import type { StateStore } from '../../store/index.js';
import { listLogs, readLog, readSnapshots, type Snapshot } from './store.js';

export type { Snapshot } from './store.js';
export type { HostObservation, Instance } from './spec.js';

export interface DeploymentReadModel {
  /** Every deployment's last observation, sorted by name. */
  snapshots(): Promise<Snapshot[]>;
  /** Install log names of a deployment (`local.log`, `<component>_<index>.log`), sorted. */
  logs(deployment: string): Promise<string[]>;
  /** The end of one log; undefined when there is none or the name is not a log name. */
  log(deployment: string, file: string): Promise<string | undefined>;
}

export function createDeploymentReadModel(store: StateStore): DeploymentReadModel {
  return {
    snapshots: () => readSnapshots(store),
    logs: (deployment) => listLogs(store, deployment),
    log: (deployment, file) => readLog(store, deployment, file),
  };
}
