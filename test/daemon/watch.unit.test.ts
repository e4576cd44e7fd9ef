/**
 * Watch mode on a local directory: a saved file wakes the daemon (debounced, chokidar), the same pipeline runs, and
 * the report lands in the state directory; a burst of saves costs one run, a touch that changes nothing costs none.
 */
import { readFileSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { startDaemon, type Daemon } from '../../src/reconcile/daemon.js';
import { createLogger } from '../../src/util/logger.js';
import { tempDir } from '../harness/tmp.js';
import { getJson, waitFor, type StatusBody } from '../e2e/fixture.js';

let daemon: Daemon | undefined;

afterAll(async () => {
  await daemon?.stop();
});

describe('watch mode', () => {
  it('reconciles on file changes, debounced, and ignores touches that change nothing', async () => {
    const dir = tempDir('watch-repo');
    const stateDir = tempDir('watch-state');
    const settings = join(dir, 'driftless.yaml');
    await writeFile(settings, 'apiVersion: driftless.dev/v1\nconcurrency: 2\n');
    const config = loadDaemonConfig({
      env: {},
      flags: { repo: dir, interval: '1h', driftInterval: '0s', listen: '127.0.0.1:0', stateDir, watchDebounce: '200ms' },
    });
    daemon = await startDaemon(config, { logger: createLogger({ level: 'warn' }) });
    const d = daemon;
    const first = await waitFor('startup run', async () => (await getJson<StatusBody>(`${d.url}/status`)).lastRun);
    for (let i = 3; i < 8; i++) await writeFile(settings, `apiVersion: driftless.dev/v1\nconcurrency: ${i}\n`);
    const after = await waitFor('run after the edits', async () => {
      const s = await getJson<StatusBody>(`${d.url}/status`);
      return s.lastRun && s.lastRun.id !== first.id && !s.running ? s : undefined;
    });
    expect(after.lastRun?.trigger).toBe('watch');
    await d.loop.idle();
    const runs = (await getJson<{ runs: unknown[] }>(`${d.url}/runs`)).runs.length;
    expect(runs).toBe(2);
    await waitFor('report in the state dir', () => readFileSync(join(stateDir, 'status', 'README.md'), 'utf8').includes(after.revision.inForce!.slice(0, 16)));

    const cycles = d.loop.stats.cycles;
    const now = new Date();
    await utimes(settings, now, now);
    await waitFor('a cycle for the touch', () => d.loop.stats.cycles > cycles);
    await d.loop.idle();
    expect((await getJson<{ runs: unknown[] }>(`${d.url}/runs`)).runs.length).toBe(2);
  });
});
