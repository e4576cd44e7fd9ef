/**
 * The operator's secret catalogue: the `secrets:` map of the daemon settings file, which every command reads
 * (`--config`, else $DRIFTLESS_CONFIG, else `<state dir>/config.yaml` when present). Each entry names where the value
 * lives (`env` or `file`, operator-side) and where it may be sent (`allow`). A config repo only names entries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { yamlLib } from '../util/yaml.js';
import type { OperatorSecretRef } from '../model/resource.js';
import { expandHome } from './operator.js';
import { hostEntryProblem, urlEntryProblem, type SecretBinding } from './destination.js';
import type { AgeSettings } from './age/sealed.js';

export interface SecretEntry {
  /** Where the value lives; a relative file is already resolved against the settings file's directory. */
  ref: OperatorSecretRef;
  allow: SecretBinding;
}

export interface SecretCatalogue {
  readonly entries: ReadonlyMap<string, SecretEntry>;
  /** Where the catalogue came from, for messages (e.g. `/etc/driftless/config.yaml`). */
  readonly origin: string;
  /** The operator's `age:` settings: identities for values encrypted in the repo; absent = none can be opened. */
  readonly age?: AgeSettings;
}

/** The `age:` mapping as written (already schema-checked). */
export type RawAge = { identities: { env: string } | { file: string }; allow?: Partial<Record<keyof SecretBinding, string[]>> };

/** The `secrets:` map as written (already schema-checked). */
export type RawSecrets = Record<string, ({ env: string } | { file: string }) & { allow: Partial<Record<keyof SecretBinding, string[]>> }>;

/** File name looked for in the state directory when neither `--config` nor $DRIFTLESS_CONFIG is given. */
export const DEFAULT_SETTINGS_FILE = 'config.yaml';

/** The settings file a command reads: explicit, else $DRIFTLESS_CONFIG, else `<stateDir>/config.yaml` when it exists. */
export function settingsFilePath(explicit: string | undefined, env: NodeJS.ProcessEnv, stateDir: string): string | undefined {
  if (explicit) return explicit;
  if (env.DRIFTLESS_CONFIG) return env.DRIFTLESS_CONFIG;
  const fallback = join(stateDir, DEFAULT_SETTINGS_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

/** Builds the catalogue; problems are returned as `secrets.<name>.allow...: message` lines. */
export function buildCatalogue(raw: RawSecrets | undefined, baseDir: string, origin: string, rawAge?: RawAge): { catalogue: SecretCatalogue; problems: string[] } {
  const entries = new Map<string, SecretEntry>();
  const problems: string[] = [];
  for (const [name, e] of Object.entries(raw ?? {})) {
    const allow = binding(e.allow, `secrets.${name}.allow`, problems);
    const ref: OperatorSecretRef = 'env' in e ? { env: e.env } : { file: absolute(e.file, baseDir) };
    entries.set(name, { ref, allow });
  }
  if (!rawAge) return { catalogue: { entries, origin }, problems };
  const id = rawAge.identities;
  const age: AgeSettings = {
    identities: 'env' in id ? { env: id.env } : { file: absolute(id.file, baseDir) },
    ...(rawAge.allow ? { allow: binding(rawAge.allow, 'age.allow', problems) } : {}),
  };
  return { catalogue: { entries, origin, age }, problems };
}

function binding(raw: Partial<Record<keyof SecretBinding, string[]>>, where: string, problems: string[]): SecretBinding {
  const allow: SecretBinding = { hosts: raw.hosts ?? [], urls: raw.urls ?? [], registries: raw.registries ?? [] };
  for (const h of allow.hosts) {
    const p = hostEntryProblem(h);
    if (p) problems.push(`${where}.hosts: ${p}`);
  }
  for (const u of allow.urls) {
    const p = urlEntryProblem(u);
    if (p) problems.push(`${where}.urls: ${p}`);
  }
  return allow;
}

function absolute(file: string, baseDir: string): string {
  const p = expandHome(file);
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

/** Reads a settings file's YAML as a mapping (the CLI needs only its `secrets:`); throws with the path on failure. */
export function readSettingsFile(path: string): Record<string, unknown> {
  const data: unknown = yamlLib().parse(readFileSync(path, 'utf8'));
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error(`${path}: must be a mapping`);
  return data as Record<string, unknown>;
}

