/**
 * `driftless lab up / down` for the quick start: long-lived lab hosts on fixed ports (127.0.0.1:2201..) with the
 * client key and every host key kept in the state dir. Keeping the host keys there means a `lab down` + `lab up`
 * presents the same keys, so the host keys driftless pinned stay valid. `lab up --swarm` starts the swarm example's
 * hosts (swarm-1.. on 127.0.0.1:2211..) with their own Docker engine instead, relaying the registry to them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { generateEd25519 } from '../util/ssh-keygen.js';
import { ensureDockerEngine } from './engine.js';
import { ensureHostImage } from './host-image.js';
import { readOwnerId } from '../kinds/shared/machines/key-store.js';
import { createFileStore } from '../store/index.js';
import { TAG } from '../kinds/shared/machines/tags.js';
import { labMachineTagLabel } from '../drivers/lab-provider/index.js';
import { createLabHosts, findLabHosts, LAB_LABEL, LAB_PREFIX_LABEL, removeLabHosts, type LabHost } from './hosts.js';
import { ensureLabRegistry, pushImage, registryAnswers, stopLabRegistry } from './registry.js';
import { LAB_KEY_SECRET, writeLabSettings } from './operator-settings.js';
import { LAB_STATE_LABEL, scopedPrefix, stateTag } from './scope.js';
import { bridgeGatewayOf, ensureOuterForward, innerForwardFiles } from './registry-forward.js';

/** ssh2's module, imported by labUp on use (a daemon never loads it for the lab). */
type Ssh2 = typeof import('ssh2');

/** Container-name prefix of the quick-start hosts: lab-1, lab-2, ... as the sample repo names them. */
export const LAB_UP_PREFIX = 'lab';
/** Container-name prefix and first port of `lab up --swarm`: swarm-1..3 on 2211.., as examples/swarm declares. */
export const SWARM_PREFIX = 'swarm';
export const SWARM_BASE_PORT = 2211;

export interface LabUpOptions {
  stateDir: string;
  count?: number;
  /** Container-name prefix; tests use their own so they never touch the quick start's hosts. */
  prefix?: string;
  /** Port of lab-1; lab-N listens on basePort + N - 1. */
  basePort?: number;
  /**
   * Hosts that run their OWN Docker engine (sample-repo/examples/swarm): default prefix `swarm`, ports 2211..;
   * they pull from the lab registry at the same 127.0.0.1 reference the machine pushes to (registry-forward.ts).
   */
  swarm?: boolean;
  /** Loopback port of the lab registry (default 5000; the sample's ImageProject pushes to 127.0.0.1:5000). */
  registryPort?: number;
  onLog?: (line: string) => void;
}

export interface LabUpResult {
  dockerHost: string;
  /** Loopback registry the sample images are pushed to (base image seeded). */
  registry: string;
  /** True when this call started a private dockerd (it keeps running for the lab hosts). */
  engineStarted: boolean;
  image: string;
  /** Private key authorised for root on every lab host. */
  keyPath: string;
  /** Operator settings declaring that key as the secret `lab-key`, allowed to the lab hosts (read by default). */
  settingsPath: string;
  hosts: Array<{ name: string; address: string; port: number; containerId: string }>;
}

/** Starts (or reuses, or recreates when outdated) the lab hosts and resolves once each answers SSH. */
export async function labUp(opts: LabUpOptions): Promise<LabUpResult> {
  const log = opts.onLog ?? (() => undefined);
  const count = opts.count ?? 3;
  const basePort = opts.basePort ?? (opts.swarm ? SWARM_BASE_PORT : 2201);
  const registryPort = opts.registryPort ?? 5000;
  const engine = await ensureDockerEngine();
  log(`docker engine ${engine.dockerHost}${engine.started ? ' (started, keeps running)' : ''}`);
  const { default: Dockerode } = await import('dockerode'); // dockerode and ssh2 load only for lab commands
  const docker = new Dockerode({ socketPath: engine.socketPath });
  const tag = stateTag(opts.stateDir);
  const base = opts.prefix ?? (opts.swarm ? SWARM_PREFIX : LAB_UP_PREFIX);
  const holders = await docker.listContainers({ all: true, filters: { label: [`${LAB_PREFIX_LABEL}=${base}`] } });
  const prefix = scopedPrefix(base, tag, holders);
  if (prefix !== base) log(`lab hosts ${base}-* belong to another state dir; this state dir's hosts are ${prefix}-*`);
  const { default: ssh2 } = await import('ssh2');
  const image = await ensureHostImage(docker, { onLog: log });
  const labDir = join(opts.stateDir, 'lab');
  const client = ensureKeyPair(ssh2, join(labDir, 'id_ed25519'));
  const ports = Array.from({ length: count }, (_, i) => basePort + i);
  const existing = await findLabHosts(docker, prefix);
  // Own-engine hosts relay 127.0.0.1:<registry port> to the machine's registry through the bridge gateway.
  const upstream = opts.swarm ? `${await bridgeGatewayOf(docker)}:${registryPort}` : undefined;
  const marker = upstream ? [`LAB_REGISTRY_FORWARD=${registryPort}=${upstream}`] : [];
  let hosts: LabHost[];
  if (await upToDate(docker, existing, { image, publicKey: client.public, ports, env: marker })) {
    log(`reusing ${existing.length} lab host(s)`);
    await Promise.all(existing.map((h) => h.start()));
    hosts = existing;
  } else {
    if (existing.length > 0) log(`recreating lab hosts (image, key or ports changed)`);
    await removeLabHosts(docker, prefix, tag);
    hosts = await createLabHosts(docker, {
      prefix,
      labels: { [LAB_STATE_LABEL]: tag },
      count,
      ports,
      persistent: true,
      publicKey: client.public,
      image,
      ...(upstream ? { ownEngine: {}, env: { LAB_REGISTRY_FORWARD: `${registryPort}=${upstream}` } } : { dockerSocket: engine.socketPath }),
      files: (name) => {
        const key = ensureKeyPair(ssh2, join(labDir, 'host-keys', `${name}_ed25519`));
        return [
          { path: 'etc/ssh/ssh_host_ed25519_key', content: key.private, mode: 0o600 },
          { path: 'etc/ssh/ssh_host_ed25519_key.pub', content: `${key.public}\n`, mode: 0o644 },
          ...(upstream ? innerForwardFiles(registryPort, upstream) : []),
        ];
      },
    });
  }
  for (const h of hosts) log(`${h.name} ssh root@${h.address} -p ${h.port}`);
  const registry = await ensureLabRegistry(join(labDir, 'registry'), `127.0.0.1:${registryPort}`);
  log(`registry ${registry.address}${registry.started ? ' (started, keeps running)' : ''}`);
  if (upstream) {
    // Another lab's relay on the same gateway port serves the same loopback registry: keep using it.
    if (!(await registryAnswers(upstream))) {
      await ensureOuterForward(docker, {
        name: `${prefix}-registry-forward`,
        image,
        gateway: upstream.slice(0, upstream.lastIndexOf(':')),
        port: registryPort,
        labels: { [LAB_LABEL]: '1', [LAB_PREFIX_LABEL]: `${prefix}-registry-forward`, [LAB_STATE_LABEL]: tag },
      });
    }
    log(`registry relay ${upstream} -> ${registry.address}; hosts pull ${registry.address}/... through it`);
  }
  log(`base image ${await pushImage(docker, image, registry.address)}`);
  const settingsPath = writeLabSettings(opts.stateDir, join(labDir, 'id_ed25519'), hosts.map((h) => h.address));
  log(`operator settings ${settingsPath} (secret ${LAB_KEY_SECRET}: the lab key, allowed to the lab hosts)`);
  return {
    settingsPath,
    registry: registry.address,
    dockerHost: engine.dockerHost,
    engineStarted: engine.started,
    image,
    keyPath: join(labDir, 'id_ed25519'),
    hosts: hosts.map((h) => ({ name: h.name, address: h.address, port: h.port, containerId: h.containerId })),
  };
}

/** Removes the lab hosts and, given the state dir, its lab machines; the engine, the image and the keys stay for the next `lab up`. */
export async function labDown(prefix = LAB_UP_PREFIX, stateDir?: string): Promise<{ hosts: number; machines: number; registry: boolean }> {
  const registry = stateDir ? stopLabRegistry(join(stateDir, 'lab', 'registry')) : false;
  const engine = await ensureDockerEngine();
  const { default: Dockerode } = await import('dockerode');
  const docker = new Dockerode({ socketPath: engine.socketPath });
  if (!stateDir) return { hosts: await removeLabHosts(docker, prefix), machines: 0, registry };
  // Only this state dir's hosts (whatever prefix they took), and untagged ones made before hosts were tagged.
  const tag = stateTag(stateDir);
  const mine = await docker.listContainers({ all: true, filters: { label: [`${LAB_STATE_LABEL}=${tag}`] } });
  const prefixes = new Set([...mine.map((c) => c.Labels?.[LAB_PREFIX_LABEL]).filter((p): p is string => !!p), prefix]);
  let hosts = 0;
  for (const p of prefixes) hosts += await removeLabHosts(docker, p, tag);
  const machines = await removeLabMachines(docker, stateDir);
  return { hosts, machines, registry };
}

/**
 * The lab provider's machines this state dir made (MachineSets, pools on a template, as in the quick start) and
 * what their pools started on the shared engine: without this they kept running after `lab down`. The journal
 * still lists them; the next apply finds them gone and makes them again, as it does the lab hosts.
 */
export async function removeLabMachines(docker: Docker, stateDir: string): Promise<number> {
  const owner = await readOwnerId(createFileStore(stateDir));
  if (!owner) return 0;
  const list = await docker.listContainers({ all: true, filters: { label: [`${LAB_LABEL}=1`, labMachineTagLabel(TAG.owner, owner)] } });
  const prefixes = [...new Set(list.map((c) => c.Labels?.[LAB_PREFIX_LABEL]).filter((p): p is string => !!p))];
  for (const p of prefixes) await removeLabHosts(docker, p);
  return prefixes.length;
}

async function upToDate(
  docker: Docker,
  hosts: LabHost[],
  want: { image: string; publicKey: string; ports: number[]; env: string[] },
): Promise<boolean> {
  if (hosts.length !== want.ports.length) return false;
  for (const [i, h] of hosts.entries()) {
    const info = await docker.getContainer(h.containerId).inspect();
    if (h.port !== want.ports[i] || info.Config.Image !== want.image) return false;
    if (!info.Config.Env.includes(`AUTHORIZED_KEYS=${want.publicKey.trim()}`)) return false;
    if (!want.env.every((e) => info.Config.Env.includes(e))) return false;
  }
  return true;
}

/** Reads an OpenSSH ed25519 key pair from `path` and `path.pub`, creating it (0600) when missing. */
function ensureKeyPair(ssh2: Ssh2, path: string): { private: string; public: string } {
  if (existsSync(path) && existsSync(`${path}.pub`)) {
    return { private: readFileSync(path, 'utf8'), public: readFileSync(`${path}.pub`, 'utf8').trim() };
  }
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const pair = generateEd25519(ssh2, 'driftless-lab');
  writeFileSync(path, pair.private, { mode: 0o600 });
  writeFileSync(`${path}.pub`, `${pair.public}\n`, { mode: 0o644 });
  return { private: pair.private, public: pair.public.trim() };
}
