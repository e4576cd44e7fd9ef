/**
 * Docker image references split the way the engine splits them, so the registry client talks to the same host
 * and repository the engine pushes to (`debian` -> `registry-1.docker.io/library/debian:latest`).
 */

export interface ImageReference {
  /** Registry host as written (`127.0.0.1:5000`, `docker.io`). */
  registry: string;
  /** Repository path inside the registry (`team/web`, `library/debian`). */
  name: string;
  tag?: string;
  digest?: string;
}

const DOCKER_HUB = 'docker.io';

/** Parses `[host[:port]/]path[:tag][@digest]`; a first component with `.`, `:` or `localhost` is a registry host. */
export function parseReference(ref: string): ImageReference {
  let rest = ref.trim();
  if (rest === '' || /\s/.test(rest)) throw new Error(`invalid image reference "${ref}"`);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry = DOCKER_HUB;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (rest === '' || !/^[a-z0-9]+(?:[._-]+[a-z0-9]+|__)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$/.test(rest)) {
    throw new Error(`invalid image reference "${ref}": bad repository name "${rest}"`);
  }
  if (registry === DOCKER_HUB && !rest.includes('/')) rest = `library/${rest}`;
  return { registry, name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The host the registry API is served from (Docker Hub's API host differs from its name). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/** Loopback registries speak plain HTTP, as the engine allows without configuration. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** `host/name:tag` with the registry written explicitly. */
export function formatReference(r: ImageReference): string {
  const name = r.registry === DOCKER_HUB ? r.name.replace(/^library\//, '') : `${r.registry}/${r.name}`;
  return `${name}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}
