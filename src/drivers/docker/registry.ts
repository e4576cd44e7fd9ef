/**
 * A small Docker Registry HTTP API v2 client: the observed state of an image is what the registry serves for the
 * tag, not what some engine happens to have cached. Handles Basic and Bearer-token challenges and manifest lists.
 */
import { createHash } from 'node:crypto';
import type { RegistryAuth, RegistryManifest } from '../types.js';
import { mapDockerError } from './errors.js';
import { apiHost, formatReference, isLoopbackRegistry, parseReference, type ImageReference } from '../../util/image-reference.js';

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
];
const INDEX_TYPES = new Set(MANIFEST_TYPES.slice(2));

export interface RegistryClientOptions {
  /** Registries (host:port) spoken to over plain HTTP besides loopback ones. */
  insecureRegistries?: string[];
  /** Per-request limit. */
  timeoutMs?: number;
}

export interface RegistryClient {
  manifest(ref: string, auth?: RegistryAuth): Promise<RegistryManifest | undefined>;
  /** Tags of a repository; empty when the repository does not exist. */
  tags(repository: string, auth?: RegistryAuth): Promise<string[]>;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface ManifestBody {
  mediaType?: string;
  config?: { digest?: string };
  manifests?: { digest: string; mediaType?: string; platform?: { os?: string; architecture?: string } }[];
}

/** Creates a client; tokens are cached per registry and scope for the life of the client. */
export function createRegistryClient(opts: RegistryClientOptions = {}): RegistryClient {
  const tokens = new Map<string, string>();
  const insecure = new Set(opts.insecureRegistries ?? []);
  const timeoutMs = opts.timeoutMs ?? 30_000;

  const baseUrl = (registry: string): string =>
    `${isLoopbackRegistry(registry) || insecure.has(registry) ? 'http' : 'https'}://${apiHost(registry)}`;

  async function request(r: ImageReference, path: string, accept: string[], auth?: RegistryAuth): Promise<Response> {
    const url = `${baseUrl(r.registry)}/v2/${path}`;
    const scopeKey = `${r.registry} repository:${r.name}:pull ${auth ? createHash('sha256').update(`${auth.username}:${auth.password}`).digest('hex') : '-'}`;
    const headers = (): Record<string, string> => {
      const h: Record<string, string> = { Accept: accept.join(', ') };
      const token = tokens.get(scopeKey);
      if (token) h.Authorization = token;
      return h;
    };
    let res = await fetch(url, { headers: headers(), signal: AbortSignal.timeout(timeoutMs) });
    if (res.status === 401) {
      await res.body?.cancel();
      const challenge = res.headers.get('www-authenticate') ?? '';
      tokens.set(scopeKey, await answerChallenge(challenge, `repository:${r.name}:pull`, auth, timeoutMs));
      res = await fetch(url, { headers: headers(), signal: AbortSignal.timeout(timeoutMs) });
    }
    return res;
  }

  async function json<T>(res: Response, what: string): Promise<T> {
    if (!res.ok) throw new HttpStatusError(res.status, `${what}: http ${res.status} ${await safeText(res)}`);
    return (await res.json()) as T;
  }

  async function manifest(ref: string, auth?: RegistryAuth): Promise<RegistryManifest | undefined> {
    const what = `read manifest of ${ref}`;
    try {
      const r = parseReference(ref);
      const tag = r.digest ?? r.tag ?? 'latest';
      let res = await request(r, `${r.name}/manifests/${tag}`, MANIFEST_TYPES, auth);
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      const digest = res.headers.get('docker-content-digest') ?? '';
      let body = await json<ManifestBody>(res, what);
      let mediaType = body.mediaType ?? res.headers.get('content-type') ?? '';
      if (INDEX_TYPES.has(mediaType) && body.manifests && body.manifests.length > 0) {
        const pick = body.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === goArch()) ?? body.manifests[0]!;
        res = await request(r, `${r.name}/manifests/${pick.digest}`, MANIFEST_TYPES, auth);
        body = await json<ManifestBody>(res, what);
        mediaType = body.mediaType ?? mediaType;
      }
      const configDigest = body.config?.digest;
      let labels: Record<string, string> = {};
      let created: string | undefined;
      if (configDigest) {
        const cfg = await json<{ created?: string; config?: { Labels?: Record<string, string> | null } }>(
          await request(r, `${r.name}/blobs/${configDigest}`, ['application/json', '*/*'], auth),
          what,
        );
        labels = cfg.config?.Labels ?? {};
        created = cfg.created;
      }
      return {
        ref: formatReference({ ...r, tag, digest: undefined }),
        digest,
        mediaType,
        labels,
        ...(configDigest ? { configDigest } : {}),
        ...(created ? { created } : {}),
      };
    } catch (err) {
      throw mapDockerError(what, err);
    }
  }

  async function tags(repository: string, auth?: RegistryAuth): Promise<string[]> {
    const what = `list tags of ${repository}`;
    try {
      const r = parseReference(repository);
      const res = await request(r, `${r.name}/tags/list`, ['application/json'], auth);
      if (res.status === 404) {
        await res.body?.cancel();
        return [];
      }
      const body = await json<{ tags?: string[] | null }>(res, what);
      return [...(body.tags ?? [])].sort();
    } catch (err) {
      throw mapDockerError(what, err);
    }
  }

  return { manifest, tags };
}

/** Builds the Authorization header for a `WWW-Authenticate` challenge (Basic, or Bearer via the token realm). */
async function answerChallenge(challenge: string, scope: string, auth: RegistryAuth | undefined, timeoutMs: number): Promise<string> {
  const basic = auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : undefined;
  if (/^basic/i.test(challenge)) {
    if (!basic) throw new HttpStatusError(401, 'registry requires credentials and none were given');
    return basic;
  }
  if (/^bearer/i.test(challenge)) {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) throw new HttpStatusError(401, `registry sent a bearer challenge without realm: ${challenge}`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? scope);
    const res = await fetch(url, { headers: basic ? { Authorization: basic } : {}, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new HttpStatusError(res.status, `token endpoint answered http ${res.status}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new HttpStatusError(401, 'token endpoint returned no token');
    return `Bearer ${token}`;
  }
  throw new HttpStatusError(401, `registry refused the request (challenge "${challenge}")`);
}

async function safeText(res: Response): Promise<string> {
  try {
    return (await res.text()).slice(0, 300).trim();
  } catch {
    return '';
  }
}

function goArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
}
