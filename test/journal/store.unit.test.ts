import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acquireLock,
  JournalVersionError,
  LOCK_FILE,
  LockBusyError,
  openJournal,
  openJournalReadOnly,
  RUN_HISTORY_LIMIT,
  type JournalData,
} from '../../src/journal/index.js';
import { processStart } from '../../src/journal/lock.js';
import type { RunRecord } from '../../src/model/plan.js';
import { tempDir } from '../harness/tmp.js';

function runRecord(i: number): RunRecord {
  const t = new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString();
  return { id: `run-${i}`, trigger: 'test', revision: `rev-${i}`, startedAt: t, finishedAt: t, durationMs: 0, outcome: 'NoChanges', counts: {}, results: [] };
}

describe('journal store', () => {
  it('starts empty and reads back deep copies', async () => {
    const path = join(tempDir('journal'), 'state', 'journal.json');
    const journal = await openJournal(path);
    expect(journal.read()).toEqual({ schemaVersion: 1, statuses: {}, inventory: {}, runs: [] });
    await journal.update((d) => {
      d.lastGoodRevision = 'abc';
    });
    const copy = journal.read();
    copy.lastGoodRevision = 'mutated';
    expect(journal.read().lastGoodRevision).toBe('abc');
    expect((JSON.parse(readFileSync(path, 'utf8')) as JournalData).lastGoodRevision).toBe('abc');
  });

  it('accepts a returned replacement and leaves data alone when the updater throws', async () => {
    const journal = await openJournal(join(tempDir('journal'), 'journal.json'));
    await journal.update((d) => ({ ...d, lastAttemptedRevision: 'r1' }));
    await expect(
      journal.update((d) => {
        d.lastAttemptedRevision = 'half';
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    await journal.update((d) => {
      d.lastGoodRevision = 'r1';
    });
    expect(journal.read()).toMatchObject({ lastAttemptedRevision: 'r1', lastGoodRevision: 'r1' });
  });

  it('serialises concurrent updates and the file always parses while they run', async () => {
    const path = join(tempDir('journal'), 'journal.json');
    const journal = await openJournal(path);
    const reader = await openJournalReadOnly(path);
    const big = 'x'.repeat(2_000);
    let done = false;
    let parses = 0;
    const watcher = (async () => {
      while (!done) {
        const seen = reader.read();
        expect(seen.schemaVersion).toBe(1);
        parses++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        journal.update((d) => {
          d.inventory[`A/r${i}`] = {
            key: `A/r${i}`,
            kind: 'A',
            name: `r${i}`,
            digest: big,
            revision: 'r',
            appliedAt: 't',
            resource: { apiVersion: 'v1', kind: 'A', metadata: { name: `r${i}` }, spec: {}, source: { file: 'f', line: 1, col: 1 } },
          };
        }),
      ),
    );
    done = true;
    await watcher;
    expect(parses).toBeGreaterThan(0);
    expect(Object.keys(journal.read().inventory)).toHaveLength(60);
    expect(Object.keys(reader.read().inventory)).toHaveLength(60);
  });

  it('caps the run history', async () => {
    const journal = await openJournal(join(tempDir('journal'), 'journal.json'));
    await journal.update((d) => {
      d.runs = Array.from({ length: RUN_HISTORY_LIMIT + 7 }, (_, i) => runRecord(i));
    });
    expect(journal.read().runs).toHaveLength(RUN_HISTORY_LIMIT);
    expect(journal.read().runs[0]?.id).toBe('run-0');
  });

  it('lets a read-only reader see what the writer wrote later', async () => {
    const path = join(tempDir('journal'), 'journal.json');
    const reader = await openJournalReadOnly(path);
    expect(reader.read().runs).toEqual([]);
    const journal = await openJournal(path);
    await journal.update((d) => {
      d.runs.unshift(runRecord(1));
    });
    expect(reader.read().runs.map((r) => r.id)).toEqual(['run-1']);
  });
});

describe('journal migrations', () => {
  it.each([
    {
      name: 'a version-0 journal (no schemaVersion) is lifted to 1, keeping its data',
      file: { lastGoodRevision: 'old', inventory: {} },
      expected: { schemaVersion: 1, lastGoodRevision: 'old', statuses: {}, runs: [] },
    },
    { name: 'a current journal is read as is', file: { schemaVersion: 1, statuses: {}, inventory: {}, runs: [], lastAttemptedRevision: 'x' }, expected: { lastAttemptedRevision: 'x' } },
  ])('$name', async ({ file, expected }) => {
    const path = join(tempDir('journal'), 'journal.json');
    writeFileSync(path, JSON.stringify(file));
    const journal = await openJournal(path);
    expect(journal.read()).toMatchObject(expected);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ schemaVersion: 1 });
  });

  it.each([
    { name: 'a newer schema version', text: JSON.stringify({ schemaVersion: 7 }), error: /schema version 7, newer than this driftless supports \(1\)/ },
    { name: 'a non-integer version', text: JSON.stringify({ schemaVersion: 'one' }), error: /invalid schemaVersion "one"/ },
    { name: 'not an object', text: '[]', error: /does not hold an object/ },
    { name: 'not json', text: '{"schemaVersion": 1,', error: /is not valid json/ },
  ])('refuses $name with a clear error', async ({ text, error }) => {
    const path = join(tempDir('journal'), 'journal.json');
    writeFileSync(path, text);
    await expect(openJournal(path)).rejects.toThrow(error);
    const reader = await openJournalReadOnly(path);
    expect(() => reader.read()).toThrow(error);
  });

  it('uses JournalVersionError for a newer journal', async () => {
    const path = join(tempDir('journal'), 'journal.json');
    writeFileSync(path, JSON.stringify({ schemaVersion: 2 }));
    await expect(openJournal(path)).rejects.toBeInstanceOf(JournalVersionError);
  });
});

describe('state directory lock', () => {
  it('is exclusive until released', async () => {
    const dir = tempDir('lock');
    const lock = await acquireLock(dir);
    await expect(acquireLock(dir)).rejects.toBeInstanceOf(LockBusyError);
    await expect(acquireLock(dir)).rejects.toThrow(new RegExp(`locked by pid ${process.pid}`));
    await lock.release();
    const again = await acquireLock(dir);
    await again.release();
  });

  it.each([
    { name: 'a dead pid', content: () => JSON.stringify({ pid: deadPid(), token: 't' }) },
    { name: 'unreadable content', content: () => 'garbage' },
  ])('takes over a stale lock with $name', async ({ content }) => {
    const dir = tempDir('lock');
    writeFileSync(join(dir, LOCK_FILE), content());
    const lock = await acquireLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('takes over a lock whose pid now belongs to a process started later (pid reuse after kill -9)', async () => {
    const dir = tempDir('lock');
    // This very process stands in for the unrelated one that got the dead owner's pid: alive, other start time.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, token: 'dead-owner', start: '1' }));
    const lock = await acquireLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, start: processStart(process.pid) });
    await lock.release();
    // The same pid with its true start time is the live owner: busy.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, token: 'live-owner', start: processStart(process.pid) }));
    await expect(acquireLock(dir)).rejects.toBeInstanceOf(LockBusyError);
  });

  it('does not remove a lock it no longer owns', async () => {
    const dir = tempDir('lock');
    const lock = await acquireLock(dir);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, token: 'someone-else' }));
    await lock.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ token: 'someone-else' });
  });
});

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid ?? 0;
}
