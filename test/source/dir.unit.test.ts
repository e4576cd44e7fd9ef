/** Directory source: the revision is a content digest, stable for equal content and new for any edit. */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StalledError } from '../../src/errors.js';
import { createDirSource, digestDir } from '../../src/source/dir.js';
import { parseSourceArg } from '../../src/source/types.js';
import { tempDir } from '../harness/tmp.js';

async function makeRepo(dir: string): Promise<void> {
  await mkdir(join(dir, 'hosts'), { recursive: true });
  await writeFile(join(dir, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n');
  await writeFile(join(dir, 'hosts', 'web-1.yaml'), 'kind: Host\n');
}

describe('dir source', () => {
  it('gives equal content the same revision, wherever it lives and whatever .git holds', async () => {
    const a = tempDir('dir-a');
    const b = tempDir('dir-b');
    await makeRepo(a);
    await makeRepo(b);
    await mkdir(join(b, '.git'));
    await writeFile(join(b, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    const ra = await createDirSource(a).fetch();
    const rb = await createDirSource(b).fetch();
    expect(ra.commit).toMatch(/^dir:[0-9a-f]{64}$/);
    expect(rb.commit).toBe(ra.commit);
    expect(await createDirSource(a).poll()).toBe(ra.commit);
    expect(ra.dir).toBe(a);
  });

  it('changes the revision on an edit, a rename, a new file and a symlink target', async () => {
    const dir = tempDir('dir-edit');
    await makeRepo(dir);
    const seen = new Set([(await digestDir(dir)).digest]);
    const step = async (fn: () => Promise<void>): Promise<void> => {
      await fn();
      const { digest } = await digestDir(dir);
      expect(seen.has(digest)).toBe(false);
      seen.add(digest);
    };
    await step(() => writeFile(join(dir, 'hosts', 'web-1.yaml'), 'kind: Host\nspec: {}\n'));
    await step(async () => {
      await rm(join(dir, 'hosts', 'web-1.yaml'));
      await writeFile(join(dir, 'hosts', 'web-2.yaml'), 'kind: Host\nspec: {}\n');
    });
    await step(() => writeFile(join(dir, 'templates.conf'), 'server {}\n'));
    await step(() => symlink('hosts/web-2.yaml', join(dir, 'link.yaml')));
  });

  it('fails closed on an empty or missing directory', async () => {
    await expect(createDirSource(tempDir('dir-empty')).fetch()).rejects.toBeInstanceOf(StalledError);
    await expect(createDirSource(join(tempDir('dir-gone'), 'nope')).fetch()).rejects.toMatchObject({
      reason: 'SourceUnavailable',
    });
  });

  it('parses source arguments: existing path, git url with #ref, --ref when the url names none, rejects anything else (and a ref named twice)', () => {
    const dir = tempDir('dir-arg');
    expect(parseSourceArg(dir)).toEqual({ type: 'dir', path: dir });
    expect(parseSourceArg('https://git.example.invalid/cfg.git#v1.2.0')).toEqual({
      type: 'git',
      url: 'https://git.example.invalid/cfg.git',
      ref: 'v1.2.0',
    });
    expect(parseSourceArg('http://h.invalid/r.git', { ref: 'b' })).toMatchObject({ ref: 'b' });
    expect(() => parseSourceArg('http://h.invalid/r.git#a', { ref: 'b' })).toThrow(/ref is named twice/);
    expect(parseSourceArg('http://h.invalid/r.git')).toEqual({ type: 'git', url: 'http://h.invalid/r.git' });
    expect(() => parseSourceArg(join(dir, 'missing'))).toThrow(/neither an existing directory/);
  });
});
