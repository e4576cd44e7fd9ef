/**
 * Journal schema migrations: one function per version, each lifting data from version N to N+1, so a journal
 * written by any older driftless opens in this one. A journal from a newer driftless is refused, never guessed at.
 */
import { JournalShapeError, shapeProblems } from './shape.js';
import { emptyJournal, RUN_HISTORY_LIMIT, SCHEMA_VERSION, type JournalData } from './types.js';

type Migration = (data: Record<string, unknown>) => Record<string, unknown>;

/** `migrations[n]` turns a version-n journal into version n+1. Version 0 is a journal without `schemaVersion`. */
export const migrations: Readonly<Record<number, Migration>> = {
  0: (data) => ({ ...emptyJournal(), ...data, schemaVersion: 1 }),
};

/** Thrown for a journal this build cannot read; the message says what to do. */
export class JournalVersionError extends Error {
  constructor(
    readonly found: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'JournalVersionError';
  }
}

/** Brings parsed journal JSON up to SCHEMA_VERSION and checks its shape; returns whether anything changed. */
export function migrate(raw: unknown, path: string): { data: JournalData; migrated: boolean } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new JournalShapeError(path, 'does not hold an object');
  let data = raw as Record<string, unknown>;
  const start = data.schemaVersion ?? 0;
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) {
    throw new JournalVersionError(start, `journal ${path} has an invalid schemaVersion ${JSON.stringify(start)}`);
  }
  if (start > SCHEMA_VERSION) {
    throw new JournalVersionError(
      start,
      `journal ${path} has schema version ${start}, newer than this driftless supports (${SCHEMA_VERSION}): upgrade driftless`,
    );
  }
  for (let v = start; v < SCHEMA_VERSION; v++) {
    const step = migrations[v];
    if (!step) throw new JournalVersionError(v, `no migration from journal schema version ${v}`);
    data = step(data);
  }
  const problems = shapeProblems(data);
  if (problems.length > 0) throw new JournalShapeError(path, 'is not a valid journal', problems);
  return { data: normalise(data as unknown as JournalData), migrated: start !== SCHEMA_VERSION };
}

/** Fills missing collections and caps history, whatever wrote the file. */
export function normalise(data: JournalData): JournalData {
  return {
    ...data,
    statuses: data.statuses ?? {},
    inventory: data.inventory ?? {},
    runs: (data.runs ?? []).slice(0, RUN_HISTORY_LIMIT),
  };
}
