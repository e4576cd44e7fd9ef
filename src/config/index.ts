/**
 * Daemon settings: an optional file, then DRIFTLESS_* environment variables, then flags (each layer wins over the
 * one before), validated as one object against schemas/config.schema.json. Every mistake is listed at once with
 * where it came from, so an operator fixes a unit file in one go instead of one restart per typo.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { yamlLib } from '../util/yaml.js';
import { describeErrors } from '../loader/messages.js';
import { sharedSchemaRegistry } from '../loader/schema-registry.js';
import type { OperatorSecretRef as SecretRef } from '../model/resource.js';
import { isSshGitUrl } from '../source/git-ssh.js';
import { parseSourceArg, type GitAuthSpec, type SourceSpec } from '../source/types.js';
import { sanitize } from '../util/sanitize.js';
import { buildCatalogue, settingsFilePath, type RawAge, type RawSecrets, type SecretCatalogue } from '../secrets/catalogue.js';
import { parseDuration } from './duration.js';
import { listenProblem, type HttpConfig } from './http.js';
import { normalisePreviews, previewProblems, type PreviewConfig, type RawPreviewConfig } from './previews.js';
import { ENV_KEYS, envProblems, fromEnv, type Layer } from './env.js';
import type { EtcdSettings } from '../store/etcd/connect.js';
import { parseEtcdUrl } from '../store/etcd/url.js';

export const CONFIG_SCHEMA_ID = 'https://driftless.dev/schemas/config.schema.json';

export type WebhookSource = 'github' | 'gitlab' | 'gitea' | 'generic';
export const WEBHOOK_SOURCES: readonly WebhookSource[] = ['github', 'gitlab', 'gitea', 'generic'];

export interface WebhookConfig {
  /** Secret per receiver; a receiver that is absent answers 404. */
  secrets: Partial<Record<WebhookSource, SecretRef>>;
  bodyLimit: number;
  burst: number;
  perSecond: number;
  replayWindowMs: number;
}

export interface DaemonConfig {
  repo: string;
  source: SourceSpec;
  branch: string;
  intervalMs: number;
  jitter: number;
  driftIntervalMs: number;
  backoff: { baseMs: number; maxMs: number };
  listen: { host: string; port: number };
  stateDir: string;
  statusBranch?: string;
  statusPush: boolean;
  statusIntervalMs: number;
  watch: boolean;
  watchDebounceMs: number;
  logLevel: string;
  webhooks: WebhookConfig;
  http: HttpConfig;
  /** The secrets a config repo may name, and where each may be sent (`secrets:` of the settings file). */
  secrets: SecretCatalogue;
  /** Plan previews of pull requests (src/preview/). */
  previews: PreviewConfig;
  /** `etcd://...` for replicas sharing state and electing a leader; absent for the state dir alone. */
  state?: string;
  etcd: EtcdSettings & { name?: string };
}

/** Every problem of a config, one per line, each naming the setting and where its value came from. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid daemon config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface ConfigInputs {
  /** Values from command-line flags, already in config-file shape (undefined = not given). */
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Config file path; DRIFTLESS_CONFIG when absent. */
  file?: string;
  cwd?: string;
}

function readFileLayer(path: string, problems: string[]): Layer {
  try {
    const data: unknown = yamlLib().parse(readFileSync(path, 'utf8'));
    if (data === null || data === undefined) return {};
    if (typeof data !== 'object' || Array.isArray(data)) {
      problems.push(`${path}: must be a mapping`);
      return {};
    }
    return data as Layer;
  } catch (err) {
    problems.push(`${path}: cannot read config file: ${err instanceof Error ? err.message : String(err)}`);
    return {};
  }
}

function defined(layer: Record<string, unknown> | undefined): Layer {
  return Object.fromEntries(Object.entries(layer ?? {}).filter(([, v]) => v !== undefined));
}

/** Merges the layers, validates, and returns settings with durations in ms; throws ConfigError listing all problems. */
export function loadDaemonConfig(inputs: ConfigInputs): DaemonConfig {
  const env = inputs.env ?? process.env;
  const cwd = inputs.cwd ?? process.cwd();
  const problems: string[] = [];
  const origin = new Map<string, string>();
  const flagState = typeof inputs.flags?.stateDir === 'string' ? inputs.flags.stateDir : undefined;
  const filePath = settingsFilePath(inputs.file, env, resolve(cwd, flagState ?? env.DRIFTLESS_STATE_DIR ?? '.driftless'));
  const layers: [string, Layer][] = [];
  if (filePath) layers.push([`file ${filePath}`, readFileLayer(resolve(cwd, filePath), problems)]);
  layers.push(['env', fromEnv(env)]);
  problems.push(...envProblems(env));
  layers.push(['flag', defined(inputs.flags)]);
  const data: Layer = {};
  for (const [name, layer] of layers) {
    for (const [k, v] of Object.entries(layer)) {
      const prev = data[k];
      if ((k === 'webhooks' || k === 'http' || k === 'etcd') && typeof v === 'object' && v && typeof prev === 'object' && prev) {
        data[k] = { ...(prev as Layer), ...(v as Layer) };
      } else data[k] = v;
      origin.set(k, name === 'env' ? `env ${ENV_KEYS[k] ?? 'DRIFTLESS_*'}` : name === 'flag' ? `flag --${kebab(k)}` : name);
    }
  }
  const issues = describeErrors(sharedSchemaRegistry().validate(CONFIG_SCHEMA_ID, data), '', data);
  for (const i of issues) {
    const top = i.pointer.split('/')[1] ?? i.key ?? '';
    const from = origin.get(top);
    problems.push(from ? `${i.message} (from ${from})` : i.message);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // Only the file declares secrets; a relative `file:` is relative to it.
  const fileDir = filePath ? dirname(resolve(cwd, filePath)) : cwd;
  const { catalogue, problems: secretProblems } = buildCatalogue(
    data.secrets as RawSecrets | undefined,
    fileDir,
    filePath ? resolve(cwd, filePath) : 'the daemon settings',
    data.age as RawAge | undefined,
  );
  if (secretProblems.length > 0) throw new ConfigError(secretProblems.map((p) => `${p} (from file ${filePath})`));
  const rawPreviews = data.previews as RawPreviewConfig;
  const previewIssues = previewProblems(rawPreviews, (name) => catalogue.entries.has(name));
  if (previewIssues.length > 0) throw new ConfigError(previewIssues);
  return { ...normalise(data, cwd, problems, origin), secrets: catalogue, previews: normalisePreviews(rawPreviews) };
}

/** The `#ref` of a repo URL (`https://host/x.git#dev`), if any; a directory path's `#` is part of the path. */
function refFragment(repo: string): string | undefined {
  if (!/^[a-z+]+:\/\/|^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/i.test(repo)) return undefined;
  const hash = repo.indexOf('#');
  return hash >= 0 && hash < repo.length - 1 ? repo.slice(hash + 1) : undefined;
}

function kebab(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

interface RawConfig {
  repo: string;
  branch: string;
  interval: string;
  jitter: number;
  driftInterval: string;
  backoff: { base: string; max: string };
  listen: string;
  stateDir: string;
  statusBranch?: string;
  statusPush: boolean;
  statusInterval: string;
  watch: boolean;
  watchDebounce: string;
  logLevel: string;
  auth?: GitAuthSpec;
  webhooks: Partial<Record<WebhookSource, { secret: SecretRef }>> & {
    bodyLimit: number;
    burst: number;
    perSecond: number;
    replayWindow: string;
  };
  http: HttpConfig;
  state?: string;
  etcd: Omit<EtcdSettings, 'leaseTtlSeconds'> & { leaseTtl: string; name?: string };
}

/**
 * The branch is named once: by `branch` (file, env or flag) or by the repo URL's `#ref`. Both naming different refs is
 * a problem (the banner would show one and the daemon watch the other); `#ref` alone wins over the default branch.
 */
function normalise(data: Layer, cwd: string, problems: string[], origin: ReadonlyMap<string, string>): Omit<DaemonConfig, 'secrets' | 'previews'> {
  const raw = data as unknown as RawConfig;
  const fragment = refFragment(raw.repo);
  if (fragment && origin.has('branch') && fragment !== raw.branch) {
    problems.push(
      `branch: ${JSON.stringify(raw.branch)} (from ${origin.get('branch')}) conflicts with #${fragment} in repo (from ${origin.get('repo') ?? 'repo'}); name the branch once`,
    );
  }
  if (fragment) raw.branch = fragment;
  let source: SourceSpec | undefined;
  try {
    source = parseSourceArg(raw.repo, { cwd, ref: raw.branch, ...(raw.auth ? { auth: raw.auth } : {}) });
  } catch (err) {
    problems.push(`repo: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (source?.type === 'git' && raw.auth?.sshKey && !isSshGitUrl(source.url)) {
    problems.push(`auth.sshKey: only used for ssh:// and user@host:path repos, not ${sanitize(source.url)}`);
  }
  if (raw.statusBranch !== undefined && raw.statusBranch === raw.branch) {
    problems.push(`statusBranch: must differ from branch ${JSON.stringify(raw.branch)}; status is never written to the watched branch`);
  }
  const sep = raw.listen.lastIndexOf(':');
  const port = Number(raw.listen.slice(sep + 1));
  if (port > 65535) problems.push(`listen: port ${port} is out of range`);
  const exposed = listenProblem(raw.listen.slice(0, sep).replace(/^\[|\]$/g, ''), raw.http);
  if (exposed) problems.push(`${exposed} (listen from ${origin.get('listen') ?? 'the default'})`);
  if (parseDuration(raw.interval) < 100) problems.push('interval: must be at least 100ms');
  if (raw.state !== undefined) {
    try {
      parseEtcdUrl(raw.state);
    } catch (err) {
      problems.push(`${err instanceof Error ? err.message : String(err)} (from ${origin.get('state') ?? 'state'})`);
    }
  }
  const { leaseTtl, ...etcd } = raw.etcd;
  const leaseTtlSeconds = parseDuration(leaseTtl) / 1000;
  if (!Number.isInteger(leaseTtlSeconds) || leaseTtlSeconds < 1) problems.push(`etcd.leaseTtl: must be whole seconds, at least 1s (got ${leaseTtl})`);
  if (problems.length > 0 || !source) throw new ConfigError(problems);
  const secrets: Partial<Record<WebhookSource, SecretRef>> = {};
  for (const s of WEBHOOK_SOURCES) {
    const r = raw.webhooks[s];
    if (r) secrets[s] = r.secret;
  }
  return {
    repo: raw.repo,
    source,
    branch: raw.branch,
    intervalMs: parseDuration(raw.interval),
    jitter: raw.jitter,
    driftIntervalMs: parseDuration(raw.driftInterval),
    backoff: { baseMs: parseDuration(raw.backoff.base), maxMs: parseDuration(raw.backoff.max) },
    listen: { host: raw.listen.slice(0, sep).replace(/^\[|\]$/g, ''), port },
    stateDir: resolve(cwd, raw.stateDir),
    ...(raw.statusBranch !== undefined ? { statusBranch: raw.statusBranch } : {}),
    statusPush: raw.statusPush,
    statusIntervalMs: parseDuration(raw.statusInterval),
    watch: raw.watch,
    watchDebounceMs: parseDuration(raw.watchDebounce),
    logLevel: raw.logLevel,
    webhooks: {
      secrets,
      bodyLimit: raw.webhooks.bodyLimit,
      burst: raw.webhooks.burst,
      perSecond: raw.webhooks.perSecond,
      replayWindowMs: parseDuration(raw.webhooks.replayWindow),
    },
    http: raw.http,
    ...(raw.state !== undefined ? { state: raw.state } : {}),
    etcd: { ...etcd, leaseTtlSeconds },
  };
}
