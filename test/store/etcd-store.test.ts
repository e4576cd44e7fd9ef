/**
 * The etcd backend against a real 3-member cluster: the same contract as the file backend, plus what only a
 * shared store owes: secrets sealed at rest (a dump of every key holds no private key bytes), values larger than
 * one etcd request, compare-and-set across separate clients (two replicas), and fenced writes refused once the
 * guard (the leader key) names someone else.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdStore } from '../../src/store/etcd/etcd-store.js';
import { deriveSealKey } from '../../src/store/etcd/envelope.js';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';
import { describeStoreContract } from './contract.js';

let cluster: EtcdCluster;
const sealKey = deriveSealKey(randomBytes(32).toString('base64'));
let n = 0;
const fresh = (extra: Partial<Parameters<typeof createEtcdStore>[0]> = {}) => {
  const prefix = `t${n++}-${randomBytes(3).toString('hex')}/`;
  return createEtcdStore({ client: cluster.client(), prefix, location: `etcd:${prefix}`, sealKey, ...extra });
};

beforeAll(async () => {
  cluster = await startEtcdCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describeStoreContract('etcd (3 members)', async () => fresh());

describe('etcd store, shared-backend duties', () => {
  it('a secret is sealed at rest: a dump of every key and value holds no byte string of it', async () => {
    const s = fresh();
    const privateKey = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(180).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    await s.put('machines', 'keys/set-a/m1/id_ed25519', privateKey, { secret: true });
    await s.put('machines', 'keys/set-a/m1/id_ed25519.pub', 'ssh-ed25519 AAAA public');
    const dump = await cluster.client().getAll().prefix('').buffers();
    const all = Buffer.concat(Object.entries(dump).flatMap(([k, v]) => [Buffer.from(k), v]));
    const body = privateKey.split('\n')[1]!;
    expect(all.includes(Buffer.from(body.slice(0, 24)))).toBe(false);
    expect(all.includes(Buffer.from('BEGIN OPENSSH'))).toBe(false);
    expect(all.includes(Buffer.from('ssh-ed25519 AAAA public'))).toBe(true);
    expect((await s.get('machines', 'keys/set-a/m1/id_ed25519'))?.toString()).toBe(privateKey);
  });

  it('refuses a secret write without an encryption key, and a sealed value cannot be read without it', async () => {
    const s = fresh();
    const bare = createEtcdStore({ client: cluster.client(), prefix: (s.location.slice(5)), location: 'bare' });
    await expect(bare.put('machines', 'k', 'PRIVATE', { secret: true })).rejects.toThrow(/no encryption key/);
    await s.put('machines', 'k', 'PRIVATE', { secret: true });
    await expect(bare.get('machines', 'k')).rejects.toThrow(/encrypted and no state encryption key/);
  });

  it('a value larger than one etcd request round-trips and replacing it leaves no stale chunks', async () => {
    const s = fresh();
    const big = randomBytes(3 * 1024 * 1024 + 17);
    await s.put('journal', 'journal.json', big);
    expect((await s.get('journal', 'journal.json'))?.equals(big)).toBe(true);
    await s.update('journal', 'journal.json', (cur) => Buffer.concat([cur!, Buffer.from('x')]));
    expect((await s.get('journal', 'journal.json'))?.length).toBe(big.length + 1);
    const prefix = s.location.slice(5);
    const blobs = await cluster.client().getAll().prefix(`${prefix}blob/`).keys();
    expect(new Set(blobs.map((k) => k.split('/').slice(-2, -1)[0])).size).toBe(1);
    await s.put('journal', 'journal.json', 'small');
    expect(await cluster.client().getAll().prefix(`${prefix}blob/`).keys()).toEqual([]);
  });

  it('updates through two separate clients (two replicas) never lose an increment', async () => {
    const a = fresh();
    const prefix = a.location.slice(5);
    const b = createEtcdStore({ client: cluster.client(), prefix, location: 'b', sealKey });
    const inc = (cur: Buffer | undefined) => String(Number(cur?.toString() ?? '0') + 1);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).update('counters', 'n', inc)));
    expect((await a.get('counters', 'n'))?.toString()).toBe('20');
  });

  it('a fenced store writes while its leader key stands and refuses every write (NotLeader) once it was re-created, even with the same name', async () => {
    const root = cluster.client();
    const leaderKey = `fence-${randomBytes(3).toString('hex')}`;
    await root.put(leaderKey).value('replica-a');
    const created = (await root.get(leaderKey).exec()).kvs[0]!.create_revision;
    const s = fresh({ guard: () => ({ key: leaderKey, createRevision: created }) });
    await s.put('runs', 'r1', 'one');
    await s.append('runs', 'events.jsonl', '{"e":1}');
    // a new election by a process of the same name: same value, another create revision
    await root.delete().key(leaderKey);
    await root.put(leaderKey).value('replica-a');
    await expect(s.put('runs', 'r1', 'two')).rejects.toThrow(/not the leader/);
    await expect(s.update('runs', 'r1', () => 'three')).rejects.toThrow(/not the leader/);
    await expect(s.append('runs', 'events.jsonl', '{"e":2}')).rejects.toThrow(/not the leader/);
    await expect(s.delete('runs', 'r1')).rejects.toThrow(/not the leader/);
    expect((await s.get('runs', 'r1'))?.toString()).toBe('one');
    expect(await s.tail('runs', 'events.jsonl')).toBe('{"e":1}\n');
  });
});
