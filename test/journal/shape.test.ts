/**
 * A journal of the wrong shape is refused when it is opened, before anything is applied: stalled (exit 2), naming
 * the file and what is wrong, and saying how to restore the last good copy kept next to it. Real files, and the real
 * CLI for the apply that must not run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalShapeError, lastGoodPath, openJournal, openJournalReadOnly } from '../../src/journal/index.js';
import { runCli } from '../harness/cli.js';
import { tempDir } from '../harness/tmp.js';

const run = (id: string) => ({ id, trigger: 't', revision: 'r', startedAt: 's', finishedAt: 'f', durationMs: 1, outcome: 'Succeeded', counts: {}, results: [] });

async function rejection(p: Promise<unknown>): Promise<JournalShapeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JournalShapeError);
  return err as JournalShapeError;
}

describe('journal shape', () => {
  it.each([
    ['runs is a string', { schemaVersion: 1, runs: 'x' }, 'runs must be an array of run records, found a string ("x")'],
    ['a run is not an object', { schemaVersion: 1, runs: [1] }, 'runs[0] must be an object, found a number (1)'],
    ['a run without an id', { schemaVersion: 1, runs: [{ ...run('a'), id: 7 }] }, 'runs[0].id must be a string, found a number (7)'],
    ['statuses is a list', { schemaVersion: 1, statuses: [] }, 'statuses must be an object keyed by resource, found an array'],
    ['a status without conditions', { schemaVersion: 1, statuses: { 'Host/a': { key: 'Host/a', kind: 'Host', name: 'a' } } }, 'statuses["Host/a"].conditions must be an array, found nothing'],
    ['an inventory entry is a string', { schemaVersion: 1, inventory: { 'Host/a': 'x' } }, 'inventory["Host/a"] must be an object, found a string ("x")'],
    ['lastGoodRevision is a number', { schemaVersion: 1, lastGoodRevision: 5 }, 'lastGoodRevision must be a string, found a number (5)'],
    ['a version-0 journal with runs of the wrong type', { runs: {} }, 'runs must be an array of run records, found an object'],
  ])('%s: refused when opened, for writing and for reading, naming the file and the problem', async (_name, content, problem) => {
    const path = join(tempDir('jshape'), 'journal.json');
    const text = JSON.stringify(content);
    writeFileSync(path, text);
    const err = await rejection(openJournal(path));
    expect(err.disposition).toBe('stalled');
    expect(err.message).toContain(`journal ${path} is not a valid journal: ${problem}`);
    expect(err.message).toContain('Nothing was applied. No last good copy exists');
    await expect(openJournalReadOnly(path).then((r) => r.read())).rejects.toBeInstanceOf(JournalShapeError);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('keeps a last good copy after every write, and the error says how to restore it', async () => {
    const path = join(tempDir('jshape'), 'journal.json');
    const journal = await openJournal(path);
    await journal.update((d) => {
      d.runs.unshift(run('run-1') as never);
    });
    const copy = lastGoodPath(path);
    expect(copy).toBe(path.replace(/journal\.json$/, 'journal.last-good.json'));
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(path, 'utf8'));
    await journal.update((d) => {
      d.lastGoodRevision = 'abc';
    });
    expect(JSON.parse(readFileSync(copy, 'utf8'))).toMatchObject({ lastGoodRevision: 'abc', runs: [{ id: 'run-1' }] });

    writeFileSync(path, '{"runs":"x"}');
    const err = await rejection(openJournal(path));
    expect(err.message).toContain(`The last good copy ${copy} (written `);
    expect(err.message).toContain(`restore it with: cp ${copy} ${path}`);
    expect(readFileSync(path, 'utf8')).toBe('{"runs":"x"}');
    expect(JSON.parse(readFileSync(copy, 'utf8'))).toMatchObject({ lastGoodRevision: 'abc' });

    await copyFile(copy, path);
    expect((await openJournal(path)).read()).toMatchObject({ lastGoodRevision: 'abc', runs: [{ id: 'run-1' }] });
  });

  it('a valid journal opened copies itself to the last good copy; a broken copy is reported as such', async () => {
    const dir = tempDir('jshape');
    const path = join(dir, 'journal.json');
    writeFileSync(path, JSON.stringify({ schemaVersion: 1, statuses: {}, inventory: {}, runs: [run('r1')] }));
    await openJournal(path);
    expect(JSON.parse(readFileSync(lastGoodPath(path), 'utf8')).runs[0].id).toBe('r1');
    writeFileSync(path, '{"schemaVersion": 1,');
    writeFileSync(lastGoodPath(path), '[]');
    const err = await rejection(openJournal(path));
    expect(err.message).toContain(`journal ${path} is not valid json`);
    expect(err.message).toMatch(/The last good copy .* is not valid either \(journal .* does not hold an object\); to start from an empty journal instead, move/);
  });

  it('driftless apply on a state dir whose journal has the wrong shape stops before applying: exit 2, file named', async () => {
    const repo = tempDir('jshape-repo');
    writeFileSync(join(repo, 'clusters.yaml'), 'apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: feed }\nspec: {}\n');
    const state = tempDir('jshape-state');
    const path = join(state, 'journal.json');
    writeFileSync(path, '{"runs":"x"}');
    const r = await runCli(['apply', repo, '--yes', '--state-dir', state]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`journal ${path} is not a valid journal: runs must be an array of run records`);
    expect(r.stderr).toContain('Nothing was applied');
    expect(readFileSync(path, 'utf8')).toBe('{"runs":"x"}');
    expect(existsSync(lastGoodPath(path))).toBe(false);
  });
});
