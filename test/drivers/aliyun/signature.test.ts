/**
 * The emulator's signature check (written from Aliyun's documentation) against Aliyun's documented example and
 * against pop-core's real requests: a good request passes, a tampered, wrongly keyed, replayed or unsigned one is
 * refused with Aliyun's error codes; throttling surfaces as a TransientError after the client's own retries.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAliyunClient } from '../../../src/drivers/aliyun/client.js';
import { TransientError, StalledError } from '../../../src/errors.js';
import { startEcsEmulator, type EcsEmulator } from '../../harness/aliyun-ecs.js';
import { percentEncode, sign, stringToSign } from '../../harness/aliyun-sign.js';
import { labDocker } from '../../harness/docker.js';

const KEY = { id: 'test-key-id', secret: 'test-secret' };
let ecs: EcsEmulator;

beforeAll(async () => {
  ecs = await startEcsEmulator({ accessKeyId: KEY.id, accessKeySecret: KEY.secret, docker: labDocker(), image: 'unused' });
});
afterAll(async () => {
  await ecs?.close();
});

function signedParams(overrides: Record<string, string> = {}, secret = KEY.secret): Record<string, string> {
  const p: Record<string, string> = {
    Action: 'DescribeRegions',
    Format: 'JSON',
    Version: '2014-05-26',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomBytes(8).toString('hex'),
    Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    AccessKeyId: KEY.id,
    ...overrides,
  };
  return { ...p, Signature: sign('GET', p, secret) };
}

async function get(params: Record<string, string>): Promise<{ status: number; body: { Code?: string } }> {
  const qs = Object.entries(params).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
  const res = await fetch(`${ecs.endpoint}/?${qs}`);
  return { status: res.status, body: (await res.json()) as { Code?: string } };
}

describe('Aliyun RPC signature', () => {
  it('matches the example in Aliyun documentation', () => {
    const p = {
      AccessKeyId: 'testid',
      Action: 'DescribeRegions',
      Format: 'XML',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      SignatureVersion: '1.0',
      Timestamp: '2016-02-23T12:46:24Z',
      Version: '2014-05-26',
    };
    expect(stringToSign('GET', p)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    expect(sign('GET', p, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('percent-encodes the RFC 3986 way (space %20, * %2A, ~ kept)', () => {
    expect(percentEncode("a b*c~d!'()+/")).toBe('a%20b%2Ac~d%21%27%28%29%2B%2F');
  });

  const cases: Array<{ name: string; params: () => Record<string, string>; status: number; code?: string }> = [
    { name: 'a well-signed request passes', params: () => signedParams(), status: 200 },
    { name: 'a parameter changed after signing fails', params: () => ({ ...signedParams(), Action: 'DescribeInstances' }), status: 400, code: 'SignatureDoesNotMatch' },
    { name: 'a request signed with another secret fails', params: () => signedParams({}, 'other-secret'), status: 400, code: 'SignatureDoesNotMatch' },
    { name: 'an unknown access key fails', params: () => signedParams({ AccessKeyId: 'nobody' }), status: 404, code: 'InvalidAccessKeyId.NotFound' },
    { name: 'a request without a signature fails', params: () => { const p = signedParams(); delete p.Signature; return p; }, status: 400, code: 'IncompleteSignature' },
    { name: 'an expired timestamp fails', params: () => signedParams({ Timestamp: '2016-02-23T12:46:24Z' }), status: 400, code: 'InvalidTimeStamp.Expired' },
  ];
  it.each(cases)('$name', async ({ params, status, code }) => {
    const r = await get(params());
    expect(r.status).toBe(status);
    expect(r.body.Code).toBe(code);
  });

  it('refuses a replayed nonce', async () => {
    const p = signedParams();
    expect((await get(p)).status).toBe(200);
    const again = await get(p);
    expect([again.status, again.body.Code]).toEqual([400, 'SignatureNonceUsed']);
  });

  it('accepts pop-core requests (POST form) and maps bad credentials to a stalled error', async () => {
    const good = createAliyunClient({ endpoint: ecs.endpoint, accessKeyId: KEY.id, accessKeySecret: KEY.secret });
    await expect(good.call('DescribeRegions', { RegionId: 'cn-beijing' })).resolves.toMatchObject({ Regions: { Region: [{ RegionId: 'cn-beijing' }] } });
    const bad = createAliyunClient({ endpoint: ecs.endpoint, accessKeyId: KEY.id, accessKeySecret: 'wrong' });
    const err = await bad.call('DescribeRegions', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).reason).toBe('AuthenticationFailed');
    expect((err as Error).message).toBe('aliyun DescribeRegions: SignatureDoesNotMatch: Specified signature is not matched with our calculation.');
    expect((err as Error).message).not.toContain(KEY.id);
  });

  it('retries throttling with backoff, then surfaces a transient error', async () => {
    const client = createAliyunClient({ endpoint: ecs.endpoint, accessKeyId: KEY.id, accessKeySecret: KEY.secret, baseDelayMs: 5, attempts: 3 });
    ecs.setThrottleEvery(2);
    const before = ecs.log.length;
    await expect(client.call('DescribeRegions', {})).resolves.toBeDefined();
    await expect(client.call('DescribeRegions', {})).resolves.toBeDefined();
    expect(ecs.log.slice(before).map((l) => l.code ?? 'ok')).toEqual(['ok', 'Throttling', 'ok']);
    ecs.setThrottleEvery(1);
    const err = await client.call('DescribeRegions', {}).catch((e: unknown) => e);
    ecs.setThrottleEvery(0);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/Throttling/);
  });
});
