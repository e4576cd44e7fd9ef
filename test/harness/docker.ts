/**
 * The dockerode client tests use: the engine global setup found or started, named by DOCKER_HOST, so every worker
 * talks to the same engine as the harness.
 */
import Docker from 'dockerode';

/** A client for DOCKER_HOST (unix socket), falling back to /var/run/docker.sock. */
export function labDocker(): Docker {
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) throw new Error(`only unix DOCKER_HOST is supported by the lab, got ${host}`);
  return new Docker({ socketPath: host ? host.slice('unix://'.length) : '/var/run/docker.sock' });
}
