/**
 * The loader: a checkout directory in, every declared resource and EVERY problem in the repo out, each problem at
 * `file:line:col` of the offending node. It never throws for a user's mistake, so one run reports them all.
 */
import { readFileSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { join } from 'node:path';
import type { KindRegistry } from '../kinds/types.js';
import type { Problem } from '../model/plan.js';
import type { Resource } from '../model/resource.js';
import { copyLoaded, type DocOutcome, type LoadCache } from './cache.js';
import { readDocument, type DocumentContext } from './document.js';
import { checkReferences, createResourceIndex, dropDuplicates, type DocLocation, type Entry } from './refs.js';
import { checkRepoPaths } from './repo-paths.js';
import { sharedSchemaRegistry, type SchemaRegistry } from './schema-registry.js';
import { readSettings, type Settings } from './settings.js';
import { isEmptyDoc, parseSource, syntaxProblems, type SourceFile } from './source-file.js';
import { listResourceFiles, selectResourceFiles } from './walk.js';
import type { SecretCatalogue } from '../secrets/catalogue.js';

export type { Settings } from './settings.js';
export { defaultSettings, loadSettingsOnly } from './settings.js';
export { createSchemaRegistry, sharedSchemaRegistry, OPERATOR_REF_MESSAGE, PLAIN_SECRET_MESSAGE } from './schema-registry.js';
export type { SchemaRegistry } from './schema-registry.js';
export { createResourceIndex } from './refs.js';
export { createLoadCache, type LoadCache } from './cache.js';

/** Files read and parsed between two yields to the event loop (measured: ~250 small files take ~10 ms). */
const READ_BATCH = 250;

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

/** Reads one file's documents, from the cache when its content (and for validation, the context) is unchanged. */
function fileOutcomes(
  dir: string,
  file: string,
  ctx: DocumentContext,
  context: string,
  opts: LoadOptions,
): (DocOutcome & { doc: DocLocation })[] {
  const blob = opts.files?.get(file);
  let text: string | undefined;
  const key = blob !== undefined ? `blob:${blob}` : `text:${(text = readFileSync(join(dir, file), 'utf8'))}`;
  let cached = opts.cache?.get(file, key);
  if (!cached) {
    const src = parseSource(file, text ?? readFileSync(join(dir, file), 'utf8'));
    cached = { key, src, context: '', outcomes: [] };
    opts.cache?.set(file, cached);
  }
  const entry = cached;
  if (entry.context !== context) {
    const src = (entry.src ??= parseSource(file, text ?? readFileSync(join(dir, file), 'utf8')));
    entry.outcomes = src.docs.map((doc, index) => {
      const syntax = syntaxProblems(src, doc);
      const empty = syntax.length === 0 && isEmptyDoc(doc);
      return syntax.length > 0 || empty ? { index, syntax, empty } : { index, syntax, empty, loaded: readDocument(src, doc, ctx) };
    });
    // Outcomes with problems are recomputed every time: their positions may point into driftless.yaml, whose
    // layout is not part of the context key. Clean files (the common case) are what the cache is for.
    const clean = entry.outcomes.every((o) => o.syntax.length === 0 && (o.loaded?.problems.length ?? 0) === 0);
    entry.context = clean ? context : '';
  }
  const src = entry.src;
  // Without a cache the parse is garbage after this load anyway; with one, a clean file keeps only its outcomes.
  if (opts.cache && entry.context !== '') entry.src = undefined; // (not `delete`: that turns the entry into a slow dictionary object)
  const out: (DocOutcome & { doc: DocLocation })[] = [];
  for (const o of entry.outcomes) {
    const doc = { dir, file, index: o.index, src };
    out.push(o.loaded ? { ...o, doc, loaded: copyLoaded(o.loaded) } : { ...o, doc });
  }
  return out;
}

/** Loads a config repo checkout. Throws only when the directory itself cannot be read. */
export async function loadRepo(dir: string, opts: LoadOptions): Promise<LoadResult> {
  const schemas = opts.schemas ?? sharedSchemaRegistry();
  const kinds = opts.registry;
  const settingsResult = await readSettings(dir, { schemas, kinds });
  const { settings } = settingsResult;
  const problems: Problem[] = [...settingsResult.problems];
  const entries: Entry[] = [];
  const secrets = opts.catalogue ? { names: new Set(opts.catalogue.entries.keys()), origin: opts.catalogue.origin } : undefined;
  const ctx = { kinds, schemas, settings, settingsSource: settingsResult.source, ...(secrets ? { secrets } : {}) };
  const context = contextKey(ctx);
  const files = opts.files ? await selectResourceFiles(dir, opts.files.keys()) : await listResourceFiles(dir);
  for (const [i, file] of files.entries()) {
    // Synchronous reads of small files are ~10x faster than fs/promises (no thread-pool round trip per open/
    // fstat/read/close); the loop yields every READ_BATCH files so a daemon still answers HTTP during a big load.
    if (i > 0 && i % READ_BATCH === 0) await yieldToLoop();
    const outcomes = fileOutcomes(dir, file, ctx, context, opts);
    for (const o of outcomes) {
      if (o.syntax.length > 0) problems.push(...o.syntax);
      if (!o.loaded) continue;
      problems.push(...o.loaded.problems);
      if (o.loaded.resource) entries.push({ resource: o.loaded.resource, clean: o.loaded.clean, doc: o.doc });
    }
  }
  opts.cache?.retain(new Set(files));
  const { kept, problems: duplicates } = dropDuplicates(entries);
  problems.push(...duplicates);
  const resources = kept.map((e) => e.resource);
  problems.push(...checkReferences(kept, kinds, createResourceIndex(resources)));
  problems.push(...checkRepoPaths(kept, kinds));
  return { resources, settings, problems: sortProblems(problems) };
}
