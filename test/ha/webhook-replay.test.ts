/**
 * Replay ids shared by replicas (issue 16): two replicas' HTTP surfaces, each with its own etcd client to a
 * different member of one real 3-member cluster. A signed delivery sent to replica A and then, captured, to
 * replica B is a replay at B; a delivery without an id is guarded by its signature the same way. Ids sent to both
 * at once are accepted exactly once (compare-and-set on the one key). A replica whose etcd is unreachable still
 * answers deliveries, refusing replays to itself from its own memory. The embedded guard keeps its file
 * (test/daemon/webhook-replay-restart.unit.test.ts).
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdStore } from '../../src/store/index.js';
import { REPLAY_NS } from '../../src/server/shared-replay.js';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';
import { testServer } from '../daemon/helpers.js';

const SECRET = 'ha-replay-secret';
const PREFIX = 'replay-test/';
const body = JSON.stringify({ ref: 'refs/heads/main' });
const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

let cluster: EtcdCluster;
const clients: Etcd3[] = [];

function replica(i: number, endpoint = cluster.endpoints[i]) {
  const client = new Etcd3({ hosts: `http://${endpoint}` });
  clients.push(client);
  const store = createEtcdStore({ client, prefix: PREFIX, location: `etcd://${cluster.endpoints[i]}/replay-test` });
  const fetches: string[] = [];
  const app = testServer({ secrets: { github: SECRET }, burst: 100, replayWindowMs: 3_600_000, replayStore: store, requestFetch: (r) => fetches.push(r) });
  const deliver = async (id?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature };
    if (id) headers['x-github-delivery'] = id;
    const res = await app.inject({ method: 'POST', url: '/hooks/github', headers, payload: body });
    return `${res.statusCode} ${(res.json() as { result: string }).result}`;
  };
  return { deliver, fetches, store };
}

/** A loopback port nobody listens on (taken and released). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  cluster = await startEtcdCluster();
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('webhook replay ids in etcd', () => {
  it('a delivery accepted by replica A is a replay at replica B, and only the first woke anyone', async () => {
    const a = replica(0);
    const b = replica(1);
    expect(await a.deliver('delivery-1')).toBe('202 accepted');
    expect(await b.deliver('delivery-1')).toBe('200 replayed');
    expect(await a.deliver('delivery-1')).toBe('200 replayed');
    expect(await b.deliver('delivery-2')).toBe('202 accepted');
    expect(a.fetches).toEqual(['webhook:github']);
    expect(b.fetches).toEqual(['webhook:github']);
    // Kept under the store's prefix, one key per guard (what `state migrate` leaves out as each machine's own).
    expect((await a.store.get(REPLAY_NS, 'replay-ids'))?.toString()).toContain('github:delivery-1');
  });

  it('without a delivery id the signature is the id, across replicas too', async () => {
    const a = replica(1);
    const b = replica(2);
    expect(await a.deliver()).toBe('202 accepted');
    expect(await b.deliver()).toBe('200 replayed');
  });

  it('the same delivery sent to three replicas at once is accepted exactly once', async () => {
    const rs = [replica(0), replica(1), replica(2)];
    const results = await Promise.all(rs.map((r) => r.deliver('delivery-race')));
    expect(results.filter((r) => r === '202 accepted')).toHaveLength(1);
    expect(results.filter((r) => r === '200 replayed')).toHaveLength(2);
  });

  it('with etcd unreachable the replica answers from its own memory: a delivery once, its replay refused', async () => {
    const down = replica(0, `127.0.0.1:${await closedPort()}`);
    expect(await down.deliver('delivery-offline')).toBe('202 accepted');
    expect(await down.deliver('delivery-offline')).toBe('200 replayed');
    expect(down.fetches).toEqual(['webhook:github']);
  });
});
