/**
 * Reads the resource files of a checkout into document outcomes: within the size limits, through the parse cache,
 * parsing misses in the parse worker (a batch of files is handed over at once, so the worker parses while the main
 * thread validates what came back).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Problem } from '../model/plan.js';
import type { CachedFile, DocOutcome, LoadCache } from './cache.js';
import { copyLoaded } from './cache.js';
import { readDocument, type DocumentContext } from './document.js';
import { repoTooLarge, type LoadLimits } from './limits.js';
import type { DocLocation } from './refs.js';
import { loadSource, parseSource, readSourceText, type SourceFile } from './source-file.js';

/** Files read and handed to the worker between two yields to the event loop (~250 small files take ~10 ms). */
const READ_BATCH = 250;

export interface ReadOptions {
  /** Content ids (Git blob ids) by path, when the source knows them: an unchanged cached file is not read. */
  files?: ReadonlyMap<string, string>;
  cache?: LoadCache;
  limits: LoadLimits;
}

export type FileOutcome = DocOutcome & { doc: DocLocation };

/** What is known of a file before parsing: from the cache, its text, or why it cannot be read. */
interface Prepared {
  file: string;
  key: string | undefined;
  size: number;
  text?: string;
  cached?: CachedFile;
  unreadable?: SourceFile;
}

function prepare(dir: string, file: string, opts: ReadOptions): Prepared {
  const blob = opts.files?.get(file);
  const blobKey = blob !== undefined ? `blob:${blob}` : undefined;
  const hit = blobKey !== undefined ? opts.cache?.get(file, blobKey) : undefined;
  if (hit) return { file, key: blobKey, size: hit.size, cached: hit };
  const read = readSourceText(dir, file, opts.limits);
  if ('problem' in read) return { file, key: blobKey, size: read.size, unreadable: read.problem };
  const key = blobKey ?? `text:${read.text}`;
  return { file, key, size: read.size, text: read.text, cached: opts.cache?.get(file, key) };
}

/** One file's outcomes, from the cache when its content (and for validation, the context) is unchanged. */
async function outcomes(dir: string, p: Prepared, ctx: DocumentContext, context: string, opts: ReadOptions): Promise<FileOutcome[]> {
  const { file } = p;
  const { limits } = opts;
  let entry = p.cached;
  if (!entry) {
    const src = p.unreadable ?? (await parseSource(file, p.text ?? '', limits));
    entry = { key: p.key ?? '', size: p.size, src, context: '', outcomes: [] };
    if (p.key !== undefined) opts.cache?.set(file, entry);
  }
  if (entry.context !== context) {
    const src = (entry.src ??= p.text !== undefined ? await parseSource(file, p.text, limits) : await loadSource(dir, file, limits));
    entry.outcomes = src.docs.map((doc, index) => {
      const { syntax } = doc;
      const empty = syntax.length === 0 && doc.empty;
      return syntax.length > 0 || empty ? { index, syntax, empty } : { index, syntax, empty, loaded: readDocument(src, doc, ctx) };
    });
    // Outcomes with problems are recomputed every time: their positions may point into driftless.yaml, whose
    // layout is not part of the context key. Clean files (the common case) are what the cache is for.
    const clean = entry.outcomes.every((o) => o.syntax.length === 0 && (o.loaded?.problems.length ?? 0) === 0);
    entry.context = clean ? context : '';
  }
  // A clean file keeps only its outcomes, in the cache and for the rest of this load: its parse (values and
  // positions) is garbage now, and a later problem in it (a dangling reference) parses the file again.
  const clean = entry.context !== '';
  const src = clean ? undefined : entry.src;
  if (clean) entry.src = undefined; // (not `delete`: that turns the entry into a slow dictionary object)
  return entry.outcomes.map((o) => {
    const doc = { dir, file, index: o.index, src, limits };
    return o.loaded ? { ...o, doc, loaded: copyLoaded(o.loaded) } : { ...o, doc };
  });
}

/**
 * Every document outcome of `files` in file order. `used` is what the repo's YAML already weighs (driftless.yaml):
 * once the total passes the repo limit, that file gets the problem and no later file is read.
 */
export async function readResourceFiles(
  dir: string,
  files: readonly string[],
  ctx: DocumentContext,
  context: string,
  opts: ReadOptions,
  used: number,
): Promise<{ outcomes: FileOutcome[]; problems: Problem[] }> {
  const out: FileOutcome[] = [];
  const problems: Problem[] = [];
  let total = used;
  for (let start = 0; start < files.length; start += READ_BATCH) {
    // Synchronous reads of small files are ~10x faster than fs/promises (no thread-pool round trip per open/
    // fstat/read/close); the loop yields every READ_BATCH files so a daemon still answers HTTP during a big load.
    if (start > 0) await yieldToLoop();
    const batch: Promise<FileOutcome[]>[] = [];
    let stop = false;
    for (const file of files.slice(start, start + READ_BATCH)) {
      const p = prepare(dir, file, opts);
      total += p.size;
      if (total > opts.limits.maxRepoBytes) {
        problems.push({ file, line: 1, col: 1, message: repoTooLarge(total, opts.limits) });
        stop = true;
        break;
      }
      batch.push(outcomes(dir, p, ctx, context, opts));
    }
    for (const o of await Promise.all(batch)) out.push(...o);
    if (stop) break;
  }
  return { outcomes: out, problems };
}
