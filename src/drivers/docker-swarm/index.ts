/**
 * The Swarm driver: dockerode against a node's engine through `docker system dial-stdio` channels on ONE SSH
 * connection per host, kept for the driver's life (tunnel.ts; docker-modem's own `ssh://` support dialled a new
 * connection per call). Host keys go through the SSH driver's pin store, so a swarm node is pinned like every
 * other host. Every call maps dockerode's errors to src/errors.ts; join tokens are registered with the sanitiser
 * before they leave this file.
 */
import type Docker from 'dockerode';
import pLimit, { type LimitFunction } from 'p-limit';
import { registerSecret } from '../../util/sanitize.js';
import type { SshTarget } from '../types.js';
import type { EngineJson, SwarmDriver, SwarmEngine, SwarmRegistryAuth } from '../contracts/swarm.js';
import { mapDockerError } from '../docker/errors.js';
import { toLocal, toNetwork, toNode, toObject, toService, toTask } from './convert.js';
import { poolKey } from '../ssh/pool.js';
import { createTunnel, type Tunnel } from './tunnel.js';

export interface SwarmDriverOptions {
  /** Checks a node's host key (the runtime passes the SSH driver's pin store); rejects to refuse the connection. */
  verifyHostKey?: (target: SshTarget, key: Buffer) => Promise<unknown>;
  /** An idle host connection is closed after this long (default 5 min, like the SSH driver's pool). */
  idleTimeoutMs?: number;
  /** SSH handshake bound (default 20 s). */
  connectTimeoutMs?: number;
}

type Raw = Record<string, unknown>;

/**
 * Engine calls in flight per host, and so dial-stdio channels per host connection (each call holds one channel;
 * channels are reused, so this also bounds the `docker system dial-stdio` processes on the host).
 */
const PER_HOST_CALLS = 4;

interface HostClient {
  docker: Promise<Docker>;
  tunnel: Tunnel;
  limit: LimitFunction;
}

/** Creates the driver; one SSH connection and dockerode client per host, created on first use. */
export function createSwarmDriver(opts: SwarmDriverOptions = {}): SwarmDriver {
  const hosts = new Map<string, HostClient>();
  let dials = 0;
  // The SSH pool's key (a digest of the key material, and the host-key pin): a connection made with one key, or
  // verified as one machine, never serves another.
  const keyOf = poolKey;
  const hostFor = (t: SshTarget): HostClient => {
    const key = keyOf(t);
    let h = hosts.get(key);
    if (!h) {
      const tunnel = createTunnel(t, {
        ...(opts.verifyHostKey ? { verifyHostKey: opts.verifyHostKey } : {}),
        maxChannels: PER_HOST_CALLS,
        idleTimeoutMs: opts.idleTimeoutMs ?? 5 * 60_000,
        connectTimeoutMs: opts.connectTimeoutMs ?? 20_000,
        onDial: () => void dials++,
      });
      // Plain HTTP over the tunnel's agent: the Host header is all `host` is used for.
      const docker = import('dockerode').then((m) => new m.default({ protocol: 'http', host: 'docker', port: 80, agent: tunnel.agent } as Docker.DockerOptions));
      hosts.set(key, (h = { docker, tunnel, limit: pLimit(PER_HOST_CALLS) }));
    }
    return h;
  };
  return {
    engine: (target) => createEngine(target, hostFor(target)),
    stats: () => ({ dials, hosts: hosts.size }),
    async close() {
      const all = [...hosts.values()];
      hosts.clear();
      await Promise.all(all.map((h) => h.tunnel.close()));
    },
  };
}

/** The body of a Swarm secret or config create: the same shape for both (value base64-encoded, as the API wants). */
function objectSpec(name: string, value: string, labels: Record<string, string>): Raw {
  return { Name: name, Labels: labels, Data: Buffer.from(value).toString('base64') };
}

/** The id a create call answered with ('' when the engine gave none). */
const idOf = (out: unknown): string => String((out as { id?: string } | undefined)?.id ?? '');

function createEngine(target: SshTarget, host: HostClient): SwarmEngine {
  const call = async <T>(what: string, fn: (d: Docker) => Promise<T>): Promise<T> => {
    try {
      return await host.limit(() => host.tunnel.busy(async () => fn(await host.docker)));
    } catch (err) {
      throw mapDockerError(`${target.id}: ${what}`, err);
    }
  };
  const authHeader = (auth?: SwarmRegistryAuth): Raw | undefined => (auth ? { ...auth } : undefined);
  return {
    local: () => call('docker info', async (d) => toLocal((await d.info()) as Raw)),
    init: (o) =>
      call('swarm init', async (d) => String(await d.swarmInit({ ListenAddr: o.listenAddr ?? '0.0.0.0:2377', AdvertiseAddr: o.advertiseAddr }))),
    join: (o) =>
      call('swarm join', async (d) => {
        await d.swarmJoin({ ListenAddr: o.listenAddr ?? '0.0.0.0:2377', AdvertiseAddr: o.advertiseAddr, RemoteAddrs: o.remoteAddrs, JoinToken: o.token });
      }),
    joinTokens: () =>
      call('swarm inspect', async (d) => {
        const tokens = ((await d.swarmInspect()) as { JoinTokens?: { Worker?: string; Manager?: string } }).JoinTokens ?? {};
        const worker = tokens.Worker ?? '';
        const manager = tokens.Manager ?? '';
        for (const t of [worker, manager]) if (t) registerSecret(t);
        return { worker, manager };
      }),
    leave: (force) =>
      call('swarm leave', async (d) => {
        await d.swarmLeave({ force });
      }),
    nodes: () => call('node ls', async (d) => ((await d.listNodes()) as Raw[]).map(toNode)),
    updateNode: (id, version, spec) =>
      call(`node update ${id}`, async (d) => {
        await d.getNode(id).update({ _query: { version }, _body: spec } as never);
      }),
    removeNode: (id, force) =>
      call(`node rm ${id}`, async (d) => {
        await d.getNode(id).remove({ force } as never);
      }),
    tasks: (filters) => call('task ls', async (d) => ((await d.listTasks({ filters })) as Raw[]).map(toTask)),
    services: (filters) => call('service ls', async (d) => ((await d.listServices({ filters } as never)) as unknown as Raw[]).map(toService)),
    createService: (spec, auth) =>
      call(`service create ${String(spec.Name)}`, async (d) => {
        const out = (await d.createService(authHeader(auth) as never, spec as never)) as unknown as { ID?: string; id?: string };
        return String(out.ID ?? out.id ?? '');
      }),
    updateService: (id, version, spec, auth, o) =>
      call(`service update ${String(spec.Name)}`, async (d) => {
        const query: Raw = { version, ...(o?.rollback ? { rollback: 'previous' } : {}) };
        await d.getService(id).update(authHeader(auth) as never, { _query: query, _body: spec } as never);
      }),
    removeService: (id) =>
      call(`service rm ${id}`, async (d) => {
        await d.getService(id).remove();
      }),
    networks: (filters) => call('network ls', async (d) => ((await d.listNetworks({ filters })) as unknown as Raw[]).map(toNetwork)),
    createNetwork: (spec) => call(`network create ${String(spec.Name)}`, async (d) => (await d.createNetwork(spec as never)).id),
    removeNetwork: (id) =>
      call(`network rm ${id}`, async (d) => {
        await d.getNetwork(id).remove();
      }),
    secrets: (filters) => call('secret ls', async (d) => ((await d.listSecrets({ filters })) as unknown as Raw[]).map(toObject)),
    createSecret: (name, value, labels) => call(`secret create ${name}`, (d) => d.createSecret(objectSpec(name, value, labels) as never).then(idOf)),
    removeSecret: (id) =>
      call(`secret rm ${id}`, async (d) => {
        await d.getSecret(id).remove();
      }),
    configs: (filters) => call('config ls', async (d) => ((await d.listConfigs({ filters })) as unknown as Raw[]).map(toObject)),
    createConfig: (name, value, labels) => call(`config create ${name}`, (d) => d.createConfig(objectSpec(name, value, labels) as never).then(idOf)),
    removeConfig: (id) =>
      call(`config rm ${id}`, async (d) => {
        await d.getConfig(id).remove();
      }),
    distribution: (image, auth) =>
      call(`distribution ${image}`, async (d) => {
        const out = (await d.getImage(image).distribution({ ...(auth ? { authconfig: auth } : {}) } as never)) as unknown as { Descriptor?: { digest?: string } };
        const digest = out.Descriptor?.digest;
        return digest ? `${image.replace(/@sha256:[0-9a-f]+$/, '')}@${digest}` : undefined;
      }),
  };
}

export type { EngineJson };
