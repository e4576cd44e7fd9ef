/**
 * The docker driver's build against the harness's engine and a real registry: the context streamed from where the
 * files are (mounts with skipped entries, long names, symlinks, modes), labels on the image with BuildKit, and the
 * legacy builder (taken when a pull is asked for) putting all labels in ONE extra step instead of one per label,
 * and the legacy builder taking over when BuildKit (sessionless: it cannot pull) needs an image the engine lacks.
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerDriver, withLabelLine } from '../../../src/drivers/docker/index.js';
import type { DockerDriver } from '../../../src/drivers/types.js';
import { labDocker } from '../../harness/docker.js';
import { seedBaseImage, startRegistry, type TestRegistry } from '../../harness/registry.js';
import { tempDir } from '../../harness/tmp.js';

const LONG = `${'deep-directory-name/'.repeat(6)}a-file-whose-path-is-longer-than-one-hundred-bytes.txt`;
const AUTH = { username: 'drv', password: 'drv-pass-41d2' };
const LABELS = { 'dev.driftless.input-digest': 'sha256:0123abcd', 'dev.driftless.project': 'web', 'dev.driftless.media-commit': 'c0ffee' };

let docker: Docker;
let registry: TestRegistry;
let base: string;
let media: string;
let driver: DockerDriver;
const made: string[] = [];

/** A Dockerfile whose RUN fails the build unless the mounted media arrived exactly as expected. */
function dockerfile(): string {
  return [
    `FROM ${base}`,
    'COPY ["media/", "/m/"]',
    `RUN test ! -e /m/.git && test ! -e /m/sub/.git && test -x /m/run.sh && test "$(readlink /m/link)" = run.sh && grep -q long /m/${LONG} && grep -q over /m/Dockerfile.txt`,
    '',
  ].join('\n');
}

beforeAll(async () => {
  docker = labDocker();
  registry = await startRegistry({ auth: AUTH });
  base = await seedBaseImage(docker, registry);
  media = tempDir('build-media');
  mkdirSync(join(media, '.git'));
  writeFileSync(join(media, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  mkdirSync(join(media, 'sub', '.git'), { recursive: true });
  writeFileSync(join(media, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(media, 'run.sh'), 0o755);
  symlinkSync('run.sh', join(media, 'link'));
  mkdirSync(join(media, LONG, '..'), { recursive: true });
  writeFileSync(join(media, LONG), 'long\n');
  driver = createDockerDriver();
}, 600_000);

afterAll(async () => {
  for (const ref of made) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
  await registry?.stop();
});

describe('docker driver build', () => {
  it('BuildKit: streams files and mounts (skipping .git, keeping modes, links, long names); labels on the image', async () => {
    const ref = `${registry.address}/drv/buildkit:1`;
    made.push(ref);
    const lines: string[] = [];
    const files = { Dockerfile: dockerfile(), 'media/Dockerfile.txt': 'over\n' };
    const res = await driver.build({ files, contextMounts: { media: { dir: media, skip: ['.git'] } }, dockerfile: 'Dockerfile', tags: [ref], labels: LABELS, onLog: (l) => lines.push(l) });
    expect(res.imageId).toMatch(/^sha256:/);
    expect((await driver.inspectImage(ref))?.labels).toMatchObject(LABELS);
    expect(lines.join('\n')).not.toMatch(/Step \d+\/\d+ : LABEL/);
  });

  it('legacy builder (pull asked): all labels in a single LABEL step', async () => {
    const ref = `${registry.address}/drv/legacy:1`;
    made.push(ref);
    const lines: string[] = [];
    const files = { Dockerfile: dockerfile(), 'media/Dockerfile.txt': 'over\n' };
    await driver.build({ files, contextMounts: { media: { dir: media, skip: ['.git'] } }, dockerfile: 'Dockerfile', tags: [ref], labels: LABELS, pull: true, registryAuth: { [registry.address]: AUTH }, onLog: (l) => lines.push(l) });
    expect((await driver.inspectImage(ref))?.labels).toMatchObject(LABELS);
    expect(lines.filter((l) => /^Step \d+\/\d+ : LABEL /.test(l))).toHaveLength(1);
  });

  it('an image the engine does not hold: sessionless BuildKit cannot pull it, the legacy builder does with the credentials', async () => {
    const priv = await seedBaseImage(docker, registry, 'drv/private:1');
    await docker.getImage(priv).remove({ noprune: true });
    const ref = `${registry.address}/drv/from-private:1`;
    made.push(ref, priv);
    const lines: string[] = [];
    const files = { Dockerfile: `FROM ${priv}\nRUN echo built-from-private\n` };
    await driver.build({ files, dockerfile: 'Dockerfile', tags: [ref], labels: LABELS, registryAuth: { [registry.address]: AUTH }, onLog: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/# BuildKit cannot pull without a client session[\s\S]*built-from-private/);
    expect((await driver.inspectImage(ref))?.labels).toMatchObject(LABELS);
  });

  it('a failing step is a stalled CommandFailed carrying its output', async () => {
    const files = { Dockerfile: `FROM ${base}\nRUN echo going-down; exit 4\n` };
    await expect(driver.build({ files, dockerfile: 'Dockerfile', tags: [`${registry.address}/drv/broken:1`] })).rejects.toMatchObject({
      reason: 'CommandFailed',
      message: expect.stringMatching(/exit code: 4[\s\S]*going-down/),
    });
  });

  it('folds labels into one line only for plain Dockerfiles and plain label text', () => {
    expect(withLabelLine('FROM x\n\n', { a: '1', 'b.c': 'sha256:ff' })).toBe('FROM x\nLABEL "a"="1" "b.c"="sha256:ff"\n');
    expect(withLabelLine('# escape=`\nFROM x\n', { a: '1' })).toBeUndefined();
    expect(withLabelLine('FROM x\n', { a: 'two words' })).toBeUndefined();
  });
});
