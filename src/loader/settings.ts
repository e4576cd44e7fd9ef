/**
 * driftless.yaml: repo-wide settings, all optional. Validated against settings.schema.json with its defaults
 * filled in; a setting with a mistake falls back to its default so that one typo does not cascade into every
 * resource (the mistake itself is still a problem, which stops the revision).
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KindRegistry } from '../kinds/types.js';
import type { PrunePolicy } from '../model/inventory.js';
import type { Problem } from '../model/plan.js';
import { describeErrors } from './messages.js';
import { resolveInside } from '../util/confine.js';
import { SETTINGS_SCHEMA_ID, sharedSchemaRegistry, type SchemaRegistry } from './schema-registry.js';
import { loadLimits, type LoadLimits } from './limits.js';
import { parseSource, problemAt, readSourceText, type SourceFile } from './source-file.js';
import { SETTINGS_FILES } from './walk.js';

export interface Settings {
  apiVersion?: string;
  /** Tasks run at once inside a wave. */
  concurrency: number;
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  health: { timeoutSeconds: number; intervalMs: number };
  prune: PrunePolicy;
  /** Branch the daemon commits status to. */
  statusBranch: string;
  /** Public age recipients that `driftless secret encrypt` / `rotate` encrypt for. */
  age: { recipients: string[] };
  /** Per kind, spec fields merged into every resource of that kind (declared values win). */
  defaults: Record<string, Record<string, unknown>>;
}

export interface SettingsResult {
  settings: Settings;
  problems: Problem[];
  /** The parsed settings file, for locating problems caused by defaults; absent when there is none. */
  source?: SourceFile;
  /** Bytes of the settings files found (they count towards the repo's size limit). */
  size: number;
}

/** Settings when driftless.yaml is absent or empty: the schema's defaults. */
export function defaultSettings(schemas: SchemaRegistry = sharedSchemaRegistry()): Settings {
  const out: Record<string, unknown> = {};
  schemas.validate(SETTINGS_SCHEMA_ID, out);
  return out as unknown as Settings;
}

/**
 * The settings file's text (within the limits, see readSourceText); undefined when absent; a problem when it is a
 * symlink leading out of the repo (its content would be parsed and could be quoted in problems, or be /dev/zero).
 */
async function readOptional(
  dir: string,
  name: string,
  limits: LoadLimits,
): Promise<ReturnType<typeof readSourceText> | Problem | undefined> {
  let path: string;
  try {
    path = resolveInside(dir, name, 'file', name);
  } catch (err) {
    const present = await lstat(join(dir, name)).then(
      () => true,
      () => false,
    );
    return present ? { file: name, line: 1, col: 1, message: err instanceof Error ? err.message : String(err) } : undefined;
  }
  try {
    return readSourceText(dir, name, limits, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${name} in ${dir}`, { cause: err });
  }
}

/**
 * Reads and validates the root settings file of `dir`. When `kinds` is given, `defaults` naming an unknown kind are
 * problems too.
 */
export async function readSettings(
  dir: string,
  opts: { schemas?: SchemaRegistry; kinds?: KindRegistry; limits?: Partial<LoadLimits> } = {},
): Promise<SettingsResult> {
  const schemas = opts.schemas ?? sharedSchemaRegistry();
  const limits = loadLimits(opts.limits);
  const fallback = defaultSettings(schemas);
  const found: { name: string; read: ReturnType<typeof readSourceText> }[] = [];
  for (const name of SETTINGS_FILES) {
    const read = await readOptional(dir, name, limits);
    if (read !== undefined && 'message' in read) return { settings: fallback, problems: [read], size: 0 };
    if (read !== undefined) found.push({ name, read });
  }
  const size = found.reduce((sum, f) => sum + f.read.size, 0);
  const first = found[0];
  if (!first) return { settings: fallback, problems: [], size };
  const src = 'problem' in first.read ? first.read.problem : await parseSource(first.name, first.read.text, limits);
  const problems: Problem[] = found.slice(1).map((f) => ({
    file: f.name,
    line: 1,
    col: 1,
    message: `settings file ignored: ${first.name} is used; keep only one`,
  }));
  const docs = src.docs.filter((d) => !d.empty || d.syntax.length > 0);
  const doc = docs[0];
  if (!doc) return { settings: fallback, problems, source: src, size };
  for (const extra of docs.slice(1)) problems.push(problemAt(src, extra, '', 'settings file must hold one document'));
  if (doc.syntax.length > 0) return { settings: fallback, problems: [...problems, ...doc.syntax], source: src, size };
  const data = doc.value;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    problems.push(problemAt(src, doc, '', 'settings must be a mapping'));
    return { settings: fallback, problems, source: src, size };
  }
  const issues = describeErrors(schemas.validate(SETTINGS_SCHEMA_ID, data), '', data);
  for (const i of issues) problems.push(problemAt(src, doc, i.pointer, i.message, i.key));
  const record = data as Record<string, unknown>;
  const settings: Record<string, unknown> = { ...fallback };
  for (const [k, v] of Object.entries(record)) {
    if (k in fallback && !issues.some((i) => i.pointer === `/${k}` || i.pointer.startsWith(`/${k}/`))) settings[k] = v;
    else if (k === 'apiVersion' && typeof v === 'string') settings[k] = v;
  }
  if (opts.kinds) {
    const known = [...opts.kinds.keys()].sort();
    for (const kind of Object.keys((settings as unknown as Settings).defaults)) {
      if (!opts.kinds.has(kind)) {
        const msg = `defaults.${kind}: unknown kind "${kind}"; known kinds: ${known.join(', ')}`;
        problems.push(problemAt(src, doc, '/defaults', msg, kind));
      }
    }
  }
  return { settings: settings as unknown as Settings, problems, source: src, size };
}

/** Settings alone (for CLI commands that need concurrency or the status branch without loading resources). */
export async function loadSettingsOnly(
  dir: string,
  opts: { kinds?: KindRegistry; schemas?: SchemaRegistry; limits?: Partial<LoadLimits> } = {},
): Promise<SettingsResult> {
  return readSettings(dir, opts);
}
