/**
 * The transports kinds may use, as narrow interfaces. Kinds receive them in their context and never construct
 * clients; each concrete driver lives in its own folder and maps its library's errors to src/errors.ts. Each
 * driver's contract is in contracts/<driver>.ts; this file gathers them, so kinds import one module.
 */
import type { DockerDriver } from './contracts/docker.js';
import type { GitReader } from './contracts/git.js';
import type { MonitDriverFactory } from './contracts/monit.js';
import type { NginxDriver } from './contracts/nginx.js';
import type { ProviderRegistry } from './contracts/provider.js';
import type { SlbRegistry } from './contracts/slb.js';
import type { SshDriver } from './contracts/ssh.js';
import type { SwarmDriver } from './contracts/swarm.js';

export * from './contracts/docker.js';
export * from './contracts/git.js';
export * from './contracts/monit.js';
export * from './contracts/nginx.js';
export * from './contracts/provider.js';
export * from './contracts/slb.js';
export * from './contracts/ssh.js';
export * from './contracts/swarm.js';

/** The bag of transports handed to kinds; later issues add nginx, aliyun and monit. */
export interface Drivers {
  ssh: SshDriver;
  docker?: DockerDriver;
  /** nginx units: versioned all-or-none publish over SSH. */
  nginx?: NginxDriver;
  /** Machine providers (Aliyun ECS, the Docker lab), one driver per account and region. */
  providers?: ProviderRegistry;
  /** monit on component hosts (Cloud Foundry), built per control file on top of ssh. */
  monit?: MonitDriverFactory;
  /** Aliyun SLB load balancers, one driver per account and region. */
  slb?: SlbRegistry;
  /** Git repositories a kind builds from (ImageProject media and Dockerfiles); kinds never import source/. */
  git?: GitReader;
  /** Docker Swarm: the engine of a swarm node, reached over SSH (SwarmCluster, pools with `runtime: swarm`). */
  swarm?: SwarmDriver;
}


/** Aliyun API endpoints used when an account names none; a secret bound to the account must cover them. */
export const DEFAULT_ECS_ENDPOINT = 'https://ecs.aliyuncs.com';
export const DEFAULT_SLB_ENDPOINT = 'https://slb.aliyuncs.com';
