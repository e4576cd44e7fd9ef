import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { precompiledValidators } from '../../src/loader/schema-precompiled.js';
import { createSchemaRegistry, findSchemasDir, METADATA_SCHEMA_REF } from '../../src/loader/schema-registry.js';
import { withSecretSink } from '../../src/loader/schema-ajv.js';
import { tempDir } from '../harness/tmp.js';
import { HOST_SCHEMA_ID } from './kinds.js';

const S = 'https://driftless.dev/schemas';
const dir = findSchemasDir();
const runtime = createSchemaRegistry(dir);

/** Each case exercises a piece the generated code must reach through `rt`: formats, x-secret (both modes), defaults. */
const cases: { name: string; id: string; data: unknown }[] = [
  { name: 'valid host, defaults filled', id: HOST_SCHEMA_ID, data: { address: 'db-1', privateKey: { secret: 'k' } } },
  { name: 'host-address format', id: HOST_SCHEMA_ID, data: { address: 'not an address!', privateKey: { secret: 'k' } } },
  { name: 'plain secret', id: HOST_SCHEMA_ID, data: { address: 'h', privateKey: 'hunter2' } },
  { name: 'operator ref in a repo', id: HOST_SCHEMA_ID, data: { address: 'h', privateKey: { env: 'K' } } },
  {
    name: 'repo-path format',
    id: `${S}/image-project.schema.json`,
    data: { registry: 'r', repository: 'x', dockerfile: { git: { url: 'u', ref: 'main' }, path: '../../etc/passwd' } },
  },
  { name: 'metadata fragment', id: METADATA_SCHEMA_REF, data: { name: 'Bad Name' } },
  {
    name: 'operator secrets of the daemon config',
    id: `${S}/config.schema.json#/$defs/secrets`,
    data: { ok: { env: 'A', allow: ['x'] }, bad: { env: 'not ok', allow: [] } },
  },
];

describe('precompiled schema validators', () => {
  const cache = tempDir('schemas-cache');
  const pre = precompiledValidators(dir, cache);

  it('writes one module named by the schemas hash and covers every schema and its $defs', () => {
    expect(pre).toBeDefined();
    const written = readdirSync(cache).filter((f) => f.startsWith('schemas-'));
    expect(written).toHaveLength(1);
    expect([...pre!.ids].sort()).toEqual([...runtime.ids].sort());
    expect(pre!.validators.has(METADATA_SCHEMA_REF)).toBe(true);
  });

  it.each(cases)('$name: same verdict, errors, defaults and secret names as a run-time compile', ({ id, data }) => {
    const fn = pre!.validators.get(id);
    expect(fn, id).toBeDefined();
    const a = structuredClone(data);
    const b = structuredClone(data);
    const seenPre: string[] = [];
    const seenRun: string[] = [];
    const okPre = withSecretSink((p, n) => seenPre.push(`${p}=${n}`), () => fn!(a));
    const errorsRun = runtime.validate(id, b, (p, n) => seenRun.push(`${p}=${n}`));
    expect(okPre).toBe(errorsRun.length === 0);
    expect(fn!.errors ?? []).toEqual(errorsRun);
    expect(a).toEqual(b);
    expect(seenPre).toEqual(seenRun);
  });

  it('reports a plain secret without quoting it and sees { secret } names', () => {
    const fn = pre!.validators.get(HOST_SCHEMA_ID)!;
    expect(fn({ address: 'h', privateKey: 'hunter2' })).toBe(false);
    expect(JSON.stringify(fn.errors)).not.toContain('hunter2');
    const seen: string[] = [];
    withSecretSink((p, n) => seen.push(`${p}=${n}`), () => fn({ address: 'h', privateKey: { secret: 'deploy' } }));
    expect(seen).toEqual(['/privateKey=deploy']);
  });

  it('regenerates after a schema edit and drops the stale module', () => {
    const copy = tempDir('schemas-copy');
    cpSync(dir, copy, { recursive: true });
    const c2 = tempDir('schemas-cache2');
    precompiledValidators(copy, c2);
    const before = readdirSync(c2);
    const hostFile = join(copy, 'host.schema.json');
    const host = JSON.parse(readFileSync(hostFile, 'utf8')) as { properties: { user: { pattern: string } } };
    host.properties.user.pattern = '^deploy$';
    writeFileSync(hostFile, JSON.stringify(host));
    const again = precompiledValidators(copy, c2)!;
    const after = readdirSync(c2);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    expect(again.validators.get(HOST_SCHEMA_ID)!({ address: 'h', privateKey: { secret: 'k' }, user: 'root' })).toBe(false);
  });

  it('falls back (undefined) when the cache cannot be written', () => {
    const file = join(tempDir('schemas-ro'), 'not-a-dir');
    writeFileSync(file, '');
    expect(precompiledValidators(dir, join(file, 'cache'))).toBeUndefined();
  });
});
