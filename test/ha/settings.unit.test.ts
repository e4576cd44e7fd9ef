/**
 * HA settings and the pieces that need no etcd: the state URL, the daemon config (`state`, `etcd.*`), and the
 * secret envelope (a sealed value opens only with its key and only under the key name it was sealed for).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { deriveSealKey, isSealed, open, seal } from '../../src/store/etcd/envelope.js';
import { isEtcdUrl, parseEtcdUrl } from '../../src/store/etcd/url.js';
import { configProblems as problems } from '../daemon/helpers.js';

const GIT = 'http://127.0.0.1:1/config.git';

describe('etcd state URL', () => {
  it('parses endpoints and a prefix (default driftless/)', () => {
    expect(parseEtcdUrl('etcd://10.0.0.1:2379,10.0.0.2:2379')).toEqual({ endpoints: ['10.0.0.1:2379', '10.0.0.2:2379'], prefix: 'driftless/' });
    expect(parseEtcdUrl('etcd://[::1]:2379/team/a')).toEqual({ endpoints: ['[::1]:2379'], prefix: 'team/a/' });
    expect(isEtcdUrl('etcd://h:1')).toBe(true);
    expect(isEtcdUrl('/var/lib/driftless')).toBe(false);
  });

  it('names the bad part of a bad URL', () => {
    expect(() => parseEtcdUrl('etcd://h1:2379,h2')).toThrow(/endpoint "h2" in etcd:\/\/h1:2379,h2 is not host:port/);
    expect(() => parseEtcdUrl('etcd://h1:99999')).toThrow(/not host:port/);
    expect(() => parseEtcdUrl('etcd://h1:2379/a/../b')).toThrow(/prefix/);
  });
});

describe('daemon config: state and etcd', () => {
  it('takes --state and etcd settings; leaseTtl in seconds, default 10', () => {
    const c = loadDaemonConfig({ env: {}, flags: { repo: GIT, state: 'etcd://127.0.0.1:2379/x', etcd: { encryptionKey: { env: 'K' }, leaseTtl: '3s', name: 'r1' } } });
    expect(c.state).toBe('etcd://127.0.0.1:2379/x');
    expect(c.etcd).toMatchObject({ encryptionKey: { env: 'K' }, leaseTtlSeconds: 3, name: 'r1' });
    expect(loadDaemonConfig({ env: {}, flags: { repo: GIT } }).etcd.leaseTtlSeconds).toBe(10);
    expect(loadDaemonConfig({ env: { DRIFTLESS_STATE: 'etcd://h:1' }, flags: { repo: GIT } }).state).toBe('etcd://h:1');
  });

  it('refuses a bad state URL, a fractional lease and a secret given as a value', () => {
    expect(problems(() => loadDaemonConfig({ env: {}, flags: { repo: GIT, state: 'etcd://h1:2379,h2' } }))[0]).toMatch(/endpoint "h2".*\(from flag --state\)/);
    expect(problems(() => loadDaemonConfig({ env: {}, flags: { repo: GIT, etcd: { leaseTtl: '1500ms' } } }))[0]).toMatch(/etcd.leaseTtl: must be whole seconds/);
    expect(problems(() => loadDaemonConfig({ env: {}, flags: { repo: GIT, etcd: { password: 'hunter2' } } })).join('\n')).toMatch(/password/);
  });
});

describe('secret envelope', () => {
  const k = deriveSealKey(randomBytes(32).toString('base64'));

  it('seals and opens; the sealed bytes do not contain the value', () => {
    const sealed = seal(k, 'machines/keys/a/id', 'PRIVATE KEY BYTES');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed.includes(Buffer.from('PRIVATE'))).toBe(false);
    expect(open(k, 'machines/keys/a/id', sealed).toString()).toBe('PRIVATE KEY BYTES');
  });

  it('refuses another key, a value moved under another name, a tampered value and a short key', () => {
    const sealed = seal(k, 'machines/keys/a/id', 'v');
    expect(() => open(deriveSealKey('x'.repeat(40)), 'machines/keys/a/id', sealed)).toThrow(/cannot be decrypted/);
    expect(() => open(k, 'machines/keys/b/id', sealed)).toThrow(/cannot be decrypted/);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => open(k, 'machines/keys/a/id', tampered)).toThrow(/cannot be decrypted/);
    expect(() => open(undefined, 'machines/keys/a/id', sealed)).toThrow(/no state encryption key/);
    expect(() => deriveSealKey('changeme')).toThrow(/at least 32 characters/);
  });
});
