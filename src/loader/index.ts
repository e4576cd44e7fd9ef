/**
 * The loader: a checkout directory in, every declared resource and EVERY problem in the repo out, each problem at
 * `file:line:col` of the offending node. It never throws for a user's mistake, so one run reports them all.
 */
import type { KindRegistry } from '../kinds/types.js';
import type { Problem } from '../model/plan.js';
import type { Resource } from '../model/resource.js';
import type { LoadCache } from './cache.js';
import type { DocumentContext } from './document.js';
import { readResourceFiles } from './files.js';
import { loadLimits, type LoadLimits } from './limits.js';
import { warmParseWorker } from './yaml-worker.js';
import { checkReferences, createResourceIndex, dropDuplicates, placeProblems, type Entry } from './refs.js';
import { checkRepoPaths } from './repo-paths.js';
import { sharedSchemaRegistry, type SchemaRegistry } from './schema-registry.js';
import { readSettings, type Settings } from './settings.js';
import { listResourceFiles, selectResourceFiles } from './walk.js';
import type { SecretCatalogue } from '../secrets/catalogue.js';
import { checkSealed, type SealedUse } from './sealed.js';

export type { Settings } from './settings.js';
export { defaultSettings, loadSettingsOnly } from './settings.js';
export { createSchemaRegistry, sharedSchemaRegistry, OPERATOR_REF_MESSAGE, PLAIN_SECRET_MESSAGE } from './schema-registry.js';
export type { SchemaRegistry } from './schema-registry.js';
export { createResourceIndex } from './refs.js';
export { createLoadCache, type LoadCache } from './cache.js';
export { DEFAULT_LOAD_LIMITS, MAX_FILE_BYTES, MAX_REPO_BYTES, PARSE_HEAP_MB, PARSE_TIMEOUT_MS } from './limits.js';
export type { LoadLimits } from './limits.js';

export interface LoadOptions {
  registry: KindRegistry;
  /** Defaults to the process-wide registry over the package's schemas/. */
  schemas?: SchemaRegistry;
  /**
   * Regular files of the checkout with a content id each (Git blob ids), when the source knows them: the directory
   * is then not walked, and with `cache` an unchanged file is not even read.
   */
  files?: ReadonlyMap<string, string>;
  /** Parse cache kept across loads by a long-lived caller (the daemon). */
  cache?: LoadCache;
  /** The operator's secret catalogue, when known: a resource naming a secret outside it is a problem. */
  catalogue?: SecretCatalogue;
  /** Environment for operator references read at load (the age identities); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Size and parse limits; each defaults to its constant in limits.ts (MAX_FILE_BYTES, ...). */
  limits?: Partial<LoadLimits>;
}

export interface LoadResult {
  /** Resources in file then document order; duplicates after the first are left out. */
  resources: Resource[];
  settings: Settings;
  /** Sorted by file, line, column; empty means the revision may be applied. */
  problems: Problem[];
}

/** `path:line:col: message`, the one format problems are shown in (CLI, status, logs). */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/** Orders problems by file, line, column and drops exact repeats (e.g. one bad default hit by many resources). */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const p of problems) {
    const id = formatProblem(p);
    if (!seen.has(id)) {
      seen.add(id);
      out.push(p);
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
}

/** Identity of everything a document's reading depends on besides its own text. */
function contextKey(ctx: DocumentContext): string {
  const secrets = ctx.secrets ? [...ctx.secrets.names].sort().join(',') : '-';
  return `${objectId(ctx.kinds)}:${objectId(ctx.schemas)}:${JSON.stringify(ctx.settings.defaults)}:${secrets}`;
}

const ids = new WeakMap<object, number>();
let nextId = 1;
function objectId(o: object): number {
  const known = ids.get(o);
  if (known !== undefined) return known;
  ids.set(o, nextId);
  return nextId++;
}

/** Loads a config repo checkout. Throws only when the directory itself cannot be read. */
export async function loadRepo(dir: string, opts: LoadOptions): Promise<LoadResult> {
  const limits = loadLimits(opts.limits);
  // The parse worker boots (an isolate, then the yaml package) on the other core while the schemas load here.
  warmParseWorker(limits.parseHeapMb);
  const schemas = opts.schemas ?? sharedSchemaRegistry();
  const kinds = opts.registry;
  const settingsResult = await readSettings(dir, { schemas, kinds, limits });
  const { settings } = settingsResult;
  const problems: Problem[] = [...settingsResult.problems];
  const entries: Entry[] = [];
  const sealed: SealedUse[] = [];
  const secrets = opts.catalogue ? { names: new Set(opts.catalogue.entries.keys()), origin: opts.catalogue.origin } : undefined;
  const ctx = { kinds, schemas, settings, settingsSource: settingsResult.source, ...(secrets ? { secrets } : {}) };
  const context = contextKey(ctx);
  const files = opts.files ? await selectResourceFiles(dir, opts.files.keys()) : await listResourceFiles(dir);
  const read = await readResourceFiles(dir, files, ctx, context, { ...opts, limits }, settingsResult.size);
  problems.push(...read.problems);
  for (const o of read.outcomes) {
    if (o.syntax.length > 0) problems.push(...o.syntax);
    if (!o.loaded) continue;
    problems.push(...o.loaded.problems);
    // a reference the schema refused (a path out of the repo, another file name) is reported once, by the schema
    if (o.loaded.problems.length === 0) for (const s of o.loaded.sealed ?? []) sealed.push({ doc: o.doc, ...s });
    if (o.loaded.resource) entries.push({ resource: o.loaded.resource, clean: o.loaded.clean, doc: o.doc });
  }
  opts.cache?.retain(new Set(files));
  const { kept, problems: duplicates } = dropDuplicates(entries);
  const resources = kept.map((e) => e.resource);
  const located = await placeProblems([
    ...duplicates,
    ...checkReferences(kept, kinds, createResourceIndex(resources)),
    ...checkRepoPaths(kept, kinds),
    ...(opts.catalogue ? await checkSealed(sealed, opts.catalogue, dir, opts.env) : []),
  ]);
  problems.push(...located);
  return { resources, settings, problems: sortProblems(problems) };
}
