/**
 * Child process for the crash tests: converges one pool (SSH or swarm runtime) from a JSON description (resources +
 * secrets, optionally the known_hosts the parent pinned) so the parent can kill -9 it mid-rollout or mid service
 * update. Run as `node --import tsx apply-child.ts <world.json>`.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSwarmDriver } from '../../../src/drivers/docker-swarm/index.js';
import { createSshDriver } from '../../../src/drivers/ssh/index.js';
import { poolKind } from '../../../src/kinds/pool/index.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import type { Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { testSecrets, type TestSecret } from '../../harness/secrets.js';
import { silentLogger } from './fixture.js';
import { createFileStore } from '../../../src/store/index.js';

interface ChildInput {
  resources: Resource[];
  pool: string;
  /** The operator's secrets the resources name (the hosts' key). */
  secrets: Record<string, TestSecret>;
  /** known_hosts to trust (the swarm test's pinned hosts); a fresh file of this process's own when absent. */
  knownHosts?: string;
}

const input = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ChildInput;
const ssh = createSshDriver({ knownHostsPath: input.knownHosts ?? join(tmpdir(), `driftless-child-${process.pid}-known_hosts`) });
const swarm = createSwarmDriver({ verifyHostKey: (t, key) => ssh.verifyHostKey(`[${t.host}]:${t.port}`, key) });
const ctx: KindContext = {
  drivers: { ssh, swarm },
  secrets: testSecrets(input.secrets).resolver,
  resources: createResourceIndex(input.resources),
  logger: silentLogger,
  signal: new AbortController().signal,
  revision: 'child',
  repoDir: tmpdir(),
  store: createFileStore(tmpdir()),
  stateDir: tmpdir(),
  inventory: { get: () => undefined },
};
const pool = ctx.resources.get<PoolSpec>('Pool', input.pool);
if (!pool) throw new Error(`no Pool/${input.pool} in the input`);
const observed = await poolKind.observe(pool, ctx);
const diff = poolKind.diff(pool, observed);
await poolKind.apply(
  { key: `Pool/${input.pool}`, kind: 'Pool', name: input.pool, action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: pool, observed },
  ctx,
);
await ssh.close();
await swarm.close();
