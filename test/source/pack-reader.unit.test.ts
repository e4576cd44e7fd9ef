/**
 * The pack reader against the real git CLI: every object of packs written by git (offset deltas and ref deltas,
 * chains of similar files) reads back byte for byte as `git cat-file` prints it, and a corrupted pack is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPackStore } from '../../src/source/pack-reader.js';
import { commitAll, git, initWorkRepo } from '../harness/git-cli.js';
import { tempDir } from '../harness/tmp.js';

/** A repo of many near-identical files over several commits, so git stores most blobs as deltas. */
async function similarFilesRepo(): Promise<string> {
  const dir = tempDir('driftless-pack-');
  await initWorkRepo(dir);
  mkdirSync(join(dir, 'clusters'));
  for (let rev = 0; rev < 4; rev++) {
    for (let i = 0; i < 60; i++) {
      const body = `kind: Cluster\nmetadata:\n  name: c-${i}\nspec:\n  description: ${'lorem ipsum '.repeat(20)} ${i} rev ${rev}\n`;
      writeFileSync(join(dir, 'clusters', `c-${i}.yaml`), body);
    }
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(200_000, rev));
    await commitAll(dir, `rev ${rev}`);
  }
  return dir;
}

async function allObjects(dir: string): Promise<{ oid: string; type: string }[]> {
  const out = await git(dir, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)');
  return out.split('\n').map((l) => {
    const [oid, type] = l.split(' ');
    return { oid: oid!, type: type! };
  });
}

function catFile(dir: string, type: string, oid: string): Buffer {
  return execFileSync('git', ['-C', dir, 'cat-file', type, oid], { maxBuffer: 1 << 26 });
}

describe('pack reader', () => {
  it.each([
    ['offset deltas (git gc)', ['gc', '--quiet', '--aggressive']],
    ['ref deltas (repack without delta-base-offset)', ['-c', 'repack.useDeltaBaseOffset=false', 'repack', '-a', '-d', '-f', '--quiet']],
  ])('reads every object of a pack with %s exactly as git does', async (_name, repack) => {
    const dir = await similarFilesRepo();
    await git(dir, ...repack);
    const verify = await git(dir, 'verify-pack', '-v', ...readdirSync(join(dir, '.git/objects/pack')).filter((f) => f.endsWith('.idx')).map((f) => join(dir, '.git/objects/pack', f)));
    expect(verify).toMatch(/chain length = [1-9]/); // the pack really holds deltas
    const store = openPackStore(join(dir, '.git'));
    const objects = await allObjects(dir);
    expect(objects.length).toBeGreaterThan(250);
    for (const { oid, type } of objects) {
      const obj = store.read(oid);
      expect(obj?.type, oid).toBe(type);
      expect(obj!.content.equals(catFile(dir, type, oid)), `${type} ${oid}`).toBe(true);
    }
    expect(store.read('0'.repeat(40))).toBeUndefined();
  });

  it('refuses an object whose pack bytes were corrupted', async () => {
    const dir = await similarFilesRepo();
    await git(dir, 'gc', '--quiet');
    const packDir = join(dir, '.git/objects/pack');
    const pack = readdirSync(packDir).find((f) => f.endsWith('.pack'))!;
    const blob = (await git(dir, 'rev-parse', 'HEAD:big.bin')).trim();
    const data = readFileSync(join(packDir, pack));
    // Flip bytes in the middle of the pack: whichever object they belong to must not read back as valid.
    const damaged = Buffer.from(data);
    for (let i = 0; i < damaged.length - 40; i += 97) damaged[i + 12] = damaged[i + 12]! ^ 0xff;
    rmSync(join(packDir, pack));
    writeFileSync(join(packDir, pack), damaged);
    const store = openPackStore(join(dir, '.git'));
    expect(() => store.read(blob)).toThrow();
  });
});
