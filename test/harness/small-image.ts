/**
 * A small web image for tests whose engines pull over the network (swarm nodes inside lab hosts): python3 (its
 * standard library trimmed), dash, mkdir and cat with their libraries, copied out of the host image into an image
 * FROM scratch. 35 MB instead of the host image's 550 MB, so three inner engines pulling it take seconds, not
 * minutes. Built with the docker CLI from the host image on the outer engine (cached by its tag), then pushed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { TestRegistry } from './registry.js';

const execFileAsync = promisify(execFile);

const DOCKERFILE = `ARG BASE
FROM \${BASE} AS full
RUN set -e; mkdir /out; \\
  for b in /usr/bin/python3.11 /usr/bin/dash /usr/bin/mkdir /usr/bin/cat; do cp --parents "$b" /out; ldd "$b" | grep -o '/[^ ]*' | xargs -r -I{} cp --parents -L {} /out; done; \\
  for so in $(find /usr/lib/python3.11 -name '*.so'); do ldd "$so" | grep -o '/[^ ]*' | xargs -r -I{} cp --parents -L {} /out; done; \\
  cp -a --parents /usr/lib/python3.11 /out; \\
  cd /out/usr/lib/python3.11 && rm -rf test idlelib tkinter turtledemo ensurepip lib2to3 pydoc_data distutils config-* && find . -name __pycache__ -prune -exec rm -rf {} +; \\
  ln -s python3.11 /out/usr/bin/python3; ln -s dash /out/usr/bin/sh; ln -s usr/bin /out/bin; mkdir -p -m 1777 /out/tmp
FROM scratch
COPY --from=full /out/ /
`;

/** Builds (once per host image) and pushes the small image as `<registry>/<target>`; returns that reference. */
export async function seedSmallWebImage(docker: Docker, registry: TestRegistry, target: string): Promise<string> {
  const base = process.env.DRIFTLESS_HOST_IMAGE;
  if (!base) throw new Error('DRIFTLESS_HOST_IMAGE is not set: the vitest global setup provides it');
  const tag = `driftless-small-web:${createHash('sha256').update(base + DOCKERFILE).digest('hex').slice(0, 12)}`;
  const exists = await docker.getImage(tag).inspect().then(
    () => true,
    () => false,
  );
  if (!exists) {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-small-image-'));
    try {
      await writeFile(join(dir, 'Dockerfile'), DOCKERFILE);
      await execFileAsync('docker', ['build', '-q', '--build-arg', `BASE=${base}`, '-t', tag, dir], { env: process.env, maxBuffer: 1 << 20 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const [repo, version] = target.split(':') as [string, string];
  await docker.getImage(tag).tag({ repo: `${registry.address}/${repo}`, tag: version });
  const stream = await docker.getImage(`${registry.address}/${repo}`).push({ tag: version, authconfig: {} });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(`small image push failed: ${failed?.error}`));
      else resolve();
    });
  });
  return `${registry.address}/${target}`;
}
