/**
 * The swarm example under sample-repo/examples/swarm is a config repo of its own (`npm run example:swarm` applies
 * it), excluded from the quick start's load (.driftlessignore): it validates alone, with the hosts, the
 * SwarmCluster, the swarm-run pool, the nginx in front and the sample's ImageProject, copied verbatim.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../../harness/cli.js';
import { tempDir } from '../../harness/tmp.js';

it('the swarm example is excluded from the sample repo load and validates as a repo of its own', async () => {
  const plain = await runCli(['validate', join(REPO_ROOT, 'sample-repo'), '--state-dir', tempDir('swarm-sample-state')]);
  expect(plain.code, plain.stderr).toBe(0);
  const example = join(REPO_ROOT, 'sample-repo', 'examples', 'swarm');
  const own = await runCli(['validate', example, '--state-dir', tempDir('swarm-sample-state')]);
  expect(own.code, own.stdout + own.stderr).toBe(0);
  // 3 hosts, the cluster, the pool, group + upstream + unit, the image, Cluster + Service.
  expect(Number(/ok: (\d+) resource/.exec(own.stdout)?.[1])).toBe(11);
  // The image is the sample's: same name and spec, so both repos build (and pools pull) one image.
  const read = (path: string) => parse(readFileSync(path, 'utf8')) as unknown;
  expect(read(join(example, 'image.yaml'))).toEqual(read(join(REPO_ROOT, 'sample-repo', 'images', 'web.yaml')));
});
