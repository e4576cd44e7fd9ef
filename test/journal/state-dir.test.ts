/**
 * Opening a state dir: a loose one of ours is tightened (0700, key files 0600), one owned by another user is
 * refused, and a symlink is followed only when we made it and it leads to a directory of ours. Real directories,
 * real ownership (the suite runs as root, as `npm test` needs, so it can give files to another uid), the real
 * runtime and CLI.
 */
import { chmodSync, chownSync, lchownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateDirError } from '../../src/journal/index.js';
import { openRuntime } from '../../src/reconcile/runtime.js';
import { createLogger } from '../../src/util/logger.js';
import { runCli } from '../harness/cli.js';
import { tempDir } from '../harness/tmp.js';

const OTHER = 40123;

const mode = (p: string) => statSync(p).mode & 0o777;
const logger = createLogger({ level: 'silent' });

async function open(stateDir: string): Promise<void> {
  const rt = await openRuntime({ stateDir, logger, env: {} });
  await rt.close();
}

async function refused(stateDir: string): Promise<string> {
  const err = await openRuntime({ stateDir, logger, env: {} }).then(
    async (rt) => {
      await rt.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StateDirError);
  return (err as Error).message;
}

/** A state dir as an older driftless or a careless `mkdir` left it: readable by everyone, keys included. */
function looseStateDir(): string {
  const dir = join(tempDir('sd'), 'state');
  mkdirSync(join(dir, 'machines', 'keys', 'pool-web', 'web-1'), { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, 'lab'), { mode: 0o755 });
  writeFileSync(join(dir, 'journal.json'), '{"schemaVersion":1,"statuses":{},"inventory":{},"runs":[]}', { mode: 0o644 });
  writeFileSync(join(dir, 'known_hosts.json'), '{}', { mode: 0o666 });
  writeFileSync(join(dir, 'machines', 'keys', 'pool-web', 'web-1', 'id_ed25519'), 'PRIVATE', { mode: 0o644 });
  writeFileSync(join(dir, 'machines', 'keys', 'pool-web', 'web-1', 'id_ed25519.pub'), 'ssh-ed25519 AAAA', { mode: 0o666 });
  writeFileSync(join(dir, 'machines', 'keys', 'pool-web', 'web-1', 'token'), 'client-token', { mode: 0o640 });
  writeFileSync(join(dir, 'lab', 'id_ed25519'), 'PRIVATE', { mode: 0o644 });
  for (const d of [dir, join(dir, 'machines'), join(dir, 'machines', 'keys'), join(dir, 'machines', 'keys', 'pool-web'), join(dir, 'machines', 'keys', 'pool-web', 'web-1'), join(dir, 'lab')]) chmodSync(d, 0o755);
  return dir;
}

describe('state dir permissions', () => {
  it('a loose state dir of ours is tightened: 0700 directories, 0600 key files, public keys 0644', async () => {
    const dir = looseStateDir();
    await open(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'journal.json'))).toBe(0o600);
    expect(mode(join(dir, 'known_hosts.json'))).toBe(0o600);
    const machine = join(dir, 'machines', 'keys', 'pool-web', 'web-1');
    expect(mode(join(dir, 'machines', 'keys', 'pool-web'))).toBe(0o700);
    expect(mode(machine)).toBe(0o700);
    expect(mode(join(machine, 'id_ed25519'))).toBe(0o600);
    expect(mode(join(machine, 'token'))).toBe(0o600);
    expect(mode(join(machine, 'id_ed25519.pub'))).toBe(0o644);
    expect(mode(join(dir, 'lab', 'id_ed25519'))).toBe(0o600);
  });

  it('a new state dir is made 0700', async () => {
    const dir = join(tempDir('sd'), 'fresh', 'state');
    await open(dir);
    expect(mode(dir)).toBe(0o700);
  });

  it('a state dir owned by another user is refused, unchanged, naming both uids', async () => {
    const dir = looseStateDir();
    chownSync(dir, OTHER, OTHER);
    const message = await refused(dir);
    expect(message).toContain(`state dir ${dir} is a directory owned by uid ${OTHER}, not by uid 0 that runs driftless`);
    expect(message).toContain('chown it to this user or choose another --state-dir');
    expect(mode(dir)).toBe(0o755);
    expect(mode(join(dir, 'journal.json'))).toBe(0o644);
  });

  it('a symlink planted by another user is refused even when it leads to a directory of ours', async () => {
    const base = tempDir('sd');
    const target = looseStateDir();
    const link = join(base, 'state');
    symlinkSync(target, link);
    lchownSync(link, OTHER, OTHER);
    expect(await refused(link)).toContain(`state dir ${link} is a symlink owned by uid ${OTHER}`);
    expect(mode(target)).toBe(0o755);
  });

  it('our own symlink is followed to a directory of ours (tightened), refused to anything else', async () => {
    const base = tempDir('sd');
    const target = looseStateDir();
    symlinkSync(target, join(base, 'ours'));
    await open(join(base, 'ours'));
    expect(mode(target)).toBe(0o700);
    expect(mode(join(target, 'journal.json'))).toBe(0o600);

    const foreign = join(base, 'foreign');
    mkdirSync(foreign);
    chownSync(foreign, OTHER, OTHER);
    symlinkSync(foreign, join(base, 'to-foreign'));
    expect(await refused(join(base, 'to-foreign'))).toContain(`(a symlink) leads to a directory owned by uid ${OTHER}`);

    writeFileSync(join(base, 'file'), 'x');
    symlinkSync(join(base, 'file'), join(base, 'to-file'));
    expect(await refused(join(base, 'to-file'))).toContain('leads to something that is not a directory');
  });

  it('driftless apply refuses a state dir owned by another user: exit 2, before touching it', async () => {
    const repo = tempDir('sd-repo');
    writeFileSync(join(repo, 'c.yaml'), 'apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: feed }\nspec: {}\n');
    const dir = looseStateDir();
    chownSync(dir, OTHER, OTHER);
    const r = await runCli(['apply', repo, '--yes', '--state-dir', dir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`owned by uid ${OTHER}`);
    expect(mode(join(dir, 'journal.json'))).toBe(0o644);
  });
});
