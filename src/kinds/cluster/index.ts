/** Kind `Cluster`: a business line (OpenDCP 集群) that services and hosts belong to; a declaration only. */
import { createDeclarationKind } from '../shared/declaration.js';

export interface ClusterSpec {
  description?: string;
  owner?: string;
  contact?: string;
}

export const clusterKind = createDeclarationKind<ClusterSpec>({
  kind: 'Cluster',
  schemaId: 'https://driftless.dev/schemas/cluster.schema.json',
  order: 1,
});
