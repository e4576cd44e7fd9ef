/**
 * OpenDCP names load as they are (issue 18.15): `expand_my_server`, `check_port`. Where a name becomes a host name
 * it is written with '-', and a Command may not take a built-in step's name now that '_' is allowed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createParams } from '../../src/drivers/aliyun/params.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { formatProblem, loadRepo } from '../../src/loader/index.js';
import { tempDir } from '../harness/tmp.js';

function repo(files: Record<string, string>): string {
  const dir = tempDir('opendcp-names');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const doc = (kind: string, name: string, spec: string) => `apiVersion: driftless.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}\n---\n`;

describe('OpenDCP names', () => {
  it('accepts names with underscores for commands, groups, templates, clusters and services', async () => {
    const dir = repo({
      'tasks.yaml':
        doc('Command', 'check_port', '  params:\n    check_times: { type: integer, default: 3 }\n  shell: echo {{ check_times }}') +
        doc('CommandGroup', 'prepare_node', '  commands: [check_port]') +
        doc('TaskTemplate', 'expand_my_server', '  steps:\n    - { name: start_service }\n    - { name: prepare_node }') +
        doc('Cluster', 'feed_cluster', '  description: x') +
        doc('Service', 'feed_web', '  cluster: feed_cluster\n  description: y'),
    });
    const load = await loadRepo(dir, { registry: createKindRegistry() });
    expect(load.problems.map(formatProblem)).toEqual([]);
    expect(load.resources.map((r) => `${r.kind}/${r.metadata.name}`)).toContain('TaskTemplate/expand_my_server');
  });

  it('refuses a Command named like a built-in step, and names that start or end with _', async () => {
    const dir = repo({
      'tasks.yaml': doc('Command', 'check_health', '  shell: "true"') + doc('Command', '_x', '  shell: "true"'),
    });
    const problems = (await loadRepo(dir, { registry: createKindRegistry() })).problems.map(formatProblem);
    expect(problems).toEqual([
      expect.stringMatching(/^tasks\.yaml:\d+:\d+: Command\/check_health: check_health is a built-in step name; a Command may not shadow it$/),
      expect.stringMatching(/^tasks\.yaml:\d+:\d+: metadata\.name: invalid name "_x": use lower-case letters, digits, '-', '\.' and '_'/),
    ]);
  });

  it('refuses params a built-in step does not take, naming what it takes (issue 18.16)', async () => {
    const dir = repo({
      'tasks.yaml': doc('TaskTemplate', 'deploy_web', '  steps:\n    - { name: create_vm, params: { vm_type_id: small, tag: v2 } }\n    - { name: start_service, params: { tag: v2 } }'),
    });
    const problems = (await loadRepo(dir, { registry: createKindRegistry() })).problems.map((p) => p.message);
    expect(problems).toEqual([
      'TaskTemplate/deploy_web: step 1 (create_vm): built-in step create_vm does not take param tag (it takes template, vm_type_id); the image and its tag come from the Pool\'s container.image (or its ImageProject)',
      'TaskTemplate/deploy_web: step 2 (start_service): built-in step start_service does not take param tag (it takes no params); the image and its tag come from the Pool\'s container.image (or its ImageProject)',
    ]);
  });

  it('writes a machine host name without underscores', () => {
    const p = createParams('cn-hangzhou', { name: 'web_pool-0', clientToken: 't', tags: {}, spec: { zone: 'z', image: 'i', instanceType: 't' } } as never, 'kp');
    expect(p).toMatchObject({ InstanceName: 'web_pool-0', HostName: 'web-pool-0' });
  });
});
