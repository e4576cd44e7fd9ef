/**
 * The loader: a checkout directory in, every declared resource and EVERY problem in the repo out, each problem at
 * `file:line:col` of the offending node. It never throws for a user's mistake, so one run reports them all.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KindRegistry } from '../kinds/types.js';
import type { Problem } from '../model/plan.js';
import type { Resource } from '../model/resource.js';
import { readDocument } from './document.js';
import { checkReferences, createResourceIndex, dropDuplicates, type Entry } from './refs.js';
import { sharedSchemaRegistry, type SchemaRegistry } from './schema-registry.js';
import { readSettings, type Settings } from './settings.js';
import { isEmptyDoc, parseSource, syntaxProblems } from './source-file.js';
import { listResourceFiles } from './walk.js';

export type { Settings } from './settings.js';
export { defaultSettings, loadSettingsOnly } from './settings.js';
export { createSchemaRegistry, sharedSchemaRegistry, PLAIN_SECRET_MESSAGE } from './schema-registry.js';
export type { SchemaRegistry } from './schema-registry.js';
export { createResourceIndex } from './refs.js';

export interface LoadOptions {
  registry: KindRegistry;
  /** Defaults to the process-wide registry over the package's schemas/. */
  schemas?: SchemaRegistry;
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

/** Loads a config repo checkout. Throws only when the directory itself cannot be read. */
export async function loadRepo(dir: string, opts: LoadOptions): Promise<LoadResult> {
  const schemas = opts.schemas ?? sharedSchemaRegistry();
  const kinds = opts.registry;
  const settingsResult = await readSettings(dir, { schemas, kinds });
  const { settings } = settingsResult;
  const problems: Problem[] = [...settingsResult.problems];
  const entries: Entry[] = [];
  const ctx = { kinds, schemas, settings, settingsSource: settingsResult.source };
  for (const file of await listResourceFiles(dir)) {
    const src = parseSource(file, await readFile(join(dir, file), 'utf8'));
    for (const doc of src.docs) {
      const syntax = syntaxProblems(src, doc);
      if (syntax.length > 0) {
        problems.push(...syntax);
        continue;
      }
      if (isEmptyDoc(doc)) continue;
      const loaded = readDocument(src, doc, ctx);
      problems.push(...loaded.problems);
      if (loaded.resource) entries.push({ resource: loaded.resource, clean: loaded.clean, src, doc });
    }
  }
  const { kept, problems: duplicates } = dropDuplicates(entries);
  problems.push(...duplicates);
  const resources = kept.map((e) => e.resource);
  problems.push(...checkReferences(kept, kinds, createResourceIndex(resources)));
  return { resources, settings, problems: sortProblems(problems) };
}
