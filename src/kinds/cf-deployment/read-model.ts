/**
 * What the Deployment Engine HTTP routes may read of CF deployments: a read model over the state store, so the
 * server never opens the kind's records itself and works the same on any store backend (a follower replica serves
 * it from the shared store). The contract lives in model/deployment-view.ts so server/ never imports a kind.
 */
import type { StateStore } from '../../store/index.js';
import type { DeploymentReadModel } from '../../model/deployment-view.js';
import { listLogs, readLog, readSnapshots } from './store.js';

export type { DeploymentReadModel } from '../../model/deployment-view.js';

/** The CF kind's implementation of the server's read model: its snapshots satisfy the view shapes as they are. */
export function createDeploymentReadModel(store: StateStore): DeploymentReadModel {
  return {
    snapshots: () => readSnapshots(store),
    logs: (deployment) => listLogs(store, deployment),
    log: (deployment, file) => readLog(store, deployment, file),
  };
}
