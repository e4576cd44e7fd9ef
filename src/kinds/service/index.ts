/** Kind `Service`: a service of a cluster (OpenDCP 服务) that pools and nginx units serve; a declaration only. */
import { createDeclarationKind } from '../shared/declaration.js';

export interface ServiceSpec {
  cluster: string;
  description?: string;
  owner?: string;
  serviceType?: string;
  ports?: unknown[];
}

export const serviceKind = createDeclarationKind<ServiceSpec>({
  kind: 'Service',
  schemaId: 'https://driftless.dev/schemas/service.schema.json',
  order: 2,
  dependencies: (res) => [{ kind: 'Cluster', name: res.spec.cluster, path: '/spec/cluster' }],
});
