/** Kind `NginxGroup`: a product line (OpenDCP Nginx分组) that owns upstreams; units publish them. A declaration. */
import { createDeclarationKind } from '../shared/declaration.js';

export interface NginxGroupSpec {
  description?: string;
  owner?: string;
}

export const nginxGroupKind = createDeclarationKind<NginxGroupSpec>({
  kind: 'NginxGroup',
  schemaId: 'https://driftless.dev/schemas/nginx-group.schema.json',
  order: 30,
});
