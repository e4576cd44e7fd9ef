/**
 * Kind `NginxConfig`: one main configuration file of a unit (OpenDCP 主配置: nginx.conf, vhosts, locations), a
 * nunjucks-syntax template rendered in the sandbox (src/render/) with the unit's paths and vars. Its history is Git's; the unit publishes it.
 */
import type { Problem } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { createRenderer, type Renderer } from '../../render/index.js';
import { createDeclarationKind } from '../shared/declaration.js';
import { problemAt } from '../shared/problem.js';
import type { RepoPathRef, ResourceIndex } from '../types.js';

export interface NginxConfigSpec {
  /** Path inside the version dir, e.g. `nginx.conf` or `conf.d/shop.conf`. */
  file: string;
  /** A template under templates/ (e.g. `nginx/vhost.conf.njk`). */
  template?: string;
  /** A template file in the config repo, relative to its root. */
  source?: string;
  /** The template inline. */
  content?: string;
  vars?: Record<string, unknown>;
}

let renderer: Renderer | undefined;

function validate(res: Resource<NginxConfigSpec>, _all: ResourceIndex): Problem[] {
  const given = ['template', 'source', 'content'].filter((k) => res.spec[k as keyof NginxConfigSpec] !== undefined);
  const out: string[] = [];
  if (given.length !== 1) out.push(`give exactly one of template, source, content (found ${given.length === 0 ? 'none' : given.join(', ')})`);
  if (res.spec.file.split('/').some((part) => part === '..' || part === '')) out.push(`file ${res.spec.file} must be a relative path without ..`);
  // The content is parsed and checked now (syntax, names the sandbox refuses); it renders with the unit's vars.
  if (res.spec.content !== undefined) {
    try {
      (renderer ??= createRenderer()).check(res.spec.content);
    } catch (err) {
      out.push(`content: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out.map((m) => problemAt(res, m));
}

export const nginxConfigKind = {
  ...createDeclarationKind<NginxConfigSpec>({
    kind: 'NginxConfig',
    schemaId: 'https://driftless.dev/schemas/nginx-config.schema.json',
    order: 31,
  }),
  validate,
  /** A `source` template is read from the repo and uploaded to hosts: it must stay inside the repo. */
  repoPaths: (res: Resource<NginxConfigSpec>): RepoPathRef[] =>
    res.spec.source === undefined ? [] : [{ pointer: '/spec/source', path: res.spec.source, type: 'file' }],
};
