/**
 * Test hosts: lab containers with a fresh key pair per call, plus the SshTargets the drivers and kinds take.
 * Each call gets its own prefix, so test files running in parallel never see each other's hosts.
 */
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import { generateEd25519 } from '../../src/util/ssh-keygen.js';
import type { SshTarget } from '../../src/drivers/types.js';
import { ensureHostImage } from '../../src/lab/host-image.js';
import { createLabHosts, removeLabHosts, type LabHost } from '../../src/lab/hosts.js';
import { labDocker } from './docker.js';

export interface TestHostsOptions {
  /** Prefix of container names; a random suffix is always added. */
  name?: string;
  image?: string;
  labels?: Record<string, string>;
  env?: Record<string, string>;
  network?: string;
  /** Give each host the engine's socket and a docker CLI: containers it runs are siblings sharing its network. */
  dockerSocket?: boolean;
  /** Each host runs its own Docker engine (docker.io inside), listing these registries as insecure. */
  ownEngine?: { insecureRegistries?: string[] };
}

export interface TestHosts {
  hosts: LabHost[];
  privateKey: string;
  publicKey: string;
  /** One target per host, id `Host/<name>`, user root, the test key. */
  targets(): SshTarget[];
  teardown(): Promise<void>;
}

/** Starts `count` hosts that all answer the SSH banner and accept the returned private key for root. */
export async function startTestHosts(count: number, opts: TestHostsOptions = {}): Promise<TestHosts> {
  const docker = labDocker();
  const image = opts.image ?? process.env.DRIFTLESS_HOST_IMAGE ?? (await ensureHostImage(docker));
  const keys = generateEd25519(ssh2, 'driftless-test');
  const prefix = `${opts.name ?? 'dl'}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const hosts = await createLabHosts(docker, {
    prefix,
    count,
    publicKey: keys.public,
    image,
    ...(opts.labels ? { labels: opts.labels } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.network ? { network: opts.network } : {}),
    ...(opts.dockerSocket ? { dockerSocket: socketPathOf(docker) } : {}),
    ...(opts.ownEngine ? { ownEngine: opts.ownEngine } : {}),
  });
  return {
    hosts,
    privateKey: keys.private,
    publicKey: keys.public,
    targets: () =>
      hosts.map((h) => ({ id: `Host/${h.name}`, host: h.address, port: h.port, username: 'root', privateKey: keys.private })),
    teardown: async () => {
      await removeLabHosts(docker, prefix);
    },
  };
}

function socketPathOf(docker: ReturnType<typeof labDocker>): string {
  const path = (docker.modem as { socketPath?: unknown }).socketPath;
  if (typeof path !== 'string') throw new Error('the lab engine is not reached over a unix socket');
  return path;
}
