/**
 * vitest global setup: one engine and one host image per run. Values go to process.env, which the forked workers
 * inherit. A dockerd started here is stopped at teardown; an engine that was already running is left alone.
 */
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureDockerEngine } from '../../src/lab/engine.js';
import { ensureHostImage } from '../../src/lab/host-image.js';
import { removeOrphanLabHosts } from '../../src/lab/hosts.js';
import { prepareSeedTemplate } from './registry.js';
import { writeSeedStatus } from './registry-seed.js';
import { tempDir } from './tmp.js';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const engine = await ensureDockerEngine({ forcePrivate: process.env.DRIFTLESS_PRIVATE_ENGINE === '1' });
  process.env.DOCKER_HOST = engine.dockerHost;
  const docker = new Docker({ socketPath: engine.socketPath });
  const removed = await removeOrphanLabHosts(docker);
  if (removed > 0) process.stderr.write(`[harness] removed ${removed} lab container(s) left by a crashed run\n`);
  const started = Date.now();
  const image = await ensureHostImage(docker, { onLog: (line) => process.stderr.write(`[harness] ${line}\n`) });
  process.env.DRIFTLESS_HOST_IMAGE = image;
  // The registry seed template (registry-seed.ts) is built while the first files run; seedBaseImage waits for it.
  const seedStatus = join(tempDir('registry-seed-status'), 'status');
  process.env.DRIFTLESS_REGISTRY_SEED_STATUS = seedStatus;
  const seeding = prepareSeedTemplate(docker, image).then(
    (path) => writeSeedStatus(seedStatus, `ready ${path}`),
    (e: unknown) => {
      process.stderr.write(`[harness] registry seed template failed, seeds push in full: ${String(e)}\n`);
      writeSeedStatus(seedStatus, `failed ${String(e)}`);
    },
  );
  process.stderr.write(
    `[harness] engine ${engine.dockerHost}${engine.started ? ' (started)' : ''}, host image ${image} ready in ${Date.now() - started} ms\n`,
  );
  return async () => {
    await seeding;
    await engine.stop();
  };
}
