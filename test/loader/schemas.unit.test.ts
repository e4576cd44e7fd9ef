import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeErrors } from '../../src/loader/messages.js';
import { createSchemaRegistry, findSchemasDir } from '../../src/loader/schema-registry.js';
import { tempDir } from '../harness/tmp.js';
import { CLUSTER_SCHEMA_ID, HOST_SCHEMA_ID, LOADER_SCHEMA_FILES, SERVICE_SCHEMA_ID, loaderSchemas } from './kinds.js';
import { OPERATOR_REF_MESSAGE, PLAIN_SECRET_MESSAGE } from '../../src/loader/schema-registry.js';

const dir = findSchemasDir();
const files = readdirSync(dir).filter((f) => f.endsWith('.schema.json'));
/** Schemas owned by the loader; other schemas in schemas/ are held to the compile check only. */
const loaderFiles = LOADER_SCHEMA_FILES;
type Json = Record<string, unknown>;

/** Every object schema reachable in a schema file, with its JSON pointer. */
function objectSchemas(node: unknown, path = '#'): [string, Json][] {
  if (node === null || typeof node !== 'object') return [];
  const out: [string, Json][] = [];
  const rec = node as Json;
  if (rec.type === 'object') out.push([path, rec]);
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'default' || k === 'const' || k === 'enum') continue;
    out.push(...objectSchemas(v, `${path}/${k}`));
  }
  return out;
}

describe('schemas/', () => {
  it('compiles every file in strict mode into one instance, with the documented ids', () => {
    const registry = createSchemaRegistry(dir);
    expect([...registry.ids].sort()).toEqual(
      files.map((f) => `https://driftless.dev/schemas/${f}`).sort(),
    );
    for (const id of [HOST_SCHEMA_ID, CLUSTER_SCHEMA_ID, SERVICE_SCHEMA_ID]) expect(registry.has(id)).toBe(true);
  });

  it('rejects a schema with an unknown keyword (strict mode is really on)', () => {
    const bad = tempDir('schemas-strict');
    for (const f of loaderFiles) writeFileSync(join(bad, f), readFileSync(join(dir, f)));
    writeFileSync(
      join(bad, 'typo.schema.json'),
      JSON.stringify({ $id: 'https://driftless.dev/schemas/typo.schema.json', type: 'object', descripton: 'x' }),
    );
    expect(() => createSchemaRegistry(bad)).toThrow(/unknown keyword: "descripton"/);
  });

  it.each(loaderFiles)('%s closes every object and describes every property', (file) => {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
    expect(typeof schema.description).toBe('string');
    for (const [path, obj] of objectSchemas(schema)) {
      expect(obj.additionalProperties, `${file} ${path} must decide on additionalProperties`).toBeDefined();
      for (const [name, prop] of Object.entries((obj.properties ?? {}) as Record<string, Json>)) {
        expect(typeof prop.description, `${file} ${path}/properties/${name} needs a description`).toBe('string');
      }
    }
  });
});

describe('schema messages', () => {
  const registry = loaderSchemas();
  const cases: { name: string; id: string; data: unknown; expected: string[] }[] = [
    {
      name: 'a valid host gets its defaults',
      id: HOST_SCHEMA_ID,
      data: { address: '2001:db8::1', privateKey: { secret: 'k' } },
      expected: [],
    },
    {
      name: 'secret as a number hides the shape errors of the secretRef branches',
      id: HOST_SCHEMA_ID,
      data: { address: 'h', privateKey: 42 },
      expected: [`/spec/privateKey spec.privateKey: ${PLAIN_SECRET_MESSAGE}`],
    },
    {
      name: 'secret naming both env and file is not a reference',
      id: HOST_SCHEMA_ID,
      data: { address: 'h', privateKey: { env: 'A', file: '/k' } },
      expected: [`/spec/privateKey spec.privateKey: ${PLAIN_SECRET_MESSAGE}`],
    },
    {
      name: 'a reference to the daemon\'s env or files says what to write instead',
      id: HOST_SCHEMA_ID,
      data: { address: 'h', privateKey: { file: '/etc/shadow' } },
      expected: [`/spec/privateKey spec.privateKey: ${OPERATOR_REF_MESSAGE}`],
    },
    {
      name: 'a secret name with extra keys is not a reference',
      id: HOST_SCHEMA_ID,
      data: { address: 'h', privateKey: { secret: 'k', env: 'K' } },
      expected: [`/spec/privateKey spec.privateKey: ${PLAIN_SECRET_MESSAGE}`],
    },
    {
      name: 'port list item out of range and a type error',
      id: SERVICE_SCHEMA_ID,
      data: { cluster: 'ops', description: 'd', ports: [80, 0], owner: 7 },
      expected: ['/spec/owner spec.owner: must be string', '/spec/ports/1 spec.ports[1]: must be >= 1'],
    },
    {
      name: 'bad cluster name is explained',
      id: SERVICE_SCHEMA_ID,
      data: { cluster: 'Ops', description: 'd' },
      expected: [
        `/spec/cluster spec.cluster: invalid name "Ops": use lower-case letters, digits, '-', '.' and '_', starting and ending with a letter or digit, at most 63 characters`,
      ],
    },
  ];

  it.each(cases)('$name', ({ id, data, expected }) => {
    const issues = describeErrors(registry.validate(id, data), '/spec', data);
    expect(issues.map((i) => `${i.pointer} ${i.message}`).sort()).toEqual(expected);
  });

  it('fills schema defaults into a valid host spec', () => {
    const spec: Json = { address: 'db-1', privateKey: { secret: 'k' } };
    expect(registry.validate(HOST_SCHEMA_ID, spec)).toEqual([]);
    expect(spec).toEqual({ address: 'db-1', privateKey: { secret: 'k' }, port: 22, user: 'root', initTimeoutSeconds: 600 });
  });
});
