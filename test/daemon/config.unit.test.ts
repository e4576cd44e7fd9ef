/** Daemon config: layering (file < env < flags), defaults, and every error listed at once with its origin. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { configProblems as errorsOf } from './helpers.js';
import { parseDuration } from '../../src/config/duration.js';
import { tempDir } from '../harness/tmp.js';

const GIT = 'http://127.0.0.1:1/config.git';

describe('loadDaemonConfig', () => {
  it('fills defaults: 127.0.0.1:8080, main, 60s interval, status branch from the repo', () => {
    const c = loadDaemonConfig({ env: {}, flags: { repo: GIT } });
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c).toMatchObject({ branch: 'main', intervalMs: 60_000, driftIntervalMs: 600_000, statusPush: true, jitter: 0.2 });
    expect(c.statusBranch).toBeUndefined();
    expect(c.source).toEqual({ type: 'git', url: GIT, ref: 'main' });
    expect(c.webhooks).toMatchObject({ secrets: {}, bodyLimit: 1_048_576, replayWindowMs: 3_600_000 });
  });

  it('layers file < env < flags', () => {
    const dir = tempDir('config');
    const file = join(dir, 'driftless-daemon.yaml');
    writeFileSync(file, `repo: ${GIT}\ninterval: 5m\nbranch: from-file\nlisten: 0.0.0.0:9000\nwebhooks:\n  gitlab: { secret: { env: GL } }\n`);
    const c = loadDaemonConfig({
      file,
      // a non-loopback listen address needs an HTTP token (test/daemon/http-auth.test.ts)
      env: { DRIFTLESS_INTERVAL: '30s', DRIFTLESS_BRANCH: 'from-env', DRIFTLESS_WEBHOOK_SECRET_ENV: 'WH', DRIFTLESS_STATUS_PUSH: 'false', DRIFTLESS_HTTP_TOKEN_ENV: 'HT' },
      flags: { branch: 'from-flag' },
    });
    expect(c.intervalMs).toBe(30_000);
    expect(c.branch).toBe('from-flag');
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(c.http.token).toEqual({ env: 'HT' });
    expect(c.statusPush).toBe(false);
    expect(c.webhooks.secrets.github).toEqual({ env: 'WH' });
    expect(c.webhooks.secrets.gitlab).toEqual({ env: 'WH' });
  });

  it('lists every schema error at once, each with where the value came from', () => {
    const problems = errorsOf(() =>
      loadDaemonConfig({
        env: { DRIFTLESS_INTERVAL: 'soon', DRIFTLESS_JITTER: 'lots' },
        flags: { repo: GIT, listen: 'everywhere', logLevel: 'loud', webhooks: { github: { secret: 'plain-text' } } },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^interval: must be a duration .*\(from env DRIFTLESS_INTERVAL\)$/),
        expect.stringMatching(/^jitter: .*number.*\(from env DRIFTLESS_JITTER\)$/),
        expect.stringMatching(/^listen: .*\(from flag --listen\)$/),
        expect.stringMatching(/^logLevel: must be one of: .*\(from flag --log-level\)$/),
        expect.stringMatching(/^webhooks\.github\.secret: plain-text secret not allowed/),
      ]),
    );
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).not.toContain('plain-text"');
  });

  it('requires a repo and refuses a status branch equal to the watched branch', () => {
    expect(errorsOf(() => loadDaemonConfig({ env: {}, flags: {} }))).toEqual(['missing required property "repo"']);
    expect(errorsOf(() => loadDaemonConfig({ env: {}, flags: { repo: GIT, statusBranch: 'main' } }))).toEqual([
      expect.stringMatching(/^statusBranch: must differ from branch "main"/),
    ]);
  });

  it('rejects a repo that is neither a directory nor an http(s) url, and a port out of range', () => {
    const problems = errorsOf(() => loadDaemonConfig({ env: {}, flags: { repo: '/no/such/dir', listen: '127.0.0.1:70000' } }));
    expect(problems).toEqual([expect.stringMatching(/^repo: source \/no\/such\/dir is neither/), 'listen: port 70000 is out of range']);
  });

  it('reports an unreadable config file', () => {
    expect(errorsOf(() => loadDaemonConfig({ env: {}, file: '/no/such/file.yaml', flags: { repo: GIT } }))[0]).toMatch(
      /cannot read config file/,
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['0s', 0],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(['', '5', '1d', '-1s', 's'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});
