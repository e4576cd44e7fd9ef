/**
 * SwarmCluster against real engines: three lab hosts each running their own dockerd form a swarm (1 manager, 2
 * workers), node labels and availability follow host labels, a re-plan is a no-op, a worker removed from the
 * declaration is drained, leaves and is removed; then a 3-manager swarm that lost two managers refuses a manager
 * change before touching anything, with a message naming the managers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swarmClusterKind, type SwarmClusterSpec } from '../../../src/kinds/swarm-cluster/index.js';
import { AVAILABILITY_LABEL, CLUSTER_LABEL } from '../../../src/kinds/swarm-cluster/spec.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { sanitize } from '../../../src/util/sanitize.js';
import { createSwarmWorld, type SwarmWorld } from './fixture.js';

let w: SwarmWorld;

beforeAll(async () => {
  w = await createSwarmWorld(3, 'swcl');
}, 300_000);

afterAll(async () => {
  await w?.close();
});

const cluster = (spec: SwarmClusterSpec) => w.res<SwarmClusterSpec>('SwarmCluster', 'lab', { advertiseAddr: 'eth0', ...spec });

describe('SwarmCluster', () => {
  it('validates the manager count at load', () => {
    const problems = swarmClusterKind.validate!(cluster({ managers: { names: ['a', 'b'] } }), createResourceIndex([]));
    expect(problems.map((p) => p.message).join('\n')).toMatch(/2 manager\(s\) declared; a swarm needs 1, 3 or 5/);
  });

  it('forms 1 manager + 2 workers with labels and availability from host labels; re-plan is a no-op', async () => {
    const [a, b, c] = w.names as [string, string, string];
    const hosts = w.hostResources({ [b]: { zone: 'east' }, [c]: { zone: 'west', [AVAILABILITY_LABEL]: 'pause' } });
    const spec = cluster({ managers: { names: [a] }, workers: { names: [b, c] } });
    const first = await w.plan(swarmClusterKind, spec, hosts);
    expect(first.diff.action).toBe('create');
    expect(first.diff.changes.map((ch) => ch.path)).toEqual(['swarm', `nodes.${a}`, `nodes.${b}`, `nodes.${c}`]);
    await w.converge(swarmClusterKind, spec, hosts);
    // Nodes heartbeat every 1 s instead of 5 s, so a node that left is seen down (and can be removed) in about 3 s
    // rather than 15: the tests below wait on Swarm's detection, which is not driftless's to speed up.
    expect((await w.th.hosts[0]!.exec('docker swarm update --dispatcher-heartbeat 1s')).code).toBe(0);
    const nodes = await w.engine(0).nodes();
    const byHost = Object.fromEntries(nodes.map((n) => [n.hostname, n]));
    expect(nodes).toHaveLength(3);
    expect(byHost[a]!.role).toBe('manager');
    expect(byHost[b]).toMatchObject({ role: 'worker', availability: 'active', state: 'ready' });
    expect(byHost[b]!.labels).toMatchObject({ zone: 'east', [CLUSTER_LABEL]: 'lab' });
    expect(byHost[c]).toMatchObject({ role: 'worker', availability: 'pause' });
    const again = await w.plan(swarmClusterKind, spec, hosts);
    expect(again.diff).toMatchObject({ action: 'noop', changes: [] });
    expect(swarmClusterKind.health(again.observed).status).toBe('Healthy');
    // Join tokens are secrets: once read they are redacted wherever text is sanitised (logs, plans, status).
    const tokens = await w.engine(0).joinTokens();
    expect(tokens.worker).toMatch(/^SWMTKN-/);
    expect(sanitize(`joining with ${tokens.worker} / ${tokens.manager}`)).toBe('joining with *** / ***');
    expect(JSON.stringify(first)).not.toContain(tokens.worker.slice(-20));

    const relabelled = w.hostResources({ [b]: { zone: 'north' }, [c]: { zone: 'west' } });
    const changed = await w.plan(swarmClusterKind, spec, relabelled);
    expect(changed.diff.action).toBe('update');
    expect(changed.diff.changes).toEqual([
      { path: `nodes.${b}.labels`, before: expect.objectContaining({ zone: 'east' }), after: expect.objectContaining({ zone: 'north' }) },
      { path: `nodes.${c}.availability`, before: 'pause', after: 'active' },
    ]);
    await w.converge(swarmClusterKind, spec, relabelled);
    expect((await w.plan(swarmClusterKind, spec, relabelled)).diff.action).toBe('noop');
  }, 180_000);

  it('drains a worker whose host left the declaration, makes it leave and removes the node', async () => {
    const [a, b, c] = w.names as [string, string, string];
    const hosts = w.hostResources();
    const spec = cluster({ managers: { names: [a] }, workers: { names: [b] } });
    const p = await w.plan(swarmClusterKind, spec, hosts);
    expect(p.diff.changes).toContainEqual({ path: `nodes.${c}`, before: 'worker', after: 'removed (drain, leave, node rm)' });
    await w.converge(swarmClusterKind, spec, hosts);
    expect((await w.engine(0).nodes()).map((n) => n.hostname).sort()).toEqual([a, b].sort());
    expect((await w.engine(2).local()).state).toBe('inactive');
    expect((await w.plan(swarmClusterKind, spec, hosts)).diff.action).toBe('noop');
  }, 180_000);

  it('refuses a manager change once quorum is lost, before touching anything, naming the managers', async () => {
    const [a, b, c] = w.names as [string, string, string];
    const hosts = w.hostResources();
    // Back to Swarm's default heartbeat: this test restarts two managers' engines, and under heavy load a 1 s
    // heartbeat once kept the swarm without a leader for two minutes.
    expect((await w.th.hosts[0]!.exec('docker swarm update --dispatcher-heartbeat 5s')).code).toBe(0);
    const three = cluster({ managers: { names: [a, b, c] } });
    await w.converge(swarmClusterKind, three, hosts);
    const before = (await w.engine(0).nodes()).map((n) => `${n.hostname}:${n.role}:${n.availability}`).sort();
    expect(before).toEqual([a, b, c].map((n) => `${n}:manager:active`).sort());
    // Two of three managers' engines stop: one left, below the majority of two.
    for (const h of [w.th.hosts[1]!, w.th.hosts[2]!]) expect((await h.exec('pkill -x dockerd; while pgrep -x dockerd >/dev/null; do sleep 0.1; done')).code).toBe(0);
    const shrink = cluster({ managers: { names: [a] }, workers: { names: [b, c] } });
    const err = await w.converge(swarmClusterKind, shrink, hosts).then(
      () => undefined,
      (e: unknown) => e as Error & { reason?: string },
    );
    expect(err?.name).toBe('StalledError');
    expect(err?.message).toMatch(/refused before changing anything: the swarm has lost quorum: 1 of 3 managers reachable/);
    for (const n of [a, b, c]) expect(err?.message).toContain(n);
    // Nothing was touched: with the managers back the swarm has its majority and every node is still a manager.
    for (const h of [w.th.hosts[1]!, w.th.hosts[2]!]) expect((await h.exec('setsid sh /etc/lab-init.d/10-dockerd </dev/null >/dev/null 2>&1')).code).toBe(0);
    const after = await pollNodes(w, before.length);
    expect(after.map((n) => `${n.hostname}:${n.role}:${n.availability}`).sort()).toEqual(before);
  }, 180_000);
});

/** Lists nodes once the restarted manager brought a leader back (elections take a few seconds). */
async function pollNodes(world: SwarmWorld, count: number) {
  const deadline = Date.now() + 120_000;
  let last = '';
  for (;;) {
    const nodes = await world
      .engine(0)
      .nodes()
      .catch((e: unknown) => void (last = String(e)));
    if (nodes && nodes.length === count && nodes.every((n) => n.state === 'ready')) return nodes;
    if (Date.now() > deadline) throw new Error(`the swarm did not get a leader back within 120 s: ${last || JSON.stringify(nodes)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
