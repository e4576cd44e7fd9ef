/**
 * A commit refused for its content (issue 18.1: an empty tree) is remembered: the cycle does not fetch it again or
 * log "source available again" on every poll while the ref still points at it; one status entry says why, and the
 * ref moving to a good commit is fetched and applied at once. Real git smart-HTTP server, real runtime and journal.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCycle } from '../../src/reconcile/cycle.js';
import { renderSummary } from '../../src/report/render.js';
import { openRuntime, type Runtime } from '../../src/reconcile/runtime.js';
import { createMetrics } from '../../src/metrics/index.js';
import { openSource } from '../../src/source/index.js';
import { createLogger } from '../../src/util/logger.js';
import { createFakeClock } from '../daemon/fake-clock.js';
import { commitAll, git, initWorkRepo, push } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';

let server: GitServer;
let rt: Runtime;
let work: string;
let url: string;
let empty: string;
const logFile = join(tempDir('refused-log'), 'daemon.log');

beforeAll(async () => {
  server = await startGitServer();
  await server.createBareRepo('config.git');
  url = server.url('config.git');
  work = tempDir('refused-work');
  await initWorkRepo(work);
  empty = await git(work, 'commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'empty');
  await git(work, 'push', '--quiet', url, `${empty}:refs/heads/main`);
  rt = await openRuntime({ stateDir: tempDir('refused-state'), logger: createLogger({ level: 'info', destination: logFile }), env: {} });
});

afterAll(async () => {
  await rt?.close();
  await server?.dispose();
});

describe('a refused commit', () => {
  it('is fetched once, recorded once, and not retried until the ref moves', async () => {
    const clock = createFakeClock();
    const metrics = createMetrics();
    const reports: string[] = [];
    const cycle = createCycle({
      onSourceChange: (m) => reports.push(m),
      rt,
      source: await openSource({ type: 'git', url, ref: 'main' }, { cacheDir: join(rt.stateDir, 'git-cache'), secrets: rt.operatorSecrets }),
      metrics,
      logger: rt.logger,
      clock,
      random: () => 0.5,
      intervalMs: 60_000,
      driftIntervalMs: 0,
      backoff: { baseMs: 1000, maxMs: 60_000 },
      supersede: () => undefined,
    });
    const fetches = () => metrics.value('driftless_git_requests_total', { type: 'fetch', result: 'error' }) + metrics.value('driftless_git_requests_total', { type: 'fetch', result: 'ok' });
    const run = () => cycle.run({ triggers: ['interval'], signal: new AbortController().signal });

    const first = await run();
    expect(first, readFileSync(logFile, 'utf8')).toEqual({});
    expect(fetches()).toBe(1);
    const status = rt.journal.peek((d) => d.sourceStatus);
    expect(status).toMatchObject({ ok: false, message: expect.stringMatching(/^refusing commit [0-9a-f]{12}: .*empty tree/) });
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      expect(await run()).toEqual({});
    }
    expect(fetches()).toBe(1);
    expect(rt.journal.peek((d) => d.sourceStatus?.ok)).toBe(false);
    // Every poll is visible (issue 18.8: checkedAt went stale on quiet polls): the live state has the last one.
    expect(cycle.state().sourceCheckedAt).toBe(new Date(clock.now()).toISOString());
    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toMatch(/source available again/);
    expect(log.match(/refusing commit/g)).toHaveLength(1);
    expect(cycle.state().ready).toBe(false);
    // The status report follows the source (issue 18.5): one report for the refusal, saying so in its summary.
    expect(reports).toEqual([`driftless status: refusing ${empty.slice(0, 12)}`]);
    const summary = renderSummary(rt.journal.peek((d) => structuredClone(d)), { description: 'git', branch: 'main', ready: false, running: false });
    expect(summary).toContain(`- **Refusing \`${empty.slice(0, 12)}\`**: refusing commit ${empty.slice(0, 12)}`);

    await mkdir(join(work, 'hosts'), { recursive: true });
    await writeFile(join(work, 'driftless.yaml'), 'concurrency: 2\n');
    await git(work, 'reset', '--quiet', '--soft', empty);
    await commitAll(work, 'settings only');
    await push(work, url, 'main');
    // Ready means a first run finished, not merely a revision loaded: a run cancelled after its plan is not one.
    const cancelled = new AbortController();
    cancelled.abort();
    expect(await cycle.run({ triggers: ['interval'], signal: cancelled.signal })).toEqual({});
    expect(fetches()).toBe(2);
    expect(rt.journal.peek((d) => d.runs.length)).toBe(0);
    expect(reports.at(-1)).toBe('driftless status: source available');
    expect(cycle.state().ready).toBe(false);
    clock.advance(60_000);
    expect(await run()).toEqual({});
    expect(cycle.state().ready).toBe(true);
    expect(rt.journal.peek((d) => d.sourceStatus)).toMatchObject({ ok: true });
    expect(rt.journal.peek((d) => d.runs.length)).toBe(1);
  });
});
