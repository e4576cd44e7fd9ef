/**
 * Parse cache for repeated loads of the same repo (the daemon loads every new commit, and most commits change one
 * file of thousands). A file is keyed by its path and a content key: the Git blob id when the source knows it (then
 * the file is not even read), otherwise its text. A hit skips YAML parsing, and when driftless.yaml's defaults and
 * the schema registry are unchanged it skips schema validation too, which is what makes a one-commit reload of
 * 3,000 files cost milliseconds instead of a third of a second (bench/git-poll.ts).
 *
 * Cached resources are never handed out as-is: callers get a copy, so a caller that mutates a resource cannot
 * poison the next load. A clean file's YAML Documents are not kept (they were ~4 KiB of a cached file's ~5 KiB of
 * heap, and a daemon holds every file of its repo), nor its positions index: positions are only needed for a
 * problem, and then the file, same content by key, is parsed again from the checkout the load reads.
 */
import type { Problem } from '../model/plan.js';
import type { LoadedDocument } from './document.js';
import type { SourceFile } from './source-file.js';

/** What one document of a file produced, for a given validation context. */
export interface DocOutcome {
  /** Which document of the file (0-based). */
  index: number;
  /** YAML syntax problems; when non-empty the document was not read further. */
  syntax: Problem[];
  empty: boolean;
  loaded?: LoadedDocument;
}

export interface CachedFile {
  key: string;
  /** Bytes of the file, for the repo's size limit when an unchanged file is not read again. */
  size: number;
  /** The parsed file; dropped once its outcomes are clean and cached for a context. */
  src: SourceFile | undefined;
  /** Identity of the validation context (defaults, schemas, kinds) `outcomes` were computed in. */
  context: string;
  outcomes: DocOutcome[];
}

export interface LoadCache {
  get(file: string, key: string): CachedFile | undefined;
  set(file: string, entry: CachedFile): void;
  /** Forgets files that are no longer in the repo, so the cache never outgrows one checkout. */
  retain(files: ReadonlySet<string>): void;
  readonly size: number;
}

/** A cache owned by one long-lived caller (the daemon's runtime); a one-shot CLI load needs none. */
export function createLoadCache(): LoadCache {
  const entries = new Map<string, CachedFile>();
  return {
    get(file, key) {
      const e = entries.get(file);
      return e && e.key === key ? e : undefined;
    },
    set(file, entry) {
      entries.set(file, entry);
    },
    retain(files) {
      for (const file of entries.keys()) if (!files.has(file)) entries.delete(file);
    },
    get size() {
      return entries.size;
    },
  };
}

/** A copy of a loaded document whose resource can be changed freely without touching the cached one. */
export function copyLoaded(loaded: LoadedDocument): LoadedDocument {
  if (!loaded.resource) return loaded;
  const r = loaded.resource;
  return {
    ...loaded,
    resource: {
      ...r,
      metadata: cloneData(r.metadata),
      spec: cloneData(r.spec),
      source: { ...r.source },
    },
  };
}

/**
 * A deep copy of parsed YAML data (plain objects, arrays, scalars: what the loader produces). structuredClone
 * serialises and deserialises each value: copying 3,000 small resources per reload took ~10 ms with it, about a
 * third of that this way, with less garbage.
 */
export function cloneData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneData) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = cloneData((value as Record<string, unknown>)[key]);
  return out as T;
}
