/**
 * The operator decides where each secret may go: the resolver checks the destination against the secret's binding
 * before it reads the value, and refuses with a message naming the secret and the destination, never the value.
 */
import { describe, expect, it } from 'vitest';
import { StalledError } from '../../src/errors.js';
import type { SecretDestination } from '../../src/model/resource.js';
import { buildCatalogue } from '../../src/secrets/catalogue.js';
import { createSecretResolver } from '../../src/secrets/resolver.js';
import { sanitize } from '../../src/util/sanitize.js';

const VALUE = 'tok-bound-9f3c2a71';
const { catalogue } = buildCatalogue(
  {
    tok: { env: 'TOK', allow: { urls: ['https://git.example.com/team/', 'http://127.0.0.1:8418/repos'] } },
    key: { env: 'TOK', allow: { hosts: ['10.0.0.0/24', 'db.example.com', '127.0.0.1'] } },
    reg: { env: 'TOK', allow: { registries: ['registry.example.com', '127.0.0.1:5000'] } },
  },
  '/',
  '/etc/driftless/config.yaml',
);
const resolver = createSecretResolver({ catalogue, env: { TOK: VALUE } });

async function outcome(name: string, to: SecretDestination): Promise<string> {
  try {
    const v = await resolver.resolve({ secret: name }, to);
    return v === VALUE ? 'ok' : `wrong value ${v}`;
  } catch (err) {
    if (!(err instanceof StalledError)) throw err;
    expect(err.message).not.toContain(VALUE);
    return `${err.reason}: ${err.message}`;
  }
}

describe('secret bindings', () => {
  it.each<[string, string, SecretDestination, string | RegExp]>([
    ['a URL under the bound prefix', 'tok', { url: 'https://git.example.com/team/app.git' }, 'ok'],
    ['the prefix itself', 'tok', { url: 'https://git.example.com/team' }, 'ok'],
    ['a sibling path that only shares the prefix text', 'tok', { url: 'https://git.example.com/team-evil/app.git' }, /^SecretNotAllowed: secret tok may not be sent to URL https:\/\/git\.example\.com\/team-evil\/app\.git: not under its URLs/],
    ['a dot-dot escape out of the prefix', 'tok', { url: 'https://git.example.com/team/../other/app.git' }, /^SecretNotAllowed: .*\/other\/app\.git/],
    ['another host', 'tok', { url: 'https://attacker.example/team/app.git' }, /^SecretNotAllowed: secret tok may not be sent to URL https:\/\/attacker\.example\/team\/app\.git/],
    ['user info does not change the host', 'tok', { url: 'https://git.example.com@attacker.example/team/x.git' }, /^SecretNotAllowed: .*attacker\.example/],
    ['another port', 'tok', { url: 'https://git.example.com:8443/team/app.git' }, /^SecretNotAllowed/],
    ['plain http to a non-loopback host, even one otherwise bound', 'tok', { url: 'http://git.example.com/team/app.git' }, /^SecretNotAllowed: .*never sent over plain http/],
    ['loopback http the binding names with http://', 'tok', { url: 'http://127.0.0.1:8418/repos/a.git' }, 'ok'],
    ['loopback http on another port', 'tok', { url: 'http://127.0.0.1:8419/repos/a.git' }, /^SecretNotAllowed/],
    ['an SSH host inside the CIDR block', 'key', { ssh: '10.0.0.77' }, 'ok'],
    ['an SSH host outside it', 'key', { ssh: '10.0.1.1' }, /^SecretNotAllowed: secret key may not be sent to SSH host 10\.0\.1\.1: not among its hosts/],
    ['an SSH host name, exactly', 'key', { ssh: 'DB.example.com' }, 'ok'],
    ['a longer host name is another host', 'key', { ssh: 'db.example.com.attacker.example' }, /^SecretNotAllowed/],
    ['a URL is not an SSH host', 'key', { url: 'https://10.0.0.5/' }, /^SecretNotAllowed/],
    ['a bound registry', 'reg', { registry: '127.0.0.1:5000' }, 'ok'],
    ['the same registry on another port', 'reg', { registry: '127.0.0.1:5001' }, /^SecretNotAllowed: secret reg may not be sent to registry 127\.0\.0\.1:5001/],
    ['an unknown name', 'nope', { ssh: '127.0.0.1' }, /^SecretUnavailable: secret nope is not declared in the operator settings \(\/etc\/driftless\/config\.yaml\)/],
  ])('%s', async (_what, name, to, expected) => {
    const got = await outcome(name, to);
    if (typeof expected === 'string') expect(got).toBe(expected);
    else expect(got).toMatch(expected);
  });

  it('refuses the old { env } / { file } forms even if they reach the resolver', async () => {
    const r = createSecretResolver({ catalogue, env: { TOK: VALUE } });
    await expect(r.resolve({ env: 'TOK' } as never, { ssh: '127.0.0.1' })).rejects.toMatchObject({ reason: 'SecretUnavailable' });
  });

  it('without operator settings every name is unknown, and says where settings are looked for', async () => {
    const r = createSecretResolver({ env: { TOK: VALUE } });
    await expect(r.resolve({ secret: 'tok' }, { url: 'https://git.example.com/team/a.git' })).rejects.toThrow(/not declared in any operator settings .*--config/);
  });

  it('registers a value it handed out with the sanitiser', async () => {
    expect(await outcome('reg', { registry: 'registry.example.com' })).toBe('ok');
    expect(sanitize(`token ${VALUE} leaked`)).toBe('token *** leaked');
  });

  it('rejects bindings that would send credentials in the clear, and malformed entries', () => {
    const { problems } = buildCatalogue(
      {
        a: { env: 'A', allow: { urls: ['http://git.example.com/', 'https://u:p@git.example.com/', 'ftp://x/'], hosts: ['10.0.0.0/33', 'a b'] } },
      },
      '/',
      'settings',
    );
    expect(problems).toEqual([
      'secrets.a.allow.hosts: 10.0.0.0/33 is not a CIDR block',
      'secrets.a.allow.hosts: a b is not an address or host name',
      'secrets.a.allow.urls: http://git.example.com/: credentials are never sent over plain http:// except to loopback',
      'secrets.a.allow.urls: https://u:p@git.example.com/: give scheme, host, port and path only',
      'secrets.a.allow.urls: ftp://x/: only https://, ssh:// and loopback http:// URLs',
    ]);
  });
});
