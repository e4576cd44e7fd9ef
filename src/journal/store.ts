/**
 * The journal file, through lowdb 7. lowdb's node adapter writes with steno, which writes a sibling temp file and
 * renames it over the journal (checked in lowdb 7.0.1 / steno 4 source), so a reader never sees half a file. The
 * temp name is fixed (`.journal.json.tmp`), so only ONE process may write a journal: callers hold `acquireLock`.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { restoreHint, saveLastGood } from './last-good.js';
import { migrate, normalise } from './migrations.js';
import { JournalShapeError } from './shape.js';
import { emptyJournal, type JournalData } from './types.js';

/** The single writer's handle. */
export interface Journal {
  readonly path: string;
  /** A deep copy of the current data: callers cannot change the journal behind its back. */
  read(): JournalData;
  /**
   * Runs `fn` on the current data WITHOUT copying it, for readers that need a small part of a large journal (a
   * count, one field, a rendered report): read() deep-copies everything, which for thousands of resources and a
   * full run history is tens of MiB per call. `fn` must not mutate what it sees nor keep references to it; copy
   * what you keep. The journal never mutates its data in place (update swaps in a new object), so what `fn` sees
   * stays consistent even if an update completes meanwhile.
   */
  peek<T>(fn: (data: Readonly<JournalData>) => T): T;
  /**
   * Applies `fn` to a draft and writes it. Updates are serialised in call order; if `fn` throws, nothing changes
   * and the error is rethrown. `fn` may mutate the draft or return a replacement.
   */
  update(fn: (draft: JournalData) => void | JournalData): Promise<void>;
}

/** A reader for processes that never write (HTTP status, `driftless status`): every read re-reads the file. */
export interface JournalReader {
  readonly path: string;
  read(): JournalData;
}

function parseFile(path: string, text: string | null): unknown {
  if (text === null) return emptyJournal();
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new JournalShapeError(path, 'is not valid json', [], '', { cause: err });
  }
}

/**
 * Parses, migrates and checks the journal at `path`; a journal of the wrong shape is refused here, before anything
 * is applied, with what is wrong and how to restore the last good copy (last-good.ts).
 */
function load(path: string, text: string | null): ReturnType<typeof migrate> {
  try {
    return migrate(parseFile(path, text), path);
  } catch (err) {
    if (!(err instanceof JournalShapeError)) throw err;
    throw new JournalShapeError(path, err.summary, err.problems, restoreHint(path), { cause: err.cause });
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read journal ${path}`, { cause: err });
  }
}

/**
 * Opens (or starts) the journal at `path`, migrating it to the current schema; refuses one of the wrong shape
 * (JournalShapeError, stalled). After the load and after every write the file is copied to its last good copy.
 */
export async function openJournal(path: string): Promise<Journal> {
  await mkdir(dirname(path), { recursive: true });
  const text = readText(path);
  const { data, migrated } = load(path, text);
  // lowdb is loaded by the first journal opened, not at start-up: `validate` opens none (issue 20).
  const [{ Low }, { JSONFile }] = await Promise.all([import('lowdb'), import('lowdb/node')]);
  const db = new Low<JournalData>(new JSONFile<JournalData>(path), data);
  if (migrated && text !== null) await db.write();
  if (text !== null) await saveLastGood(path);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    path,
    read: () => structuredClone(db.data),
    peek: (fn) => fn(db.data),
    update(fn) {
      const run = queue.then(async () => {
        const draft = structuredClone(db.data);
        const next = fn(draft) ?? draft;
        db.data = normalise(next);
        await db.write();
        await saveLastGood(path);
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

/** Opens the journal for reading only; a missing file reads as an empty journal. */
export async function openJournalReadOnly(path: string): Promise<JournalReader> {
  return {
    path,
    read: () => load(path, readText(path)).data,
  };
}
