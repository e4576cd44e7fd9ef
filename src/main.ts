/**
 * The composition root: the one place concrete transports are chosen and wired, so everything else depends on
 * contracts. Here the machine providers get their engines — Aliyun's from the account, the lab's from the private
 * Docker engine `lab up` and the quick start use (started on first use) — and image builds get their Docker host.
 * Nothing but this file, the CLI and the lab provider driver imports src/lab/ (the boundaries test keeps it so).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { createSlbRegistry } from './drivers/aliyun/slb.js';
import { createDockerDriver } from './drivers/docker/index.js';
import { createSwarmDriver } from './drivers/docker-swarm/index.js';
import { createMonitFactory } from './drivers/monit/index.js';
import { createNginxDriver } from './drivers/nginx/index.js';
import { createDefaultProviders, type LabEngineFactory } from './drivers/provider/defaults.js';
import { createSshDriver, hostIdOf, type KnownHostsStorage, type ManagedSshDriver } from './drivers/ssh/index.js';
import type { Drivers } from './drivers/types.js';
import { createGitReader } from './source/reader.js';
import { DEFAULT_ENGINE_DIR, ensureDockerEngine } from './lab/engine.js';
import { ensureHostImage } from './lab/host-image.js';

/** The lab's engine for lab machines: the private dockerd (started when none answers) and the lab host image. */
export const labEngine: LabEngineFactory = async () => {
  const engine = await ensureDockerEngine();
  const { default: Docker } = await import('dockerode'); // loaded only when a lab machine is asked for
  const docker = new Docker({ socketPath: engine.socketPath });
  return { docker, socketPath: engine.socketPath, image: process.env.DRIFTLESS_HOST_IMAGE ?? (await ensureHostImage(docker)) };
};

/** The engine images are built on: DOCKER_HOST, else the system socket, else the lab's private engine. */
export function dockerHostFor(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  if (existsSync('/var/run/docker.sock')) return 'unix:///var/run/docker.sock';
  const lab = `${DEFAULT_ENGINE_DIR}/docker.sock`;
  return existsSync(lab) ? `unix://${lab}` : undefined;
}

/** Every transport a process offers, over one SSH driver whose host keys are pinned in the state dir. */
export function createDrivers(opts: {
  stateDir: string;
  logger: PinoLogger;
  env?: NodeJS.ProcessEnv;
  /** HA mode: host-key pins in the shared store, and the leader's fence before every SSH action. */
  knownHosts?: KnownHostsStorage;
  fence?: () => void;
}): Drivers & { ssh: ManagedSshDriver } {
  const ssh = createSshDriver({
    knownHostsPath: join(opts.stateDir, 'known_hosts.json'),
    logger: opts.logger,
    ...(opts.knownHosts ? { knownHostsStorage: opts.knownHosts } : {}),
    ...(opts.fence ? { fence: opts.fence } : {}),
  });
  // An ssh:// DOCKER_HOST is pinned in the same store as every other host.
  const docker = createDockerDriver({
    dockerHost: dockerHostFor(opts.env ?? process.env),
    verifyHostKey: (host, port, key) => ssh.verifyHostKey(hostIdOf(host, port), key),
  });
  return {
    ssh,
    docker,
    providers: createDefaultProviders({ labEngine }),
    nginx: createNginxDriver(ssh),
    monit: createMonitFactory(ssh),
    slb: createSlbRegistry(),
    git: createGitReader(),
    // Swarm nodes are reached like an ssh:// DOCKER_HOST, their keys pinned in the same store.
    swarm: createSwarmDriver({ verifyHostKey: (t, key) => ssh.verifyHostKey(t.hostKeyId ?? hostIdOf(t.host, t.port), key) }),
  };
}
