/**
 * The journal in a StateStore (`journal/journal.json`), for replicas sharing an etcd store: the same JSON the
 * embedded journal writes, migrated and shape-checked on every load the same way. The whole document is one value
 * (chunked by the backend when large), replaced by compare-and-set, so a reader never sees half an update and a
 * deposed leader's write fails (the store's guard) instead of overwriting the new leader's record.
 *
 * `read()`/`peek()` stay synchronous (HTTP answers and reports read them): they serve the copy in memory, which
 * the leader keeps current by writing through it and followers by `refresh()` (the daemon calls it on a watch of
 * the key). When the store is unreachable the copy in memory is the last known state, which is what followers
 * answer with.
 */
import type { StateStore } from '../store/types.js';
import { migrate, normalise } from './migrations.js';
import { JournalShapeError } from './shape.js';
import type { Journal } from './store.js';
import { emptyJournal, type JournalData } from './types.js';

export const JOURNAL_NS = 'journal';
export const JOURNAL_KEY = 'journal.json';

export interface StoreJournal extends Journal {
  /** Re-reads the journal from the store (a follower after a change, a new leader before its first run). */
  refresh(): Promise<void>;
}

function parse(location: string, raw: Buffer | undefined): JournalData {
  if (raw === undefined) return emptyJournal();
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new JournalShapeError(location, 'is not valid json', [], '', { cause: err });
  }
  return migrate(json, location).data;
}

/** Opens the journal held in `store`; throws JournalShapeError for one of the wrong shape, like openJournal. */
export async function openStoreJournal(store: StateStore): Promise<StoreJournal> {
  const location = `${store.location} ${JOURNAL_NS}/${JOURNAL_KEY}`;
  let stored = await store.get(JOURNAL_NS, JOURNAL_KEY);
  let data = parse(location, stored);
  // Parsing a large journal costs more than comparing bytes: the copy in memory is reused while the store holds
  // exactly what was last read or written.
  const current = (raw: Buffer | undefined): JournalData => (raw && stored?.equals(raw) ? data : parse(location, raw));
  let queue: Promise<unknown> = Promise.resolve();
  return {
    path: location,
    read: () => structuredClone(data),
    peek: (fn) => fn(data),
    update(fn) {
      const run = queue.then(async () => {
        let next: JournalData | undefined;
        // CAS on the stored document: `fn` applies to the newest copy, whoever wrote it last.
        const written = await store.update(JOURNAL_NS, JOURNAL_KEY, (cur) => {
          const draft = structuredClone(current(cur));
          next = normalise(fn(draft) ?? draft);
          return `${JSON.stringify(next)}\n`;
        });
        data = next!;
        stored = written;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async refresh() {
      const raw = await store.get(JOURNAL_NS, JOURNAL_KEY);
      data = current(raw);
      stored = raw;
    },
  };
}
