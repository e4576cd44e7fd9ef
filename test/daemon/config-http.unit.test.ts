/**
 * The HTTP surface's access settings from every layer: basic credentials, TLS and the dashboard's source links from
 * the environment, the file and flags; a half-given pair (user without password, cert without key) is a problem
 * naming the missing half; basic credentials count as authentication for a non-loopback address.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { tempDir } from '../harness/tmp.js';
import { configProblems } from './helpers.js';

const GIT = 'http://127.0.0.1:1/config.git';

describe('http access settings', () => {
  it('DRIFTLESS_HTTP_* give basic auth, TLS and repoWebUrl', () => {
    const c = loadDaemonConfig({
      env: {
        DRIFTLESS_HTTP_BASIC_USER: 'ops',
        DRIFTLESS_HTTP_BASIC_PASSWORD_FILE: '/run/secrets/ui',
        DRIFTLESS_HTTP_TLS_CERT_FILE: '/etc/tls/cert.pem',
        DRIFTLESS_HTTP_TLS_KEY_FILE: '/etc/tls/key.pem',
        DRIFTLESS_HTTP_REPO_WEB_URL: 'https://git.example/ops/config',
      },
      flags: { repo: GIT, listen: '0.0.0.0:8443' },
    });
    expect(c.http).toEqual({
      insecure: false,
      basicAuth: { username: 'ops', password: { file: '/run/secrets/ui' } },
      tls: { cert: { file: '/etc/tls/cert.pem' }, key: { file: '/etc/tls/key.pem' } },
      repoWebUrl: 'https://git.example/ops/config',
    });
  });

  it('the settings file takes references only, and a half-given pair names what is missing', () => {
    const file = join(tempDir('cfg-http'), 'daemon.yaml');
    writeFileSync(file, `repo: ${GIT}\nhttp:\n  basicAuth: { username: ops, password: { env: UI_PASSWORD } }\n  tls: { cert: { file: c.pem }, key: { env: TLS_KEY } }\n`);
    expect(loadDaemonConfig({ file, env: {} }).http.basicAuth).toEqual({ username: 'ops', password: { env: 'UI_PASSWORD' } });
    expect(configProblems(() => loadDaemonConfig({ env: { DRIFTLESS_HTTP_BASIC_USER: 'ops' }, flags: { repo: GIT } })).join('\n')).toMatch(/password/);
    expect(configProblems(() => loadDaemonConfig({ env: { DRIFTLESS_HTTP_TLS_CERT_FILE: '/c.pem' }, flags: { repo: GIT } })).join('\n')).toMatch(/key/);
    expect(configProblems(() => loadDaemonConfig({ env: {}, flags: { repo: GIT, http: { basicAuth: { username: 'ops', password: 'plain-text-password' } } } })).length).toBeGreaterThan(0);
    expect(configProblems(() => loadDaemonConfig({ env: {}, flags: { repo: GIT, http: { repoWebUrl: 'javascript:alert(1)' } } })).join('\n')).toMatch(/repoWebUrl/);
  });
});
