/** Loose objects written with Node's zlib must be objects real git reads, under the id git computes. */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { writeLooseObject } from '../../src/source/loose-object.js';
import { tempDir } from '../harness/tmp.js';

it('writes a blob git reads back under the id git hash-object gives, once', () => {
  const gitdir = join(tempDir('loose'), 'repo.git');
  execFileSync('git', ['init', '--quiet', '--bare', gitdir]);
  const content = Buffer.from('{"kind":"Cluster","name":"c-1","ready":true}\n\u00e9\n', 'utf8');
  const oid = writeLooseObject(gitdir, 'blob', content);
  const expected = execFileSync('git', ['hash-object', '--stdin'], { input: content }).toString().trim();
  expect(oid).toBe(expected);
  expect(execFileSync('git', ['--git-dir', gitdir, 'cat-file', '-p', oid])).toEqual(content);
  // fsck checks the object's encoding; an unreferenced blob is reported dangling, which is all it may say.
  expect(execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim()).toBe(`dangling blob ${oid}`);
  expect(writeLooseObject(gitdir, 'blob', content)).toBe(oid);
  expect(readdirSync(join(gitdir, 'objects', oid.slice(0, 2)))).toEqual([oid.slice(2)]);
});
