/**
 * The behaviour every StateStore backend owes its callers, as one table run per backend: the file backend today,
 * etcd later (issue 16) runs the same function against a real cluster.
 */
import { describe, expect, it } from 'vitest';
import type { StateStore } from '../../src/store/index.js';
import { appendJsonLines, getJson, putJson, tailJsonLines, updateJson } from '../../src/store/index.js';

export function describeStoreContract(backend: string, open: () => Promise<StateStore>): void {
  describe(`StateStore contract: ${backend}`, () => {
    it('get of a missing key is undefined; put then get returns the bytes', async () => {
      const s = await open();
      expect(await s.get('machines', 'owner')).toBeUndefined();
      await s.put('machines', 'owner', 'dl-1\n');
      expect((await s.get('machines', 'owner'))?.toString()).toBe('dl-1\n');
      await s.put('machines', 'owner', Buffer.from([0, 255, 1]));
      expect([...((await s.get('machines', 'owner')) ?? [])]).toEqual([0, 255, 1]);
    });

    it('namespaces are separate and keys nest by segments', async () => {
      const s = await open();
      await s.put('a', 'x/y/z', '1');
      await s.put('b', 'x/y/z', '2');
      expect((await s.get('a', 'x/y/z'))?.toString()).toBe('1');
      expect((await s.get('b', 'x/y/z'))?.toString()).toBe('2');
      expect(await s.get('a', 'x/y')).toBeUndefined();
    });

    it('list returns the keys under a prefix, sorted, and never the logs', async () => {
      const s = await open();
      for (const k of ['keys/set-b/m1/token', 'keys/set-a/m2/token', 'keys/set-a/m1/token', 'owner']) await s.put('machines', k, 'v');
      await s.append('machines', 'keys/set-a/audit.log', 'line');
      expect(await s.list('machines', 'keys/set-a/')).toEqual(['keys/set-a/m1/token', 'keys/set-a/m2/token']);
      expect(await s.list('machines')).toEqual(['keys/set-a/m1/token', 'keys/set-a/m2/token', 'keys/set-b/m1/token', 'owner']);
      expect(await s.list('empty')).toEqual([]);
    });

    it('delete removes one key, missing keys included, and leaves its siblings', async () => {
      const s = await open();
      await s.put('pools', 'web/restarts.json', '{}');
      await s.put('pools', 'rotation.json', '[]');
      await s.delete('pools', 'web/restarts.json');
      await s.delete('pools', 'never/was');
      expect(await s.get('pools', 'web/restarts.json')).toBeUndefined();
      expect(await s.list('pools')).toEqual(['rotation.json']);
    });

    it('update is read-modify-write: concurrent increments all count', async () => {
      const s = await open();
      const inc = (cur: Buffer | undefined) => String(Number(cur?.toString() ?? '0') + 1);
      await Promise.all(Array.from({ length: 25 }, () => s.update('counters', 'n', inc)));
      expect((await s.get('counters', 'n'))?.toString()).toBe('25');
    });

    it('update returning undefined leaves the value, null deletes it, and a throwing fn writes nothing', async () => {
      const s = await open();
      await s.put('k', 'v', 'old');
      expect((await s.update('k', 'v', () => undefined))?.toString()).toBe('old');
      await expect(s.update('k', 'v', () => { throw new Error('no'); })).rejects.toThrow('no');
      expect((await s.get('k', 'v'))?.toString()).toBe('old');
      expect(await s.update('k', 'v', () => null)).toBeUndefined();
      expect(await s.get('k', 'v')).toBeUndefined();
    });

    it('JSON helpers round-trip values and updates see the current value', async () => {
      const s = await open();
      await putJson(s, 'cf', 'd1/status.json', { deployment: 'd1', n: 1 });
      expect(await getJson(s, 'cf', 'd1/status.json')).toEqual({ deployment: 'd1', n: 1 });
      await Promise.all(['a', 'b', 'c'].map((id) => updateJson<string[]>(s, 'pools', 'rotation.json', (cur) => [...(cur ?? []), id].sort())));
      expect(await getJson(s, 'pools', 'rotation.json')).toEqual(['a', 'b', 'c']);
    });

    it('a secret put reads back as written', async () => {
      const s = await open();
      await s.put('machines', 'keys/set-a/m1/id_ed25519', 'PRIVATE', { secret: true });
      expect((await s.get('machines', 'keys/set-a/m1/id_ed25519'))?.toString()).toBe('PRIVATE');
    });

    it('logs append in order and tail reads a bounded end starting at a whole line', async () => {
      const s = await open();
      expect(await s.tail('nginx', 'history.jsonl')).toBeUndefined();
      await appendJsonLines(s, 'nginx', 'history.jsonl', [{ i: 1 }, { i: 2 }]);
      await s.append('nginx', 'history.jsonl', JSON.stringify({ i: 3 }));
      expect(await tailJsonLines(s, 'nginx', 'history.jsonl')).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
      const end = await s.tail('nginx', 'history.jsonl', { maxBytes: 12 });
      expect(end).toBe('{"i":3}\n');
      expect(await s.logs('nginx')).toEqual(['history.jsonl']);
      expect(await s.list('nginx')).toEqual([]);
    });

    it('refuses names that could leave the namespace or blur keys and logs', async () => {
      const s = await open();
      for (const key of ['../x', 'a/../b', '.hidden', 'a//b', '', 'x.log', 'x.tmp', '/abs']) {
        await expect(s.put('ns', key, 'v'), key).rejects.toThrow(/invalid state store key/);
      }
      await expect(s.get('Bad NS', 'k')).rejects.toThrow(/namespace/);
      await expect(s.append('ns', 'not-a-log', 'x')).rejects.toThrow(/invalid state store log/);
    });
  });
}
