/**
 * Where the operator's secret catalogue comes from: the `secrets:` of the daemon settings file that every command
 * reads (--config, else $DRIFTLESS_CONFIG, else <state dir>/config.yaml), and the entry `lab up` writes there.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadDaemonConfig } from '../../src/config/index.js';
import { loadSecretCatalogue, SecretsConfigError } from '../../src/config/secrets.js';
import { LAB_KEY_SECRET, writeLabSettings } from '../../src/lab/operator-settings.js';
import { tempDir } from '../harness/tmp.js';

const GIT = 'https://git.example.com/ops/config.git';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SecretsConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('operator secret catalogue', () => {
  it('serve reads secrets: from its settings file; a relative file is relative to that file', () => {
    const dir = tempDir('settings-serve');
    const file = join(dir, 'driftless.yaml');
    writeFileSync(file, `repo: ${GIT}\nsecrets:\n  deploy-key:\n    file: keys/deploy\n    allow: { hosts: [10.0.0.0/8] }\n  token: { env: GIT_TOKEN, allow: { urls: ["https://git.example.com/team/"] } }\n`);
    const c = loadDaemonConfig({ env: {}, file });
    expect(c.secrets.origin).toBe(file);
    expect(Object.fromEntries(c.secrets.entries)).toEqual({
      'deploy-key': { ref: { file: join(dir, 'keys/deploy') }, allow: { hosts: ['10.0.0.0/8'], urls: [], registries: [] } },
      token: { ref: { env: 'GIT_TOKEN' }, allow: { hosts: [], urls: ['https://git.example.com/team/'], registries: [] } },
    });
  });

  it('serve and the CLI fall back to <state dir>/config.yaml', () => {
    const state = tempDir('settings-state');
    writeFileSync(join(state, 'config.yaml'), 'secrets:\n  k: { env: K, allow: { hosts: [127.0.0.1] } }\n');
    expect([...loadDaemonConfig({ env: { DRIFTLESS_REPO: GIT }, flags: { stateDir: state } }).secrets.entries.keys()]).toEqual(['k']);
    expect([...(loadSecretCatalogue({ env: {}, stateDir: state })?.entries.keys() ?? [])]).toEqual(['k']);
    expect(loadSecretCatalogue({ env: {}, stateDir: tempDir('settings-none') })).toBeUndefined();
  });

  it('refuses bindings that send credentials in the clear or allow nothing, naming the setting', () => {
    const dir = tempDir('settings-bad');
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'secrets:\n  a: { env: A, allow: { urls: ["http://git.example.com/"] } }\n  b: { env: B, allow: {} }\n  c: { env: C }\n  d: { value: plain, allow: { hosts: [h] } }\n');
    expect(problemsOf(() => loadSecretCatalogue({ file, env: {}, stateDir: dir }))).toEqual([
      'secrets.b.allow: must NOT have fewer than 1 properties',
      'secrets.c: missing required property "allow"',
      'secrets.d: missing required property "env"',
      'secrets.d: unknown property "value"',
    ]);
    writeFileSync(file, 'secrets:\n  a: { env: A, allow: { urls: ["http://git.example.com/"] } }\n');
    expect(problemsOf(() => loadSecretCatalogue({ file, env: {}, stateDir: dir }))).toEqual([
      'secrets.a.allow.urls: http://git.example.com/: credentials are never sent over plain http:// except to loopback',
    ]);
    expect(problemsOf(() => loadDaemonConfig({ env: {}, file, flags: { repo: GIT } }))).toEqual([
      `secrets.a.allow.urls: http://git.example.com/: credentials are never sent over plain http:// except to loopback (from file ${file})`,
    ]);
  });

  it('lab up declares lab-key for the lab hosts and keeps what the operator wrote', () => {
    const state = tempDir('settings-lab');
    mkdirSync(join(state, 'lab'));
    const path = writeLabSettings(state, join(state, 'lab', 'id_ed25519'), ['127.0.0.1', '127.0.0.1']);
    const first = loadSecretCatalogue({ env: {}, stateDir: state });
    expect(first?.entries.get(LAB_KEY_SECRET)).toEqual({ ref: { file: join(state, 'lab', 'id_ed25519') }, allow: { hosts: ['127.0.0.1'], urls: [], registries: [] } });
    writeFileSync(path, `${readFileSync(path, 'utf8')}  # mine\n  other: { env: OTHER, allow: { registries: ["127.0.0.1:5000"] } }\nlogLevel: debug\n`);
    writeLabSettings(state, join(state, 'lab', 'id_ed25519'), ['127.0.0.1']);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('logLevel: debug');
    expect([...(loadSecretCatalogue({ env: {}, stateDir: state })?.entries.keys() ?? [])].sort()).toEqual(['lab-key', 'other']);
  });
});

describe('age: in the operator settings (issue 14)', () => {
  it('serve and the CLI read age.identities (relative to the settings file) and age.allow; a bad allow entry is a problem', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadDaemonConfig } = await import('../../src/config/index.js');
    const { loadSecretCatalogue } = await import('../../src/config/secrets.js');
    const dir = mkdtempSync(join(tmpdir(), 'driftless-age-settings-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'repo: https://git.example.com/r.git\nage:\n  identities: { file: keys/age.txt }\n  allow: { hosts: [10.0.0.0/8] }\n');
    const daemon = loadDaemonConfig({ file, env: {}, cwd: dir });
    expect(daemon.secrets.age).toEqual({ identities: { file: join(dir, 'keys/age.txt') }, allow: { hosts: ['10.0.0.0/8'], urls: [], registries: [] } });
    expect(loadSecretCatalogue({ file, env: {}, stateDir: dir })?.age?.identities).toEqual({ file: join(dir, 'keys/age.txt') });
    writeFileSync(file, 'repo: https://git.example.com/r.git\nage:\n  identities: { file: k }\n  allow: { hosts: ["a b"] }\n');
    expect(() => loadSecretCatalogue({ file, env: {}, stateDir: dir })).toThrow(/age\.allow\.hosts: a b is not an address or host name/);
    writeFileSync(file, 'repo: https://git.example.com/r.git\nage:\n  identities: "AGE-SECRET-KEY-1PLAIN"\n');
    expect(() => loadSecretCatalogue({ file, env: {}, stateDir: dir })).toThrow(/age\.identities/);
  });
});
