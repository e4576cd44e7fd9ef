/**
 * The Docker lab provider: machines are local containers from the lab host image (real sshd, root login with the
 * machine's own key), so the whole sample repo — machines, images, pools — runs on one laptop. It keeps the
 * provider contract exactly: client tokens and tags are container labels, so a crash between create and record
 * is adopted by `list`, and a retried create with the same token returns the same container.
 */
import type Docker from 'dockerode';
import { StalledError, TransientError } from '../../errors.js';
import { createLabHosts, LAB_PREFIX_LABEL, removeLabHosts, waitForBanner } from '../../lab/hosts.js';
import { SSH_PORT_TAG, type CreateInstanceInput, type InstanceState, type ProviderDriver, type ProviderInstance } from '../types.js';

const TOKEN_LABEL = 'driftless.machine.token';
const NAME_LABEL = 'driftless.machine.name';
const TAG_PREFIX = 'driftless.machine.tag.';

/** The container label a machine's provider tag becomes (for `docker ps --filter label=...`). */
export function labMachineTagLabel(tag: string, value: string): string {
  return `${TAG_PREFIX}${tag}=${value}`;
}

export interface LabEngine {
  docker: Docker;
  /** The engine's unix socket, mounted into machines so containers they run are siblings (pools work there). */
  socketPath?: string;
  /** The lab host image to use when a template names none. */
  image: string;
}

export interface LabProviderOptions {
  /** Resolves the engine lazily, so a process that never touches lab machines never starts one. */
  engine: () => Promise<LabEngine>;
  /** Machines outlive the creating process (CLI, daemon); tests pass false so a crashed run's are cleaned up. */
  persistent?: boolean;
  bannerTimeoutMs?: number;
}

export function createLabProvider(opts: LabProviderOptions): ProviderDriver {
  let engine: Promise<LabEngine> | undefined;
  const lab = (): Promise<LabEngine> => (engine ??= opts.engine().catch((err) => {
    engine = undefined;
    throw new TransientError('Unreachable', 'lab provider: no docker engine', { cause: err });
  }));
  const bannerMs = opts.bannerTimeoutMs ?? 30_000;

  async function byLabels(labels: string[]): Promise<ProviderInstance[]> {
    const { docker } = await lab();
    const list = await docker.listContainers({ all: true, filters: { label: labels } });
    const out = await Promise.all(list.map((c) => inspect(docker, c.Id)));
    return out.filter((i): i is ProviderInstance => i !== undefined);
  }

  return {
    provider: 'lab',
    async create(input: CreateInstanceInput) {
      const found = await byLabels([`${TOKEN_LABEL}=${input.clientToken}`]);
      if (found[0]) return found[0].id;
      const { docker, socketPath, image } = await lab();
      const labels: Record<string, string> = { [TOKEN_LABEL]: input.clientToken, [NAME_LABEL]: input.name };
      for (const [k, v] of Object.entries(input.tags)) labels[`${TAG_PREFIX}${k}`] = v;
      try {
        const [host] = await createLabHosts(docker, {
          prefix: `${input.name}-${input.clientToken.slice(0, 6)}`,
          count: 1,
          publicKey: input.publicKey,
          image: input.spec.image ?? image,
          labels,
          persistent: opts.persistent ?? true,
          bannerTimeoutMs: bannerMs,
          ...(socketPath ? { dockerSocket: socketPath } : {}),
        });
        if (!host) throw new TransientError('ApplyFailed', 'no container was created');
        return host.containerId;
      } catch (err) {
        const again = await byLabels([`${TOKEN_LABEL}=${input.clientToken}`]);
        if (again[0]) return again[0].id;
        throw new TransientError('ApplyFailed', `lab provider: could not create machine ${input.name}`, { cause: err });
      }
    },
    async describe(id) {
      return inspect((await lab()).docker, id);
    },
    async list(tags) {
      return byLabels(Object.entries(tags).map(([k, v]) => `${TAG_PREFIX}${k}=${v}`));
    },
    async allocatePublicIp() {
      return '127.0.0.1';
    },
    async start(id) {
      const { docker } = await lab();
      const inst = await inspect(docker, id);
      if (!inst) throw new StalledError('ApplyFailed', `lab provider: machine ${id} does not exist`);
      if (inst.state !== 'running') await docker.getContainer(id).start().catch(ignoreStatus(304));
      await waitForBanner('127.0.0.1', inst.sshPort ?? 22, bannerMs, inst.name);
    },
    async stop(id) {
      const { docker } = await lab();
      await docker.getContainer(id).stop({ t: 5 }).catch(ignoreStatus(304, 404));
    },
    async delete(id) {
      const { docker } = await lab();
      const info = await docker.getContainer(id).inspect().catch(ignoreStatus(404));
      const prefix = info?.Config.Labels?.[LAB_PREFIX_LABEL];
      if (prefix) await removeLabHosts(docker, prefix);
    },
  };
}

async function inspect(docker: Docker, id: string): Promise<ProviderInstance | undefined> {
  const info = await docker.getContainer(id).inspect().catch(ignoreStatus(404));
  if (!info) return undefined;
  const labels = info.Config.Labels ?? {};
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k.startsWith(TAG_PREFIX)) tags[k.slice(TAG_PREFIX.length)] = v;
  const port = Number(info.HostConfig.PortBindings?.['22/tcp']?.[0]?.HostPort);
  const state = stateOf(info.State.Status);
  return {
    id: info.Id,
    name: labels[NAME_LABEL] ?? info.Name.replace(/^\//, ''),
    state,
    rawState: info.State.Status,
    tags,
    privateIp: '127.0.0.1',
    publicIp: '127.0.0.1',
    ...(Number.isInteger(port) && port > 0 ? { sshPort: port } : tags[SSH_PORT_TAG] ? { sshPort: Number(tags[SSH_PORT_TAG]) } : {}),
    networkType: 'vpc',
    createdAt: new Date(info.Created).toISOString(),
  };
}

function stateOf(status: string): InstanceState {
  switch (status) {
    case 'running':
      return 'running';
    case 'created':
    case 'exited':
    case 'paused':
      return 'stopped';
    case 'restarting':
      return 'starting';
    case 'removing':
      return 'stopping';
    default:
      return 'unknown';
  }
}

/** A dockerode rejection with one of these HTTP statuses means "already so": resolve with undefined. */
function ignoreStatus(...codes: number[]): (err: unknown) => undefined {
  return (err) => {
    if (codes.includes((err as { statusCode?: number }).statusCode ?? 0)) return undefined;
    throw new TransientError('Unreachable', `lab provider: docker engine error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  };
}
