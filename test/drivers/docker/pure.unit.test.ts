import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StalledError, TransientError } from '../../../src/errors.js';
import { mapDockerError } from '../../../src/drivers/docker/errors.js';
import { dockerodeOptions } from '../../../src/drivers/docker/index.js';
import { formatReference, isLoopbackRegistry, parseReference } from '../../../src/util/image-reference.js';
import { followStream } from '../../../src/drivers/docker/stream.js';

describe('parseReference', () => {
  it.each<[string, object]>([
    ['debian', { registry: 'docker.io', name: 'library/debian' }],
    ['debian:bookworm', { registry: 'docker.io', name: 'library/debian', tag: 'bookworm' }],
    ['team/web:1', { registry: 'docker.io', name: 'team/web', tag: '1' }],
    ['127.0.0.1:5000/team/web', { registry: '127.0.0.1:5000', name: 'team/web' }],
    ['127.0.0.1:5000/base/debian:bookworm', { registry: '127.0.0.1:5000', name: 'base/debian', tag: 'bookworm' }],
    ['localhost/a@sha256:abc', { registry: 'localhost', name: 'a', digest: 'sha256:abc' }],
    ['registry.example.com/a/b/c:v1.2', { registry: 'registry.example.com', name: 'a/b/c', tag: 'v1.2' }],
  ])('%s', (ref, expected) => {
    expect(parseReference(ref)).toEqual(expected);
  });

  it.each(['', 'UPPER/case', 'a b', '127.0.0.1:5000/'])('rejects %j', (ref) => {
    expect(() => parseReference(ref)).toThrow(/invalid image reference/);
  });

  it('formats back and knows loopback registries', () => {
    expect(formatReference(parseReference('debian:12'))).toBe('debian:12');
    expect(formatReference(parseReference('127.0.0.1:5000/x/y:1'))).toBe('127.0.0.1:5000/x/y:1');
    expect([isLoopbackRegistry('127.0.0.1:5000'), isLoopbackRegistry('localhost:5000'), isLoopbackRegistry('10.0.0.1:5000')]).toEqual([true, true, false]);
  });
});

describe('dockerodeOptions', () => {
  it.each<[string, object]>([
    ['unix:///tmp/dk/docker.sock', { socketPath: '/tmp/dk/docker.sock' }],
    ['tcp://127.0.0.1:2375', { protocol: 'http', host: '127.0.0.1', port: 2375 }],
    ['ssh://deploy@build-1:2222', { protocol: 'ssh', host: 'build-1', port: 2222, username: 'deploy' }],
  ])('%s', (host, expected) => {
    expect(dockerodeOptions(host)).toMatchObject(expected);
  });

  it('uses the given key for ssh and refuses unknown schemes', () => {
    expect(dockerodeOptions('ssh://root@h', 'KEY')).toMatchObject({ sshOptions: { privateKey: 'KEY' } });
    expect(() => dockerodeOptions('npipe:////./pipe/docker')).toThrow(/unsupported docker host/);
  });
});

describe('followStream', () => {
  it('splits log lines across chunk boundaries and reports the image id', async () => {
    const lines: string[] = [];
    const chunks = ['{"stream":"Step 1/2 : FROM x\\n"}\n{"str', 'eam":" ---> abc\\nStep 2/2"}\n{"stream":" : RUN true\\n"}\n', '{"aux":{"ID":"sha256:f00"}}\n'];
    const out = await followStream(Readable.from(chunks), (l) => lines.push(l));
    expect(lines).toEqual(['Step 1/2 : FROM x', ' ---> abc', 'Step 2/2 : RUN true']);
    expect(out).toEqual({ imageId: 'sha256:f00', lastLines: lines });
  });

  it('surfaces errorDetail as the failure and keeps only the last lines', async () => {
    const chunks = [...Array.from({ length: 30 }, (_, i) => JSON.stringify({ stream: `line ${i}\n` }) + '\n'), JSON.stringify({ error: 'x', errorDetail: { message: 'returned a non-zero code: 3' } })];
    const out = await followStream(Readable.from(chunks), undefined, 5);
    expect(out.error).toBe('returned a non-zero code: 3');
    expect(out.lastLines).toEqual(['line 26', 'line 27', 'line 28', 'line 29', 'error: returned a non-zero code: 3']);
  });
});

describe('mapDockerError', () => {
  it.each<[string, unknown, typeof StalledError | typeof TransientError, string]>([
    ['socket missing', Object.assign(new Error('connect ENOENT /x.sock'), { code: 'ENOENT' }), TransientError, 'Unreachable'],
    ['refused via fetch cause', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), TransientError, 'Unreachable'],
    ['engine 500', Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500, json: { message: 'boom' } }), TransientError, 'ApplyFailed'],
    ['registry 401', Object.assign(new Error('x'), { status: 401 }), StalledError, 'AuthenticationFailed'],
    ['engine 404', Object.assign(new Error('x'), { statusCode: 404, json: { message: 'no such image' } }), StalledError, 'ApplyFailed'],
  ])('%s', (_name, err, cls, reason) => {
    const out = mapDockerError('op', err);
    expect(out).toBeInstanceOf(cls);
    expect(out.reason).toBe(reason);
    expect(out.message.startsWith('op')).toBe(true);
  });
});
