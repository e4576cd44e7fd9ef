/** The journal: lowdb-backed status, inventory and run history, plus the state directory lock. */
export { openJournal, openJournalReadOnly, type Journal, type JournalReader } from './store.js';
export { acquireLock, LockBusyError, LOCK_FILE, pidAlive, type Lock } from './lock.js';
export { migrate, migrations, JournalVersionError } from './migrations.js';
export { emptyJournal, RUN_HISTORY_LIMIT, SCHEMA_VERSION, type JournalData, type SourceStatus } from './types.js';
export { JournalShapeError, shapeProblems } from './shape.js';
export { lastGoodPath, restoreHint } from './last-good.js';
export { secureStateDir, StateDirError } from './state-dir.js';
export { openStoreJournal, JOURNAL_KEY, JOURNAL_NS, type StoreJournal } from './store-journal.js';
