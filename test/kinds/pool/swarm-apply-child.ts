/**
 * Child process for the swarm crash test: applies one swarm-run pool from a JSON description (resources, the
 * operator's secrets, a known_hosts path) so the parent can kill -9 it in the middle of a service update. Run as
 * `node --import tsx swarm-apply-child.ts <world.json>`.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createSwarmDriver } from '../../../src/drivers/docker-swarm/index.js';
import { createSshDriver } from '../../../src/drivers/ssh/index.js';
import { poolKind } from '../../../src/kinds/pool/index.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import type { Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { createFileStore } from '../../../src/store/index.js';
import { testSecrets, type TestSecret } from '../../harness/secrets.js';
import { silentLogger } from './fixture.js';

interface ChildInput {
  resources: Resource[];
  pool: string;
  secrets: Record<string, TestSecret>;
  knownHosts: string;
}

const input = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ChildInput;
const ssh = createSshDriver({ knownHostsPath: input.knownHosts });
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
process.stderr.write(`child: ${diff.action}\n`);
await poolKind.apply(
  { key: `Pool/${input.pool}`, kind: 'Pool', name: input.pool, action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: pool, observed },
  ctx,
);
await ssh.close();
