import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageProjectKind } from '../../../src/kinds/image-project/index.js';
import type { KindRegistry } from '../../../src/kinds/types.js';
import { createSchemaRegistry, loadRepo } from '../../../src/loader/index.js';
import { tempDir } from '../../harness/tmp.js';

const registry: KindRegistry = new Map([['ImageProject', imageProjectKind]]);
const schemas = createSchemaRegistry(undefined, ['common.schema.json', 'settings.schema.json', 'image-project.schema.json']);

function repoWith(yaml: string): string {
  const dir = tempDir('image-schema');
  mkdirSync(join(dir, 'images'));
  writeFileSync(join(dir, 'images', 'p.yaml'), yaml);
  return dir;
}

const head = `apiVersion: driftless.dev/v1
kind: ImageProject
metadata: { name: p }
spec:
  repository: 127.0.0.1:5000/team/p
  baseImage: 127.0.0.1:5000/base/debian:bookworm
`;

describe('ImageProject schema and validation through the loader', () => {
  it('loads the sample project with its defaults filled in', async () => {
    const dir = tempDir('image-sample');
    mkdirSync(join(dir, 'images'));
    copyFileSync('sample-repo/images/web.yaml', join(dir, 'images', 'web.yaml'));
    const out = await loadRepo(dir, { registry, schemas });
    expect(out.problems).toEqual([]);
    expect(out.resources.map((r) => `${r.kind}/${r.metadata.name}`)).toEqual(['ImageProject/feed-web']);
    expect((out.resources[0]!.spec as { tag: unknown }).tag).toEqual({ fixed: '1.0' });
  });

  it.each<[string, string, RegExp]>([
    ['empty steps', '  dockerfile: { steps: [] }\n', /steps/],
    ['bad EXPOSE protocol', '  dockerfile: { steps: [{ EXPOSE: ["80/http"] }] }\n', /EXPOSE/],
    ['EXPOSE port out of range', '  dockerfile: { steps: [{ EXPOSE: ["70000"] }] }\n', /bad EXPOSE entry "70000"/],
    ['two Dockerfile definitions', '  dockerfile: { inline: "FROM x", steps: [{ RUN: "true" }] }\n', /dockerfile/],
    ['two instructions in one step', '  dockerfile: { steps: [{ RUN: "a", WORKDIR: /x }] }\n', /steps\/0|steps\[0\]|more than 1/],
    ['plain-text registry password', '  dockerfile: { inline: "FROM x" }\n  registryAuth: { username: u, password: hunter22 }\n', /plain-text secret not allowed/],
    ['COPY without media', '  dockerfile: { steps: [{ COPY: { src: a, dest: /a } }] }\n', /spec.media is not set/],
  ])('%s is a problem with a position', async (_name, tail, message) => {
    const out = await loadRepo(repoWith(head + tail), { registry, schemas });
    expect(out.problems.length).toBeGreaterThan(0);
    expect(out.problems.map((p) => p.message).join('\n')).toMatch(message);
    expect(out.problems.every((p) => p.file.endsWith('p.yaml') && p.line > 0)).toBe(true);
    expect(out.problems.map((p) => p.message).join('\n')).not.toContain('hunter22');
  });
});
