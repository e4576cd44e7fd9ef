/**
 * Issue 14, item 1: values encrypted in the config repo. Interoperates with Debian's `age` CLI both ways (inline
 * values and the data key of a SOPS file), checks a SOPS file's MAC, reports an undecryptable value at its file:line
 * naming who it was encrypted for (and applies nothing), holds repo-encrypted values to the operator's `age.allow`,
 * and masks every opened value. `driftless secret encrypt` / `rotate` run through the real CLI.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { loadRepo } from '../../src/loader/index.js';
import { createKeyring, parseIdentities } from '../../src/secrets/age/keyring.js';
import { formatSops, openSops, parseSops, sealSops } from '../../src/secrets/age/sops.js';
import { buildCatalogue } from '../../src/secrets/catalogue.js';
import { createSecretResolver } from '../../src/secrets/resolver.js';
import { sanitize } from '../../src/util/sanitize.js';
import { REPO_ROOT } from '../harness/cli.js';
import { tempDir } from '../harness/tmp.js';

interface Key { file: string; identity: string; recipient: string }

function keygen(dir: string, name: string): Key {
  const file = join(dir, `${name}.txt`);
  execFileSync('age-keygen', ['-o', file], { stdio: 'pipe' });
  const text = readFileSync(file, 'utf8');
  return { file, identity: parseIdentities(text, file)[0] as string, recipient: /public key: (age1\S+)/.exec(text)?.[1] as string };
}

const ageCli = (args: string[], input: string | Buffer): Buffer => execFileSync('age', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });

let dir: string;
let a: Key;
let b: Key;

beforeAll(() => {
  dir = tempDir('age');
  a = keygen(dir, 'a');
  b = keygen(dir, 'b');
});

describe('age interop with the age CLI', () => {
  it('opens what `age -a -r` encrypted, and `age -d` opens what driftless encrypted', async () => {
    const armored = ageCli(['-a', '-r', a.recipient], 'from-the-cli-7c1e').toString();
    const keyring = await createKeyring([a.identity]);
    expect(Buffer.from(await keyring.decrypt(armored)).toString()).toBe('from-the-cli-7c1e');
    const { encryptFor } = await import('../../src/secrets/age/keyring.js');
    const ours = await encryptFor([b.recipient, a.recipient], 'from-driftless-2b9d');
    expect(ageCli(['-d', '-i', b.file], ours).toString()).toBe('from-driftless-2b9d');
  });

  it('names the recipient types when none of its identities matches', async () => {
    const armored = ageCli(['-a', '-r', b.recipient], 'not-for-a').toString();
    await expect((await createKeyring([a.identity])).decrypt(armored)).rejects.toThrow(`cannot decrypt: encrypted for 1 recipient(s): X25519; none is among the operator's identities (${a.recipient})`);
  });
});

describe('SOPS files', () => {
  const plain = { db: { password: 'sops-pass-41f0', port: 5432, tls: true }, hosts: ['x', 'y'], note_unencrypted: 'visible' };

  it('round-trips, leaves _unencrypted keys plain, and its data key opens with the age CLI', async () => {
    const doc = await sealSops(plain, [a.recipient]);
    const text = formatSops(doc, 'x.sops.yaml');
    expect(text).not.toContain('sops-pass-41f0');
    expect(text).toContain('note_unencrypted: visible');
    const sops = parse(text).sops as { age: { recipient: string; enc: string }[] };
    expect(sops.age[0]?.recipient).toBe(a.recipient);
    expect(ageCli(['-d', '-i', a.file], sops.age[0]?.enc ?? '')).toHaveLength(32);
    const opened = await openSops(parseSops(text, 'x.sops.yaml'), await createKeyring([a.identity]), 'x.sops.yaml');
    expect(opened.tree).toEqual(plain);
  });

  it('refuses a file whose values were swapped or removed (MAC and per-key authentication)', async () => {
    const keyring = await createKeyring([a.identity]);
    const doc = parse(formatSops(await sealSops({ a: 'first-value-1', b: 'second-value-2' }, [a.recipient]), 'x.yaml')) as Record<string, unknown>;
    const swapped = { ...doc, a: doc.b, b: doc.a };
    await expect(openSops(parseSops(stringify(swapped), 's'), keyring, 's')).rejects.toThrow(/s: a: SOPS value fails authentication/);
    const { b: _gone, ...removed } = doc;
    await expect(openSops(parseSops(stringify(removed), 'r'), keyring, 'r')).rejects.toThrow(/r: MAC mismatch/);
  });
});

function hostDoc(name: string, privateKey: unknown): string {
  return stringify({ apiVersion: 'driftless.dev/v1', kind: 'Host', metadata: { name }, spec: { address: '127.0.0.1', port: 22, privateKey } });
}

function operator(allow?: Record<string, string[]>) {
  return buildCatalogue({}, dir, '/etc/driftless/config.yaml', { identities: { file: a.file }, ...(allow ? { allow } : {}) }).catalogue;
}

describe('load-time checks', () => {
  it('reports an undecryptable inline value and SOPS reference at file:line naming the recipients; opens the good ones', async () => {
    const repo = tempDir('age-repo');
    const good = ageCli(['-a', '-r', a.recipient], 'good-key-value').toString();
    const foreign = ageCli(['-a', '-r', b.recipient], 'foreign-value').toString();
    writeFileSync(join(repo, 'hosts.yaml'), [hostDoc('good', { age: good }), hostDoc('foreign', { age: foreign }), hostDoc('sops', { sops: { file: 'team.sops.yaml', key: 'ssh.key' } })].join('---\n'));
    writeFileSync(join(repo, 'team.sops.yaml'), formatSops(await sealSops({ ssh: { key: 'sops-held-key' } }, [b.recipient]), 'team.sops.yaml'));
    const load = await loadRepo(repo, { registry: createKindRegistry(), catalogue: operator() });
    const lines = load.problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
    expect(lines).toHaveLength(2);
    const foreignLine = readFileSync(join(repo, 'hosts.yaml'), 'utf8').split('\n').findIndex((l, i, all) => l.startsWith('  privateKey:') && all.slice(0, i).join('\n').includes('name: foreign')) + 2; // the age: line under privateKey:
    expect(lines[0]).toMatch(new RegExp(`^hosts\\.yaml:${foreignLine}: spec\\.privateKey\\.age: cannot decrypt: encrypted for 1 recipient\\(s\\): X25519; none is among the operator's identities \\(${a.recipient}\\); nothing is applied`));
    expect(lines[1]).toContain(`spec.privateKey.sops: team.sops.yaml: cannot decrypt: encrypted for ${b.recipient}; the operator's identities are ${a.recipient}`);
    expect(JSON.stringify(load.problems)).not.toMatch(/good-key-value|foreign-value|sops-held-key/);
  });

  it('a repo with encrypted values and operator settings without age: is refused at each reference', async () => {
    const repo = tempDir('age-none');
    writeFileSync(join(repo, 'h.yaml'), hostDoc('h', { age: ageCli(['-a', '-r', a.recipient], 'v').toString() }));
    const load = await loadRepo(repo, { registry: createKindRegistry(), catalogue: buildCatalogue({}, dir, '/etc/d.yaml').catalogue });
    expect(load.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^spec\.privateKey\.age: an encrypted value, but the operator settings \(\/etc\/d\.yaml\) give no age identities/)]);
  });

  it('SOPS files are not read as resources, and a sops file outside the repo or of another name is a schema problem', async () => {
    const repo = tempDir('age-paths');
    writeFileSync(join(repo, 'v.sops.yaml'), formatSops(await sealSops({ k: 'kv-value-123' }, [a.recipient]), 'v.sops.yaml'));
    writeFileSync(join(repo, 'h.yaml'), [hostDoc('ok', { sops: { file: 'v.sops.yaml', key: 'k' } }), hostDoc('out', { sops: { file: '../v.sops.yaml', key: 'k' } }), hostDoc('plain', { sops: { file: 'h.yaml', key: 'k' } })].join('---\n'));
    const load = await loadRepo(repo, { registry: createKindRegistry(), catalogue: operator() });
    expect(load.problems.map((p) => p.message)).toEqual([
      'spec.privateKey.sops.file: must be a relative path inside the repository (no leading /, no .. segment, no backslash, NUL or line break)',
      'spec.privateKey.sops.file: must match pattern "\\.sops\\.(yaml|yml|json)$"',
    ]);
    expect(load.resources.map((r) => r.metadata.name)).toEqual(['ok', 'out', 'plain']);
  });
});

describe('where repo-encrypted values may go', () => {
  it('without age.allow: the resource\'s own destination; with it: only what it lists; every value opened is masked', async () => {
    const repo = tempDir('age-resolve');
    writeFileSync(join(repo, 's.sops.yaml'), formatSops(await sealSops({ reg: { password: 'sops-resolved-9a' } }, [a.recipient]), 's.sops.yaml'));
    const inline = { age: ageCli(['-a', '-r', a.recipient], 'inline-resolved-3e').toString() };
    const sops = { sops: { file: 's.sops.yaml', key: 'reg.password' } };
    const open = createSecretResolver({ catalogue: operator() });
    expect(await open.resolve(inline, { ssh: '203.0.113.9' })).toBe('inline-resolved-3e');
    expect(await open.resolve(sops, { registry: 'registry.example.com' }, repo)).toBe('sops-resolved-9a');
    const bound = createSecretResolver({ catalogue: operator({ hosts: ['10.0.0.0/24'] }) });
    expect(await bound.resolve(inline, { ssh: '10.0.0.7' })).toBe('inline-resolved-3e');
    await expect(bound.resolve(inline, { ssh: '203.0.113.9' })).rejects.toMatchObject({ reason: 'SecretNotAllowed', message: expect.stringMatching(/^an age-encrypted value may not be sent to SSH host 203\.0\.113\.9: not among age\.allow hosts \(10\.0\.0\.0\/24\)/) });
    await expect(bound.resolve(sops, { registry: 'registry.example.com' }, repo)).rejects.toMatchObject({ reason: 'SecretNotAllowed' });
    await expect(createSecretResolver({}).resolve(inline, { ssh: '10.0.0.7' })).rejects.toMatchObject({ reason: 'SecretUnavailable' });
    expect(sanitize('echo inline-resolved-3e; echo sops-resolved-9a')).toBe('echo ***; echo ***');
  });
});

describe('driftless secret encrypt / rotate (CLI)', () => {
  const cli = (args: string[], input?: string) =>
    execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'driftless.js'), ...args], { input: input ?? '', env: { ...process.env, DRIFTLESS_NO_BUNDLE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

  it('encrypts for driftless.yaml\'s recipients; rotate re-encrypts inline values and SOPS files for new ones', async () => {
    const repo = tempDir('age-cli');
    writeFileSync(join(repo, 'driftless.yaml'), stringify({ age: { recipients: [a.recipient] } }));
    const printed = JSON.parse(cli(['secret', 'encrypt', '--repo', repo, '--json'], 'cli-encrypted-55aa')) as { age: string };
    expect(ageCli(['-d', '-i', a.file], printed.age).toString()).toBe('cli-encrypted-55aa');
    writeFileSync(join(repo, 'h.yaml'), `# the lab host\n${hostDoc('h', { age: printed.age })}`);
    mkdirSync(join(repo, 'sec'));
    writeFileSync(join(repo, 'sec', 'plain.yaml'), stringify({ token: 'sops-cli-token-77' }));
    cli(['secret', 'encrypt', '--repo', repo, '--file', join(repo, 'sec', 'plain.yaml')]);
    const sopsFile = join(repo, 'sec', 'plain.sops.yaml');
    expect(readFileSync(sopsFile, 'utf8')).not.toContain('sops-cli-token-77');

    writeFileSync(join(repo, 'driftless.yaml'), stringify({ age: { recipients: [b.recipient] } }));
    const settings = join(dir, 'operator.yaml');
    writeFileSync(settings, stringify({ age: { identities: { file: a.file } } }));
    const out = JSON.parse(cli(['secret', 'rotate', '--repo', repo, '--config', settings, '--json'])) as { files: string[]; values: number; sopsFiles: number };
    expect(out).toEqual({ files: ['h.yaml', 'sec/plain.sops.yaml'], values: 1, sopsFiles: 1 });
    const rotated = readFileSync(join(repo, 'h.yaml'), 'utf8');
    expect(rotated.startsWith('# the lab host\n')).toBe(true);
    const armored = (parse(rotated) as { spec: { privateKey: { age: string } } }).spec.privateKey.age;
    expect(ageCli(['-d', '-i', b.file], armored).toString()).toBe('cli-encrypted-55aa');
    expect(() => ageCli(['-d', '-i', a.file], armored)).toThrow();
    const keyringB = await createKeyring([b.identity]);
    const opened = await openSops(parseSops(readFileSync(sopsFile, 'utf8'), 'p'), keyringB, 'p');
    expect(opened.tree).toEqual({ token: 'sops-cli-token-77' });
    await expect(openSops(parseSops(readFileSync(sopsFile, 'utf8'), 'p'), await createKeyring([a.identity]), 'p')).rejects.toThrow(/cannot decrypt/);
  });
});
