/**
 * Lab hosts: containers from the host image that behave like small servers reachable over SSH on 127.0.0.1.
 * Each gets a fixed published port chosen up front, so stopping and starting it (a "reboot") keeps its address,
 * and labels that let a later run clean up after a crashed one without touching hosts of runs still alive.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type Docker from 'dockerode';
import { dockerExec, putFiles, waitForBanner, type LabExecResult } from './container-io.js';
import { ownEngineSettings, type OwnEngineOptions } from './own-engine.js';
import type { TarFile } from './tar.js';
import { ownedBy } from './scope.js';

export { dockerExec, waitForBanner, type LabExecResult };

export const LAB_LABEL = 'driftless.lab';
export const LAB_PREFIX_LABEL = 'driftless.lab.prefix';
export const LAB_OWNER_LABEL = 'driftless.lab.owner-pid';

export interface LabHost {
  name: string;
  containerId: string;
  address: '127.0.0.1';
  port: number;
  stop(): Promise<void>;
  /** Starts the container and resolves once sshd answers with its banner. */
  start(): Promise<void>;
  remove(): Promise<void>;
  /** Runs `sh -c cmd` as root through docker exec, bypassing SSH (for arranging and checking the world). */
  exec(cmd: string): Promise<LabExecResult>;
  /** Replaces the host keys and restarts the host, as a reinstalled server would present itself. */
  regenerateHostKey(): Promise<void>;
}

export interface CreateLabHostsOptions {
  prefix: string;
  count: number;
  /** OpenSSH public key line authorised for root. */
  publicKey: string;
  image: string;
  labels?: Record<string, string>;
  /** Extra environment, e.g. for hooks in /etc/lab-init.d. */
  env?: Record<string, string>;
  /** A user-defined network to attach to, so hosts reach each other by name. */
  network?: string;
  bannerTimeoutMs?: number;
  /**
   * Path of the engine's unix socket (as the engine's machine sees it). When set, the socket and a docker CLI are
   * bind-mounted into each host so `docker` there drives the shared engine (sibling containers, no DinD), and
   * /etc/driftless/docker-host-network names the host's own network namespace (`container:<id>`) so a node
   * started "on" the host shares its address, as `--network host` would on a real machine.
   */
  dockerSocket?: string;
  /** The docker CLI binary to mount; defaults to the first of /usr/bin/docker, /usr/local/bin/docker. */
  dockerCli?: string;
  /** Fixed loopback ports, one per host in order (the quick start's 2201..); otherwise free ports are picked. */
  ports?: readonly number[];
  /** Hosts that outlive the creating process (`lab up`): no owner pid, so orphan cleanup never removes them. */
  persistent?: boolean;
  /** Files written into each container before its first start (host keys, /etc/lab-init.d hooks). */
  files?: (name: string) => TarFile[];
  /**
   * Each host runs its own Docker engine (see own-engine.ts), like a real machine: containers it starts live in
   * its network and published ports bind on it. Exclusive with dockerSocket; hosts take longer to come up.
   */
  ownEngine?: OwnEngineOptions;
}

/** File on a lab host naming the network mode that stands for "the host's network" (see dockerSocket). */
export const HOST_NETWORK_FILE = '/etc/driftless/docker-host-network';

/** Creates and starts `count` hosts named `<prefix>-1..n`; resolves when every one answers the SSH banner. */
export async function createLabHosts(docker: Docker, opts: CreateLabHostsOptions): Promise<LabHost[]> {
  const names = Array.from({ length: opts.count }, (_, i) => `${opts.prefix}-${i + 1}`);
  const results = await Promise.allSettled(names.map((name, i) => createOne(docker, name, i, opts)));
  const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(created.map((h) => h.remove()));
    throw new Error(`could not start lab hosts ${opts.prefix}-*`, { cause: failed.reason });
  }
  return created;
}

/** Removes every lab container with this prefix, and first the containers living in their network namespaces. */
export async function removeLabHosts(docker: Docker, prefix: string, onlyTag?: string): Promise<number> {
  const all = await docker.listContainers({ all: true, filters: { label: [`${LAB_PREFIX_LABEL}=${prefix}`] } });
  // With a state dir's tag, hosts another state dir made are never touched.
  const list = onlyTag === undefined ? all : all.filter((c) => ownedBy(c, onlyTag));
  await removeGuests(docker, list);
  await Promise.all(list.map((c) => removeQuietly(docker, c.Id)));
  return list.length;
}

/** Label pool nodes carry with the name of the host that started them (its hostname, the lab container's name). */
export const NODE_HOST_LABEL = 'driftless.host';

/**
 * Containers a lab host started on the shared engine would outlive it otherwise: those in its network namespace
 * (`--network container:<host>`) and those labelled with its name (pool nodes on other networks).
 */
async function removeGuests(docker: Docker, hosts: Docker.ContainerInfo[]): Promise<void> {
  if (hosts.length === 0) return;
  const modes = new Set(hosts.map((c) => `container:${c.Id}`));
  const names = new Set(hosts.flatMap((c) => c.Names.map((n) => n.replace(/^\//, ''))));
  const all = await docker.listContainers({ all: true });
  const guests = all.filter((c) => modes.has(c.HostConfig?.NetworkMode ?? '') || names.has(c.Labels?.[NODE_HOST_LABEL] ?? ''));
  await Promise.all(guests.map((c) => removeQuietly(docker, c.Id)));
}

function dockerBinds(socket: string, cli: string | undefined): string[] {
  const binary = cli ?? ['/usr/bin/docker', '/usr/local/bin/docker'].find((p) => existsSync(p));
  if (!binary) throw new Error('dockerSocket needs a docker CLI binary on this machine; none found');
  return [`${socket}:/var/run/docker.sock`, `${binary}:/usr/local/bin/docker:ro`];
}

async function writeHostNetworkFile(host: LabHost): Promise<void> {
  const dir = HOST_NETWORK_FILE.slice(0, HOST_NETWORK_FILE.lastIndexOf('/'));
  const r = await host.exec(`mkdir -p ${dir} && echo container:${host.containerId} > ${HOST_NETWORK_FILE}`);
  if (r.code !== 0) throw new Error(`could not write ${HOST_NETWORK_FILE} on ${host.name}: ${r.stderr.trim()}`);
}

/** Removes lab containers whose creating process is gone: leftovers of a crashed run, never a live run's hosts. */
export async function removeOrphanLabHosts(docker: Docker): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LAB_LABEL}=1`] } });
  const orphans = list.filter((c) => {
    const owner = c.Labels[LAB_OWNER_LABEL];
    return owner !== undefined && !processAlive(Number(owner));
  });
  await removeGuests(docker, orphans);
  await Promise.all(orphans.map((c) => removeQuietly(docker, c.Id)));
  return orphans.length;
}

/** The lab hosts with this prefix that exist now (running or not), e.g. to reuse them in `lab up`. */
export async function findLabHosts(docker: Docker, prefix: string, bannerTimeoutMs = 30_000): Promise<LabHost[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LAB_PREFIX_LABEL}=${prefix}`] } });
  const hosts = await Promise.all(
    list.map(async (c) => {
      const info = await docker.getContainer(c.Id).inspect();
      const port = Number(info.HostConfig.PortBindings?.['22/tcp']?.[0]?.HostPort);
      return labHost(docker, info.Name.replace(/^\//, ''), c.Id, port, bannerTimeoutMs);
    }),
  );
  return hosts.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

async function createOne(docker: Docker, name: string, index: number, opts: CreateLabHostsOptions): Promise<LabHost> {
  let lastErr: unknown;
  const fixedPort = opts.ports?.[index];
  if (opts.ownEngine && opts.dockerSocket) throw new Error('a lab host has either its own engine or the shared socket, not both');
  const own = opts.ownEngine ? ownEngineSettings(opts.ownEngine) : undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = fixedPort ?? (await freePort());
    const container = await docker.createContainer({
      name,
      Hostname: name.replace(/_/g, '-'),
      Image: opts.image,
      Env: [`AUTHORIZED_KEYS=${opts.publicKey.trim()}`, ...(own?.env ?? []), ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`)],
      ...(own ? { Volumes: own.volumes } : {}),
      Labels: {
        ...opts.labels,
        [LAB_LABEL]: '1',
        [LAB_PREFIX_LABEL]: opts.prefix,
        ...(opts.persistent ? {} : { [LAB_OWNER_LABEL]: String(process.pid) }),
      },
      ExposedPorts: { '22/tcp': {} },
      StopTimeout: 5,
      HostConfig: {
        Init: true,
        PortBindings: { '22/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
        ...(opts.network ? { NetworkMode: opts.network } : {}),
        ...(opts.dockerSocket ? { Binds: dockerBinds(opts.dockerSocket, opts.dockerCli) } : {}),
        ...(own?.hostConfig ?? {}),
      },
    });
    const host = labHost(docker, name, container.id, port, opts.bannerTimeoutMs ?? (own ? 120_000 : 30_000));
    try {
      await putFiles(docker, container.id, [...(own?.files ?? []), ...(opts.files?.(name) ?? [])]);
      await host.start();
      if (opts.dockerSocket) await writeHostNetworkFile(host);
      return host;
    } catch (err) {
      lastErr = err;
      await host.remove();
      if (fixedPort !== undefined || !/port is already allocated|address already in use/i.test(String(err))) throw err;
    }
  }
  throw new Error(`could not publish a port for lab host ${name}`, { cause: lastErr });
}

function labHost(docker: Docker, name: string, containerId: string, port: number, bannerTimeoutMs: number): LabHost {
  const container = docker.getContainer(containerId);
  const host: LabHost = {
    name,
    containerId,
    address: '127.0.0.1',
    port,
    async stop() {
      const info = await container.inspect();
      if (info.State.Running) await container.stop({ t: 5 });
    },
    async start() {
      const info = await container.inspect();
      if (!info.State.Running) await container.start();
      await waitForBanner('127.0.0.1', port, bannerTimeoutMs, name);
    },
    async remove() {
      await removeQuietly(docker, containerId);
    },
    exec: (cmd) => dockerExec(docker, containerId, cmd),
    async regenerateHostKey() {
      const r = await host.exec('rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null');
      if (r.code !== 0) throw new Error(`could not regenerate host keys on ${name}: ${r.stderr.trim()}`);
      await host.stop();
      await host.start();
    },
  };
  return host;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function removeQuietly(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409) throw err;
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
