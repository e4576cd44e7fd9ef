/** The NginxUpstream spec (schemas/nginx-upstream.schema.json) and the rendered shape templates receive. */

export interface ServerTuning {
  weight?: number;
  maxFails?: number;
  failTimeout?: string;
  backup?: boolean;
  down?: boolean;
}

export interface StaticServerSpec extends ServerTuning {
  /** `host:port` (or a unix: socket) nginx can reach. */
  address: string;
}

export interface PoolMemberSpec extends ServerTuning {
  pool: string;
  port: number;
  /** `host`: the Host's declared address; `private`: the first address the host itself reports (`hostname -I`). */
  addressOf?: 'host' | 'private';
}

export interface NginxUpstreamSpec {
  group: string;
  /** The nginx upstream name; default the resource name with `-` as `_`. */
  name?: string;
  /** File name under upstream/; default `<resource name>.upstream`. */
  file?: string;
  balance?: 'round_robin' | 'least_conn' | 'ip_hash';
  keepalive?: number;
  servers?: StaticServerSpec[];
  pools?: PoolMemberSpec[];
  /** Allow rendering with no servers even when a pool is not declared empty (a placeholder marked down). */
  allowEmpty?: boolean;
  /** Extra directives inside the upstream block (third-party modules such as nginx_upstream_check_module's `check`). */
  directives?: string[];
}

export interface RenderedServer {
  address: string;
  weight: number;
  maxFails: number;
  failTimeout: string;
  backup: boolean;
  down: boolean;
  /** `Pool/web node web-2` for members, undefined for static servers. */
  from?: string;
}

export interface RenderedUpstream {
  resource: string;
  name: string;
  file: string;
  balance: string;
  keepalive: number;
  servers: RenderedServer[];
  /** Extra directives, each ending in `;`. */
  directives: string[];
}

export function upstreamName(resourceName: string, spec: NginxUpstreamSpec): string {
  return spec.name ?? resourceName.replace(/[-.]/g, '_');
}

export function upstreamFile(resourceName: string, spec: NginxUpstreamSpec): string {
  return `upstream/${spec.file ?? `${resourceName}.upstream`}`;
}

export function tuned(address: string, t: ServerTuning, from?: string): RenderedServer {
  return {
    address,
    weight: t.weight ?? 1,
    maxFails: t.maxFails ?? 1,
    failTimeout: t.failTimeout ?? '10s',
    backup: t.backup ?? false,
    down: t.down ?? false,
    ...(from ? { from } : {}),
  };
}
