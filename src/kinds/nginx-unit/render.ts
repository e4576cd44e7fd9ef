/**
 * Renders a unit: its main configs (templates with includes) and its upstream files (membership resolved from
 * pools), into a map of path -> content whose digest is the version. Rendering is total: any undefined variable
 * or missing template stops before anything is uploaded.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolveInside } from '../../util/confine.js';
import { StalledError, WaitingError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import { createRenderer, type Renderer } from '../../render/index.js';
import { stableStringify } from '../../util/digest.js';
import type { NginxConfigSpec } from '../nginx-config/public.js';
import {
  createMemberCache,
  type NginxUpstreamSpec,
  type RenderedUpstream,
  resolveMembers,
} from '../nginx-upstream/public.js';
import type { KindContext } from '../types.js';
import { checkPidDirective, type FileOrigin } from './explain.js';
import type { NginxUnitSpec } from './spec.js';

export const DEFAULT_CONFIGS: NginxConfigSpec[] = [
  { file: 'nginx.conf', template: 'nginx/nginx.conf.njk' },
  { file: 'conf.d/default.conf', template: 'nginx/vhost.conf.njk' },
];

export interface RenderedUnit {
  files: Record<string, string>;
  /** Which resource rendered each file, and where it is declared: nginx's errors are told in those terms. */
  origins: Record<string, FileOrigin>;
  digest: string;
  upstreams: RenderedUpstream[];
  notes: string[];
}

let shared: Renderer | undefined;

export function unitRoot(res: Resource<NginxUnitSpec>): string {
  return res.spec.root ?? `/etc/driftless/nginx/${res.metadata.name}`;
}

/** sha256 hex of one file's content: how hosts report their files (sha256sum). */
export function fileSha(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The version digest: over path -> sha256, short (it names dirs on hosts). */
export function versionDigest(shas: Record<string, string>): string {
  return createHash('sha256').update(stableStringify(shas)).digest('hex').slice(0, 16);
}

export async function renderUnit(res: Resource<NginxUnitSpec>, ctx: KindContext): Promise<RenderedUnit> {
  shared ??= createRenderer();
  const r = shared;
  const root = unitRoot(res);
  const unit = { name: res.metadata.name, group: res.spec.group, root, current: `${root}/current`, pidFile: `${root}/run/nginx.pid`, errorLog: `${root}/logs/error.log`, logs: `${root}/logs` };
  const notes: string[] = [];
  const cache = createMemberCache();
  const upstreams: RenderedUpstream[] = [];
  const files: Record<string, string> = {};
  const origins: Record<string, FileOrigin> = {};
  const at = (r: Resource): string => `${r.source.file}:${r.source.line}`;
  for (const name of res.spec.upstreams ?? []) {
    const up = ctx.resources.get<NginxUpstreamSpec>('NginxUpstream', name);
    if (!up) throw new StalledError('ReferenceInvalid', `NginxUpstream/${name} is not declared`);
    const m = await resolveMembers(up, ctx, cache).catch((err: unknown) => {
      throw new StalledError('ReferenceInvalid', `NginxUpstream/${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    if (m.wouldBeEmpty) {
      throw new WaitingError('DependencyNotReady', `NginxUpstream/${name} would have no servers (no healthy pool node yet); the published version stays`);
    }
    if (m.keptDraining.length > 0) notes.push(`NginxUpstream/${name}: kept draining ${m.keptDraining.join(', ')} (it would be left with no server)`);
    upstreams.push(m.upstream);
    files[m.upstream.file] = render(() => r.render('nginx/upstream.njk', { upstream: m.upstream }), `NginxUpstream/${name}`);
    origins[m.upstream.file] = { from: `NginxUpstream/${name}`, at: at(up) };
  }
  const configs: { spec: NginxConfigSpec; from: string; at?: string }[] = res.spec.configs
    ? res.spec.configs.map((name) => {
        const c = ctx.resources.get<NginxConfigSpec>('NginxConfig', name);
        if (!c) throw new StalledError('ReferenceInvalid', `NginxConfig/${name} is not declared`);
        return { spec: c.spec, from: `NginxConfig/${name}`, at: at(c) };
      })
    : DEFAULT_CONFIGS.map((spec) => ({ spec, from: 'default unit' }));
  for (const { spec, from, at: declared } of configs) {
    const context = { unit, vars: { ...(res.spec.vars ?? {}), ...(spec.vars ?? {}) }, upstreams };
    if (files[spec.file] !== undefined) throw new StalledError('SchemaInvalid', `${from}: file ${spec.file} is rendered twice`);
    const source = spec.source !== undefined ? await readFile(resolveInside(ctx.repoDir, spec.source, 'file', `${from}: source`), 'utf8') : undefined;
    files[spec.file] = render(
      () => (spec.template ? r.render(spec.template, context) : r.renderString(source ?? spec.content ?? '', context)),
      from,
    );
    origins[spec.file] = { from: spec.template ? `${from}, template ${spec.template}` : from, ...(declared ? { at: declared } : {}) };
    if (spec.file === 'nginx.conf') checkPidDirective(files[spec.file] as string, unit.pidFile, from);
  }
  if (files['nginx.conf'] === undefined) throw new StalledError('SchemaInvalid', `NginxUnit/${res.metadata.name}: no config renders nginx.conf`);
  const shas = Object.fromEntries(Object.entries(files).map(([p, c]) => [p, fileSha(c)]));
  return { files, origins, digest: versionDigest(shas), upstreams, notes };
}

function render(fn: () => string, from: string): string {
  try {
    return fn();
  } catch (err) {
    throw new StalledError('SchemaInvalid', `${from}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
