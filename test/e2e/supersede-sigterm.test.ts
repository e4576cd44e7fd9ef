/**
 * Runs that get stuck: a host that refuses connections keeps its task retrying with a long backoff. A newer commit
 * must supersede that run (Argo CD #11494: a failed sync must not block the fix), and SIGTERM to the real
 * `driftless serve` process must cancel it cleanly, record the run and exit 0.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';
import { generateEd25519 } from '../../src/util/ssh-keygen.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { openJournalReadOnly } from '../../src/journal/index.js';
import { startDaemon } from '../../src/reconcile/daemon.js';
import { createLogger } from '../../src/util/logger.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';
import { LOOPBACK_HOSTS, writeOperatorSettings, type TestSecret } from '../harness/secrets.js';
import { createConfigRepo, getJson, hostYaml, sendGithubHook, waitFor, type StatusBody } from './fixture.js';

const BIN = join(fileURLToPath(new URL('../../bin/driftless.js', import.meta.url)));
const KEY_SECRET = 'stuck-key';
const SECRET_ENV = 'DL_STUCK_WH';
const SECRET = 'stuck-webhook-secret';
/** Retries that would take minutes: only supersede or cancel can end the run quickly. */
const SLOW_RETRY = 'apiVersion: driftless.dev/v1\nretry: { attempts: 60, baseDelayMs: 5000, maxDelayMs: 5000 }\n';

let server: GitServer;
let closedPort: number;
let operatorSecrets: Record<string, TestSecret>;

/** A loopback port with nothing listening: connections are refused at once, so the host is "unreachable". */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  server = await startGitServer();
  closedPort = await freePort();
  operatorSecrets = { [KEY_SECRET]: { value: generateEd25519(ssh2).private, allow: LOOPBACK_HOSTS } };
  process.env[SECRET_ENV] = SECRET;
});

afterAll(async () => {
  await server?.dispose();
});

describe('stuck runs', () => {
  it('a newer commit supersedes a run that is retrying', async () => {
    const repo = await createConfigRepo(server, 'supersede');
    await repo.write('driftless.yaml', SLOW_RETRY);
    await repo.write('hosts/ghost.yaml', hostYaml('ghost', { address: '127.0.0.1', port: closedPort }, KEY_SECRET, [{ name: 'a', run: 'true' }]));
    const stuck = await repo.commitAndPush('unreachable host');
    const logFile = join(tempDir('supersede-log'), 'daemon.log');
    const config = loadDaemonConfig({
      env: {},
      file: writeOperatorSettings(operatorSecrets),
      flags: {
        repo: repo.url,
        interval: '1h',
        driftInterval: '0s',
        listen: '127.0.0.1:0',
        stateDir: tempDir('supersede-state'),
        statusPush: false,
        webhooks: { github: { secret: { env: SECRET_ENV } } },
      },
    });
    const daemon = await startDaemon(config, { logger: createLogger({ level: 'info', destination: logFile }) });
    try {
      await waitFor('the first run to retry', () => readFileSync(logFile, 'utf8').includes('"msg":"task retry"'));
      await repo.remove('hosts/ghost.yaml');
      const fix = await repo.commitAndPush('remove the unreachable host');
      expect((await sendGithubHook(daemon.url, SECRET)).status).toBe(202);
      const s = await waitFor(
        'the fix in force',
        async () => {
          const st = await getJson<StatusBody>(`${daemon.url}/status`);
          return st.revision.inForce === fix ? st : undefined;
        },
        30_000,
      );
      expect(s.lastRun?.outcome).toBe('NoChanges');
      const runs = await getJson<{ runs: { revision: string; outcome: string; trigger: string }[] }>(`${daemon.url}/runs`);
      const superseded = runs.runs.find((r) => r.revision === stuck);
      expect(superseded?.outcome).toBe('Failed');
      expect(runs.runs[0]).toMatchObject({ revision: fix });
      expect(readFileSync(logFile, 'utf8')).toMatch(/"reason":"Superseded".*"msg":"run aborted"/);
    } finally {
      await daemon.stop();
    }
  });

  it('SIGTERM to `driftless serve` cancels the retrying run, records it and exits 0', async () => {
    const repo = await createConfigRepo(server, 'sigterm');
    await repo.write('driftless.yaml', SLOW_RETRY);
    await repo.write('hosts/ghost.yaml', hostYaml('ghost', { address: '127.0.0.1', port: closedPort }, KEY_SECRET, [{ name: 'a', run: 'true' }]));
    const commit = await repo.commitAndPush('unreachable host');
    const stateDir = tempDir('sigterm-state');
    writeOperatorSettings(operatorSecrets, { dir: stateDir, name: 'config.yaml' });
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--repo', repo.url, '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--interval', '1h', '--no-status-push'],
      { env: { ...process.env, DRIFTLESS_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    try {
      await waitFor('the run to retry', () => stderr.includes('"msg":"task retry"'));
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`daemon did not start retrying: ${stderr.slice(-2000)}`, { cause: err });
    }
    child.kill('SIGTERM');
    const result = await Promise.race([
      exited,
      new Promise<{ code: null; signal: 'timeout' }>((r) => setTimeout(() => r({ code: null, signal: 'timeout' }), 30_000).unref()),
    ]);
    if (result.signal === 'timeout') child.kill('SIGKILL');
    expect(result).toEqual({ code: 0, signal: null });
    expect(stderr).toContain('"msg":"driftless daemon stopped"');
    const journal = (await openJournalReadOnly(join(stateDir, 'journal.json'))).read();
    expect(journal.runs[0]).toMatchObject({ revision: commit, outcome: 'Failed' });
    expect(journal.runs[0]!.results.find((r) => r.key === 'Host/ghost')?.status).toMatch(/failed|skipped/);
  });
});
