/**
 * The swarm example under sample-repo/examples/swarm is excluded from the quick start's load (.driftlessignore)
 * and validates when included: hosts, the SwarmCluster, the swarm-run pool and the nginx in front (7 resources).
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../../harness/cli.js';
import { tempDir } from '../../harness/tmp.js';

it('the swarm example is excluded from the sample repo load but validates when included', async () => {
  const plain = await runCli(['validate', join(REPO_ROOT, 'sample-repo'), '--state-dir', tempDir('swarm-sample-state')]);
  expect(plain.code, plain.stderr).toBe(0);
  const dir = join(tempDir('swarm-sample'), 'repo');
  cpSync(join(REPO_ROOT, 'sample-repo'), dir, { recursive: true, filter: (src) => !src.includes('/.driftless/') && !src.includes('/examples/aliyun') });
  rmSync(join(dir, '.driftlessignore'));
  const all = await runCli(['validate', dir, '--state-dir', tempDir('swarm-sample-state')]);
  expect(all.code, all.stdout + all.stderr).toBe(0);
  const count = (out: string) => Number(/ok: (\d+) resource/.exec(out)?.[1]);
  expect(count(all.stdout)).toBe(count(plain.stdout) + 8);
});
