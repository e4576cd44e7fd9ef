/**
 * Leader election and the fence against a real 3-member etcd cluster: one leader among three replicas; a leader
 * that resigns hands over; a leader cut off from etcd (its only member stopped) fences itself before any other
 * replica is elected (never two leaders acting at once); with all of etcd down nobody leads and each says why.
 * Polling only: each check is a real call, no fixed sleeps.
 */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/index.js';
import { startLeadership, type Leadership } from '../../src/ha/leader.js';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';

let cluster: EtcdCluster;
const opened: { l: Leadership; c: Etcd3 }[] = [];

async function replica(key: string, endpoints: string[], name: string): Promise<Leadership> {
  const c = new Etcd3({ hosts: endpoints.map((e) => `http://${e}`), dialTimeout: 1000, defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 2000 }) });
  const l = await startLeadership({ client: c, key, ttlSeconds: 2, identity: name, metrics: createMetrics() });
  opened.push({ l, c });
  return l;
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  cluster = await startEtcdCluster();
});
afterAll(async () => {
  for (const { l, c } of opened) {
    await l.stop().catch(() => undefined);
    c.close();
  }
  await cluster?.stop();
});

describe('leader election on an etcd lease', () => {
  it('three replicas: exactly one leads, the others follow and name it; a resignation hands over', async () => {
    const key = 'election-a/leader';
    const rs = [await replica(key, cluster.endpoints, 'r0'), await replica(key, cluster.endpoints, 'r1'), await replica(key, cluster.endpoints, 'r2')];
    const leaders = rs.filter((r) => r.isLeader());
    expect(leaders).toHaveLength(1);
    const leader = leaders[0]!;
    for (const r of rs) expect(r.view().leader).toBe(leader.identity);
    for (const r of rs.filter((x) => x !== leader)) {
      expect(r.view().role).toBe('follower');
      expect(() => r.fence()).toThrow(/not the leader/);
    }
    expect(() => leader.fence()).not.toThrow();
    expect(leader.view()).toMatchObject({ role: 'leader', identity: leader.identity });

    await leader.stop();
    const next = await until('a new leader', () => rs.find((r) => r !== leader && r.isLeader()));
    expect(rs.filter((r) => r.isLeader())).toEqual([next]);
    expect(() => leader.fence()).toThrow(/not the leader/);
  });

  it('two processes given the same name never both lead', async () => {
    const key = 'election-same/leader';
    const a = await replica(key, cluster.endpoints, 'same-name');
    const b = await replica(key, cluster.endpoints, 'same-name');
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(() => b.fence()).toThrow(/not the leader/);
    expect(b.guard().createRevision).not.toBe(a.guard().createRevision);
  });

  it('a leader that loses its etcd member fences itself before anyone else leads, and a follower takes over', async () => {
    const key = 'election-b/leader';
    // r-cut talks to member 0 only; the others to members 1 and 2.
    const cut = await replica(key, [cluster.endpoints[0]!], 'r-cut');
    const others = [await replica(key, cluster.endpoints.slice(1), 'r-x'), await replica(key, cluster.endpoints.slice(1), 'r-y')];
    expect(cut.isLeader()).toBe(true);
    await cluster.stopMember(0);
    let overlap = false;
    const next = await until('a follower takes over', () => {
      const n = others.find((r) => r.isLeader());
      if (n && cut.isLeader()) overlap = true;
      return n;
    });
    expect(overlap).toBe(false);
    expect(() => cut.fence()).toThrow(/not the leader/);
    expect(cut.view().role).not.toBe('leader');
    expect(next.view().leader).toBe(next.identity);
    await cluster.startMember(0);
  });

  it('etcd down entirely: nobody leads, each replica says why; etcd back: one leads again', async () => {
    const key = 'election-c/leader';
    const rs = [await replica(key, cluster.endpoints, 'd0'), await replica(key, cluster.endpoints, 'd1')];
    expect(rs.filter((r) => r.isLeader())).toHaveLength(1);
    for (let i = 0; i < 3; i++) await cluster.stopMember(i);
    await until('no leader', () => rs.every((r) => !r.isLeader()));
    await until('both say etcd is unreachable', () => rs.every((r) => r.view().role === 'unavailable' && /etcd|lease/.test(r.view().message ?? '')));
    await Promise.all([0, 1, 2].map((i) => cluster.startMember(i)));
    await until('one leader again', () => rs.filter((r) => r.isLeader()).length === 1, 60_000);
  });
});
