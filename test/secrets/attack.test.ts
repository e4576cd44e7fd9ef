/**
 * Issue 19, item 3, as an attacker with push rights would try it through the real CLI: a config repo that names the
 * daemon's environment or files as credentials and points them at a listener of its own, and repos that name an
 * operator secret but send it somewhere the operator did not bind it to. The listeners must receive nothing; a
 * secret sent where it is bound still works.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { runCli } from '../harness/cli.js';
import { labDocker } from '../harness/docker.js';
import { commitAll, initWorkRepo, push } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { seedBaseImage, startRegistry, type TestRegistry } from '../harness/registry.js';
import { writeOperatorSettings } from '../harness/secrets.js';
import { tempDir } from '../harness/tmp.js';

const TOKEN = 'daemon-token-5e0b1c9d7a';
const FILE_SECRET = 'file-secret-c4a8e2f61b';
const GIT_AUTH = { username: 'x-access-token', password: 'bound-token-81d2e6' };

/** An attacker's HTTP listener: records every request and its Authorization header, answers 401. */
interface Listener { url: string; port: number; seen: string[]; close(): Promise<void> }
async function httpListener(): Promise<Listener> {
  const seen: string[] = [];
  const server: HttpServer = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? ''}`);
    res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, port, seen, close: () => new Promise((r) => server.close(() => r())) };
}

/** An attacker's SSH port: records connections (an SSH client would offer its key there), then hangs up. */
async function tcpListener(): Promise<Listener> {
  const seen: string[] = [];
  const server: TcpServer = createTcpServer((socket) => {
    seen.push('connection');
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `127.0.0.1:${port}`, port, seen, close: () => new Promise((r) => server.close(() => r())) };
}

const doc = (kind: string, name: string, spec: string): string =>
  `apiVersion: driftless.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}`;

let attacker: Listener;
let sshTrap: Listener;
let gitServer: GitServer;
let registry: TestRegistry;
let base: string;

beforeAll(async () => {
  [attacker, sshTrap, gitServer, registry] = await Promise.all([httpListener(), tcpListener(), startGitServer({ auth: GIT_AUTH }), startRegistry()]);
  base = await seedBaseImage(labDocker(), registry, 'base/attack:1');
  const bare = await gitServer.createBareRepo('media.git');
  const work = tempDir('attack-media');
  await initWorkRepo(work);
  writeFileSync(join(work, 'index.html'), 'hi\n');
  await commitAll(work, 'media');
  await push(work, bare, 'main');
});

afterAll(async () => {
  await Promise.all([attacker?.close(), sshTrap?.close(), gitServer?.dispose(), registry?.stop()]);
});

describe('a config repo cannot send the daemon\'s secrets where the operator did not allow', () => {
  it('names the daemon\'s env or files as credentials: a load problem with file:line, the listener receives nothing', async () => {
    const repo = tempDir('attack-env-repo');
    const state = tempDir('attack-env-state');
    const secretFile = join(tempDir('attack-daemon-files'), 'db-password');
    writeFileSync(secretFile, FILE_SECRET);
    const media = (name: string, cred: string) =>
      doc('ImageProject', name, `  repository: ${registry.address}/team/${name}\n  baseImage: ${base}\n  dockerfile: { inline: "FROM ${base}" }\n  media:\n    git:\n      url: ${attacker.url}/${name}.git\n      credentials: { token: ${cred} }\n    dest: /app\n`);
    writeFileSync(join(repo, 'images.yaml'), [media('by-env', '{ env: ATTACK_DAEMON_TOKEN }'), media('by-file', `{ file: ${JSON.stringify(secretFile)} }`)].join('---\n'));
    const r = await runCli(['plan', repo, '--state-dir', state], { env: { ATTACK_DAEMON_TOKEN: TOKEN } });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain("images.yaml:11:29: spec.media.git.credentials.token: a config repo cannot read the daemon's environment or files; write { secret: NAME }");
    expect(r.stdout + r.stderr).toContain('images.yaml:24:29: spec.media.git.credentials.token: a config repo cannot read');
    expect(attacker.seen).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('names an operator secret but sends it elsewhere: Stalled SecretNotAllowed before any connection; where it is bound, it works', async () => {
    const repo = tempDir('attack-bind-repo');
    const state = tempDir('attack-bind-state');
    writeOperatorSettings(
      {
        'git-token': { value: GIT_AUTH.password, allow: { urls: [gitServer.url('media.git')] } },
        'registry-password': { value: 'registry-pw-77ab', allow: { registries: [registry.address] } },
        'host-key': { value: 'not-a-key-but-secret-3f1e', allow: { hosts: ['127.0.0.2'] } },
      },
      { dir: state, name: 'config.yaml' },
    );
    const project = (name: string, extra: string) =>
      doc('ImageProject', name, `  repository: ${registry.address}/team/${name}\n  baseImage: ${base}\n  dockerfile: { inline: "FROM ${base}" }\n${extra}`);
    writeFileSync(
      join(repo, 'all.yaml'),
      [
        project('media-elsewhere', `  media:\n    git: { url: ${attacker.url}/media.git, credentials: { token: { secret: git-token } } }\n    dest: /app\n`),
        project('media-bound', `  media:\n    git: { url: ${gitServer.url('media.git')}, credentials: { token: { secret: git-token } } }\n    dest: /app\n`),
        doc('ImageProject', 'registry-elsewhere', `  repository: 127.0.0.1:${attacker.port}/team/x\n  baseImage: 127.0.0.1:${attacker.port}/base:1\n  dockerfile: { inline: "FROM x" }\n  registryAuth: { username: u, password: { secret: registry-password } }\n`),
        doc('Host', 'ssh-elsewhere', `  address: 127.0.0.1\n  port: ${sshTrap.port}\n  privateKey: { secret: host-key }\n`),
      ].join('---\n'),
    );
    const r = await runCli(['plan', repo, '--json', '--state-dir', state]);
    expect(r.stderr).not.toMatch(/registry-pw-77ab|not-a-key-but-secret|bound-token/);
    const plan = JSON.parse(r.stdout) as Plan;
    const errorOf = (key: string) => plan.tasks.find((t) => t.key === key)?.error;
    expect(errorOf('ImageProject/media-elsewhere')).toMatchObject({
      reason: 'SecretNotAllowed',
      message: expect.stringContaining(`secret git-token may not be sent to URL ${attacker.url}/media.git: not under its URLs (${gitServer.url('media.git')})`),
    });
    expect(errorOf('ImageProject/registry-elsewhere')).toMatchObject({
      reason: 'SecretNotAllowed',
      message: expect.stringContaining(`secret registry-password may not be sent to registry 127.0.0.1:${attacker.port}: not among its registries (${registry.address})`),
    });
    expect(errorOf('Host/ssh-elsewhere')).toMatchObject({
      reason: 'SecretNotAllowed',
      message: expect.stringContaining('secret host-key may not be sent to SSH host 127.0.0.1: not among its hosts (127.0.0.2)'),
    });
    expect(errorOf('ImageProject/media-bound')).toBeUndefined();
    expect(plan.tasks.find((t) => t.key === 'ImageProject/media-bound')?.action).toBe('create');
    expect(r.code).toBe(2);
    expect(attacker.seen).toEqual([]);
    expect(sshTrap.seen).toEqual([]);
    expect(gitServer.requests.some((q) => q.status === 200 && q.path.includes('info/refs'))).toBe(true);
    expect(r.stdout).not.toMatch(/registry-pw-77ab|not-a-key-but-secret|bound-token/);
  });

  it('validate with the operator settings: a name the operator did not declare is a load problem at file:line', async () => {
    const repo = tempDir('attack-unknown-repo');
    const settings = writeOperatorSettings({ known: { value: 'v-1234', allow: { hosts: ['127.0.0.1'] } } });
    writeFileSync(join(repo, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\ndefaults:\n  Host:\n    privateKey: { secret: from-defaults }\n');
    writeFileSync(join(repo, 'hosts.yaml'), [doc('Host', 'a', '  address: 127.0.0.1\n  privateKey: { secret: known }\n'), doc('Host', 'b', '  address: 127.0.0.1\n')].join('---\n'));
    const r = await runCli(['validate', repo, '--config', settings, '--state-dir', tempDir('attack-unknown-state')]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain(`driftless.yaml:4:27: spec.privateKey.secret: secret from-defaults is not declared in the operator settings (${settings})`);
    expect(r.stdout + r.stderr).not.toContain('hosts.yaml');
    const ok = await runCli(['validate', repo, '--state-dir', tempDir('attack-unknown-state')]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
  });
});
