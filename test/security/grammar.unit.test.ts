/**
 * Issue 14: the schemas hold names, labels, step names and health-check paths to their real grammar, so a value
 * with `$(...)`, backticks, `;` or a newline is a load problem at its line before any quoting is even needed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { loadRepo } from '../../src/loader/index.js';
import { tempDir } from '../harness/tmp.js';

const HOSTILE = ['a$(touch /tmp/x)', 'b`id`', 'c;id', 'd\nid', "e'f"];

async function problems(doc: Record<string, unknown>): Promise<string[]> {
  const dir = tempDir('grammar');
  writeFileSync(join(dir, 'r.yaml'), stringify({ apiVersion: 'driftless.dev/v1', ...doc }));
  const load = await loadRepo(dir, { registry: createKindRegistry() });
  return load.problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
}

const host = (over: Record<string, unknown>) => ({ kind: 'Host', metadata: { name: 'h' }, spec: { address: '10.0.0.1', privateKey: { secret: 'k' }, ...over } });

describe('grammar of words that reach shells', () => {
  it.each(HOSTILE)('refuses %j as a name, a label key or value, and an init step name', async (bad) => {
    expect(await problems({ kind: 'Host', metadata: { name: bad }, spec: host({}).spec })).toEqual([expect.stringMatching(/^r\.yaml:\d+: metadata\.name: invalid name/)]);
    expect((await problems({ ...host({}), metadata: { name: 'h', labels: { role: bad } } })).join('\n')).toMatch(/^r\.yaml:\d+: metadata\.labels\.role: must match pattern/);
    expect((await problems({ ...host({}), metadata: { name: 'h', labels: { [bad]: 'x' } } })).join('\n')).toMatch(/^r\.yaml:\d+: metadata\.labels: invalid property name/);
    expect((await problems(host({ init: [{ name: bad, run: 'true' }] }))).join('\n')).toMatch(/^r\.yaml:\d+: spec\.init\[0\]\.name: must match pattern/);
  });

  it('refuses shell syntax in a pool health-check path and keeps ordinary paths', async () => {
    const pool = (path: string) => ({ kind: 'Pool', metadata: { name: 'p' }, spec: { service: 's', hosts: { names: ['h'] }, container: { image: 'r/i:1' }, healthCheck: { http: { port: 80, path } } } });
    for (const bad of ['/$(id)', '/`id`', '/a b', "/a'b", '/a"b', '/a;b']) {
      expect((await problems(pool(bad))).join('\n')).toMatch(/spec\.healthCheck\.http\.path: must match pattern/);
    }
    expect((await problems(pool('/health?full=1&x=y'))).join('\n')).not.toMatch(/healthCheck/);
  });

  it('holds a pool image to the Docker reference grammar', async () => {
    const pool = (image: string) => ({ kind: 'Pool', metadata: { name: 'p' }, spec: { service: 's', hosts: { names: ['h'] }, container: { image } } });
    for (const bad of ['img$(id)', 'img:`id`', 'a;b', 'x y', 'x\ny']) expect((await problems(pool(bad))).join('\n')).toMatch(/spec\.container\.image/);
    for (const good of ['busybox', '127.0.0.1:5000/lab/web:1', `r/i@sha256:${'a'.repeat(64)}`]) expect((await problems(pool(good))).join('\n')).not.toMatch(/container\.image/);
  });

  it('keeps ordinary labels and Kubernetes-style prefixed keys', async () => {
    expect(await problems({ ...host({ init: [{ name: 'base dirs: step 1', run: 'true' }] }), metadata: { name: 'h', labels: { role: 'app', 'aliyun.driftless.dev/instance-id': 'i-123', empty: '' } } })).toEqual([]);
  });
});
