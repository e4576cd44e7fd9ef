/**
 * The journal's shape, checked every time it is read. The journal is the record of what driftless applied (the
 * inventory drives prune) and of every run; a file of the wrong shape (`{"runs":"x"}`, hand-edited, restored from
 * the wrong backup, half-written by another tool) used to load, let the apply run, then fail to record the run:
 * changes made on hosts with no record of them. Checking before anything runs keeps that from ever happening.
 * The check is structural (what the code reads and writes), not a full schema of every status detail.
 */
import { StalledError } from '../errors.js';

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v} (${JSON.stringify(v).slice(0, 40)})`;
}

/** `where` must be a mapping whose every value is an object holding the named string fields and array fields. */
function mapOfEntries(data: Obj, where: 'statuses' | 'inventory', strings: string[], arrays: string[], out: string[]): void {
  const v = data[where];
  if (v === undefined) return;
  if (!isObject(v)) {
    out.push(`${where} must be an object keyed by resource, found ${typeName(v)}`);
    return;
  }
  for (const [key, entry] of Object.entries(v)) {
    if (!isObject(entry)) out.push(`${where}["${key}"] must be an object, found ${typeName(entry)}`);
    else entryFields(`${where}["${key}"]`, entry, strings, arrays, out);
  }
}

function entryFields(at: string, entry: Obj, strings: string[], arrays: string[], out: string[]): void {
  for (const f of strings) if (typeof entry[f] !== 'string') out.push(`${at}.${f} must be a string, found ${typeName(entry[f])}`);
  for (const f of arrays) if (!Array.isArray(entry[f])) out.push(`${at}.${f} must be an array, found ${typeName(entry[f])}`);
}

/** Every way `data` (already migrated to the current version) differs from a journal, at most 10 listed. */
export function shapeProblems(data: Obj): string[] {
  const out: string[] = [];
  mapOfEntries(data, 'statuses', ['key', 'kind', 'name'], ['conditions'], out);
  mapOfEntries(data, 'inventory', ['key', 'kind', 'name', 'digest'], [], out);
  const runs = data.runs;
  if (runs !== undefined && !Array.isArray(runs)) out.push(`runs must be an array of run records, found ${typeName(runs)}`);
  if (Array.isArray(runs)) {
    runs.forEach((r, i) => {
      if (!isObject(r)) out.push(`runs[${i}] must be an object, found ${typeName(r)}`);
      else entryFields(`runs[${i}]`, r, ['id', 'outcome'], ['results'], out);
    });
  }
  for (const f of ['lastGoodRevision', 'lastAttemptedRevision']) {
    if (data[f] !== undefined && typeof data[f] !== 'string') out.push(`${f} must be a string, found ${typeName(data[f])}`);
  }
  const src = data.sourceStatus;
  if (src !== undefined && !(isObject(src) && typeof src.ok === 'boolean')) out.push(`sourceStatus must be an object with a boolean ok, found ${typeName(src)}`);
  return out.length > 10 ? [...out.slice(0, 10), `... and ${out.length - 10} more`] : out;
}

/**
 * A journal that cannot be trusted: stalled (exit 2), since a human must decide which record of the fleet is true.
 * The message names the file, what is wrong, and what to do (see `hint` from last-good.ts).
 */
export class JournalShapeError extends StalledError {
  constructor(
    readonly path: string,
    /** What is wrong as a whole: `is not valid json`, `is not a valid journal`. */
    readonly summary: string,
    readonly problems: string[] = [],
    hint = '',
    options?: { cause?: unknown },
  ) {
    super('SchemaInvalid', `journal ${path} ${summary}${problems.length > 0 ? `: ${problems.join('; ')}` : ''}${hint ? `. ${hint}` : ''}`, options);
  }
}
