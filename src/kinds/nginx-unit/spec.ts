/** The NginxUnit spec (schemas/nginx-unit.schema.json) and what observe reports. */

export interface NginxUnitSpec {
  group: string;
  /** The unit's nginx hosts: names, or labels every host must carry. */
  hosts: { names?: string[]; selector?: Record<string, string> };
  /** Where versions, the `current` symlink, pid and logs live on each host; default `/etc/driftless/nginx/<unit>`. */
  root?: string;
  /** Version dirs kept per host. */
  keepVersions?: number;
  /** NginxUpstream names this unit publishes (they must belong to its group). */
  upstreams?: string[];
  /** NginxConfig names; default the built-in unit: nginx.conf + a default vhost proxying to `vars.upstream`. */
  configs?: string[];
  /** Values every config template sees as `vars`. */
  vars?: Record<string, unknown>;
}

/** One nginx host as observed. `recorded` is the digest its current dir was published as (from its name). */
export interface UnitHostObserved {
  host: string;
  reachable: boolean;
  error?: string;
  nginx?: string;
  running: boolean;
  current?: string;
  /** Digest of the files actually in `current` (short form, as in dir names). */
  actual?: string;
  recorded?: string;
  files: Record<string, string>;
  /** Version dirs on the host (`<digest>-<suffix>`): a publish of a digest already there reuses its dir. */
  versions?: string[];
}

/** One publish as status shows it (from `nginx/history.jsonl`). */
export interface PublishSummary {
  digest: string;
  time: string;
  result: 'succeeded' | 'failed';
  revision: string;
  cause: string;
  files: string[];
  hosts: { host: string; ok: boolean }[];
  error?: string;
}

export interface UnitObserved {
  /** What the unit should serve now, rendered from Git + pool membership (copied here so diff/health are pure). */
  desired: { digest: string; files: Record<string, string>; notes: string[] };
  hosts: UnitHostObserved[];
  /** The unit's last few publishes, newest first (from the state dir), for status only. */
  history?: PublishSummary[];
}
