/**
 * The Swarm driver: dockerode against a node's engine over `ssh://` (docker-modem runs `docker system
 * dial-stdio` on the host), the same way an `ssh://` DOCKER_HOST is reached for builds. Host keys go through the
 * SSH driver's pin store, so a swarm node is pinned like every other host. Every call maps dockerode's errors to
 * src/errors.ts; join tokens are registered with the sanitiser before they leave this file.
 */
import type Docker from 'dockerode';
import pLimit, { type LimitFunction } from 'p-limit';
import { registerSecret } from '../../util/sanitize.js';
import type { SshTarget } from '../types.js';
import type { EngineJson, SwarmDriver, SwarmEngine, SwarmRegistryAuth } from '../contracts/swarm.js';
import { mapDockerError } from '../docker/errors.js';
import { toLocal, toNetwork, toNode, toObject, toService, toTask } from './convert.js';

export interface SwarmDriverOptions {
  /** Checks a node's host key (the runtime passes the SSH driver's pin store); rejects to refuse the connection. */
  verifyHostKey?: (target: SshTarget, key: Buffer) => Promise<unknown>;
}

type Raw = Record<string, unknown>;

/**
 * Engine calls in flight per host. docker-modem opens a NEW SSH connection for every API request, and sshd drops
 * handshakes beyond its MaxStartups (10 unauthenticated by default) with "Connection lost before handshake": a
 * burst of calls (several pools observed at once) must queue here instead of failing.
 */
const PER_HOST_CALLS = 4;

/** Creates the driver; one dockerode client per host, created on first use. */
export function createSwarmDriver(opts: SwarmDriverOptions = {}): SwarmDriver {
  const clients = new Map<string, Promise<Docker>>();
  const limits = new Map<string, LimitFunction>();
  const keyOf = (t: SshTarget): string => `${t.username}@${t.host}:${t.port}`;
  const limitFor = (t: SshTarget): LimitFunction => {
    let l = limits.get(keyOf(t));
    if (!l) limits.set(keyOf(t), (l = pLimit(PER_HOST_CALLS)));
    return l;
  };
  const clientFor = (t: SshTarget): Promise<Docker> => {
    const key = keyOf(t);
    let c = clients.get(key);
    if (!c) {
      const verify = opts.verifyHostKey;
      c = import('dockerode').then(
        (m) =>
          new m.default({
            protocol: 'ssh',
            host: t.host,
            port: t.port,
            username: t.username,
            sshOptions: {
              privateKey: t.privateKey,
              ...(t.passphrase ? { passphrase: t.passphrase } : {}),
              ...(verify ? { hostVerifier: (k: Buffer, done: (ok: boolean) => void) => void verify(t, k).then(() => done(true), () => done(false)) } : {}),
            },
          } as Docker.DockerOptions),
      );
      clients.set(key, c);
    }
    return c;
  };
  return { engine: (target) => createEngine(target, () => clientFor(target), limitFor(target)) };
}

function createEngine(target: SshTarget, client: () => Promise<Docker>, limit: LimitFunction): SwarmEngine {
  const call = async <T>(what: string, fn: (d: Docker) => Promise<T>): Promise<T> => {
    try {
      return await limit(async () => fn(await client()));
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
    createSecret: (name, value, labels) =>
      call(`secret create ${name}`, async (d) => {
        const out = (await d.createSecret({ Name: name, Labels: labels, Data: Buffer.from(value).toString('base64') } as never)) as unknown as { id?: string };
        return String(out.id ?? '');
      }),
    removeSecret: (id) =>
      call(`secret rm ${id}`, async (d) => {
        await d.getSecret(id).remove();
      }),
    configs: (filters) => call('config ls', async (d) => ((await d.listConfigs({ filters })) as unknown as Raw[]).map(toObject)),
    createConfig: (name, value, labels) =>
      call(`config create ${name}`, async (d) => {
        const out = (await d.createConfig({ Name: name, Labels: labels, Data: Buffer.from(value).toString('base64') } as never)) as unknown as { id?: string };
        return String(out.id ?? '');
      }),
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
