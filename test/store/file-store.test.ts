import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/store/index.js';
import { describeStoreContract } from './contract.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'dl-store-'));

describeStoreContract('file', async () => createFileStore(fresh()));

describe('file store layout', () => {
  it('keeps the state dir layout: a key is <ns>/<key>, a log is a file appended to', async () => {
    const dir = fresh();
    const s = createFileStore(dir);
    await s.put('machines', 'keys/set-a/m1/id_ed25519', 'PRIVATE', { secret: true });
    await s.append('cf', 'd1/logs/nats_0.log', 'installing');
    expect(readFileSync(join(dir, 'machines/keys/set-a/m1/id_ed25519'), 'utf8')).toBe('PRIVATE');
    expect(readFileSync(join(dir, 'cf/d1/logs/nats_0.log'), 'utf8')).toBe('installing\n');
    expect(statSync(join(dir, 'machines/keys/set-a/m1/id_ed25519')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'cf/d1/logs/nats_0.log')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'machines/keys/set-a')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'machines/keys/set-a/m1'))).toEqual(['id_ed25519']);
  });

  it('reads files an older driftless wrote and ignores temp files a crash left', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'pools/web'), { recursive: true });
    writeFileSync(join(dir, 'pools/web/restarts.json'), '{"c1":{"attempts":2}}');
    writeFileSync(join(dir, 'pools/web/restarts.json.123.ab.tmp'), '{"torn');
    const s = createFileStore(dir);
    expect(JSON.parse((await s.get('pools', 'web/restarts.json'))!.toString())).toEqual({ c1: { attempts: 2 } });
    expect(await s.list('pools')).toEqual(['web/restarts.json']);
  });

  it('deleting the last key of a group removes its empty directories, not the namespace', async () => {
    const dir = fresh();
    const s = createFileStore(dir);
    await s.put('machines', 'keys/set-a/m1/token', 't');
    await s.put('machines', 'owner', 'o');
    await s.delete('machines', 'keys/set-a/m1/token');
    expect(readdirSync(join(dir, 'machines'))).toEqual(['owner']);
  });
});
