/**
 * The emulator checks requests the way Aliyun documents it, so the driver's signing is really tested: a table of
 * tampered requests is refused with SLB's codes, and through the driver a wrong secret stalls while throttling
 * that outlasts the retries surfaces as a TransientError. Also: the example under sample-repo/examples validates.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlbDriver } from '../../../src/drivers/aliyun/slb.js';
import { StalledError, TransientError } from '../../../src/errors.js';
import { sign } from '../../harness/aliyun-sign.js';
import { startSlbEmulator, type SlbEmulator } from '../../harness/aliyun-slb.js';
import { REPO_ROOT, runCli } from '../../harness/cli.js';
import { tempDir } from '../../harness/tmp.js';

const KEY = { id: 'ak-sign', secret: 'sk-sign' };
let slb: SlbEmulator;

function signed(over: Record<string, string> = {}, secret = KEY.secret): Record<string, string> {
  const p: Record<string, string> = {
    Action: 'DescribeLoadBalancers',
    RegionId: 'cn-beijing',
    Format: 'JSON',
    Version: '2014-05-15',
    AccessKeyId: KEY.id,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...over,
  };
  return { ...p, Signature: sign('POST', p, secret) };
}

async function post(params: Record<string, string>): Promise<{ status: number; code?: string }> {
  const r = await fetch(slb.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  const body = (await r.json()) as { Code?: string };
  return { status: r.status, ...(body.Code ? { code: body.Code } : {}) };
}

beforeAll(async () => {
  slb = await startSlbEmulator({ accessKeyId: KEY.id, accessKeySecret: KEY.secret });
});
afterAll(async () => {
  await slb?.close();
});

describe('SLB emulator signature verification', () => {
  const replayed = signed();
  it.each<[string, () => Record<string, string>, number, string | undefined]>([
    ['a correctly signed request', () => signed(), 200, undefined],
    ['a parameter changed after signing', () => ({ ...signed(), RegionId: 'cn-hangzhou' }), 400, 'SignatureDoesNotMatch'],
    ['a parameter added after signing', () => ({ ...signed(), LoadBalancerName: 'x' }), 400, 'SignatureDoesNotMatch'],
    ['signed with another secret', () => signed({}, 'not-the-secret'), 400, 'SignatureDoesNotMatch'],
    ['no signature', () => { const { Signature: _s, ...rest } = signed(); return rest; }, 400, 'IncompleteSignature'],
    ['an unknown access key id', () => signed({ AccessKeyId: 'ak-other' }), 404, 'InvalidAccessKeyId.NotFound'],
    ['a stale timestamp', () => signed({ Timestamp: '2020-01-01T00:00:00Z' }), 400, 'InvalidTimeStamp.Expired'],
    ['the ECS api version', () => signed({ Version: '2014-05-26' }), 400, 'InvalidVersion'],
    ['a replayed nonce (first use)', () => replayed, 200, undefined],
    ['a replayed nonce (second use)', () => replayed, 400, 'SignatureNonceUsed'],
  ])('%s -> %s %s', async (_what, make, status, code) => {
    const r = await post(make());
    expect(r.status).toBe(status);
    expect(r.code).toBe(code);
  });
});

describe('SLB driver errors', () => {
  it('stalls on a wrong secret (AuthenticationFailed), without the secret in the message', async () => {
    const d = createSlbDriver({ provider: 'aliyun', region: 'cn-beijing', endpoint: slb.endpoint, accessKeyId: KEY.id, accessKeySecret: 'wrong-secret' }, { attempts: 1 });
    const err = await d.find('x', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).reason).toBe('AuthenticationFailed');
    expect((err as Error).message).toContain('SignatureDoesNotMatch');
    expect((err as Error).message).not.toContain('wrong-secret');
  });

  it('retries throttling and surfaces it as a TransientError when it lasts', async () => {
    const d = createSlbDriver({ provider: 'aliyun', region: 'cn-beijing', endpoint: slb.endpoint, accessKeyId: KEY.id, accessKeySecret: KEY.secret }, { attempts: 2, baseDelayMs: 10 });
    slb.setThrottleEvery(1);
    try {
      const err = await d.find('x', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as Error).message).toContain('Throttling');
    } finally {
      slb.setThrottleEvery(0);
    }
    slb.setThrottleEvery(2);
    try {
      expect(await d.find('nothing-of-that-name', {})).toEqual([]);
    } finally {
      slb.setThrottleEvery(0);
    }
  });

  it('returns the same load balancer for a repeated client token', async () => {
    const d = createSlbDriver({ provider: 'aliyun', region: 'cn-beijing', endpoint: slb.endpoint, accessKeyId: KEY.id, accessKeySecret: KEY.secret });
    const spec = { name: 'tok', addressType: 'intranet', networkType: 'classic', internetChargeType: 'paybytraffic' } as const;
    const a = await d.create(spec, 'token-1', { 'driftless:slb': 'tok' });
    const b = await d.create(spec, 'token-1', { 'driftless:slb': 'tok' });
    expect(b).toBe(a);
    expect((await d.find('tok', {})).map((l) => l.id)).toEqual([a]);
  });
});

describe('the SLB example in sample-repo/examples', () => {
  it('is excluded from the sample repo load but validates when included', async () => {
    const plain = await runCli(['validate', join(REPO_ROOT, 'sample-repo'), '--state-dir', tempDir('slb-sample-state')]);
    expect(plain.code, plain.stderr).toBe(0);
    const dir = join(tempDir('slb-sample'), 'repo');
    cpSync(join(REPO_ROOT, 'sample-repo'), dir, { recursive: true, filter: (src) => !src.includes('/.driftless/') && !src.includes('/examples/swarm') });
    rmSync(join(dir, '.driftlessignore'));
    const all = await runCli(['validate', dir, '--state-dir', tempDir('slb-sample-state')]);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    const count = (out: string) => Number(/ok: (\d+) resource/.exec(out)?.[1]);
    expect(count(all.stdout)).toBe(count(plain.stdout) + 1);
  });
});
