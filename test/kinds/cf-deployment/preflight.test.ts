/**
 * Checks before anything runs, on three real hosts: a host below a component's minimum or without the user stalls
 * the plan and the apply, naming host, component and resource, and nothing is installed; the seed's own example
 * config (addresses replaced by the test hosts) imports, passes the loader (schema + kind validation) and plans
 * every one of its 19 instances in an order the engine can run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StalledError } from '../../../src/errors.js';
import { importEngineConfig } from '../../../src/kinds/cf-deployment/import.js';
import { createKindRegistry } from '../../../src/kinds/registry.js';
import { API_VERSION } from '../../../src/model/resource.js';
import { loadChecked } from '../../../src/reconcile/check.js';
import { removeTempDir, tempDir } from '../../harness/tmp.js';
import { createCfWorld, RELEASE_DIR, type CfWorld } from './fixture.js';

let w: CfWorld;

beforeAll(async () => {
  w = await createCfWorld(3, 'cfpre');
});

afterAll(async () => {
  await w?.close();
});

const nothingInstalled = async (host: number): Promise<void> => {
  expect((await w.sh(host, 'ls /var/vcap/jobs 2>/dev/null; test -e /var/vcap/install-order && echo order; true')).trim()).toBe('');
};

describe('pre-flight checks on real hosts', () => {
  it('stalls a host below a component minimum before anything is installed, naming host, component and resource', async () => {
    const [h1, h2] = w.hostNames as [string, string];
    const dep = w.deployment('small', {
      components: { nats: [h1], dea: { hosts: [h2], minimums: { memoryMiB: 99_999_999 } } },
    });
    const plan = await w.plan(dep).then(() => undefined, (e: unknown) => e);
    expect(plan).toBeInstanceOf(StalledError);
    expect((plan as Error).message).toMatch(new RegExp(`host ${h2} \\(127\\.0\\.0\\.1\\), component dea: memory \\d+ MiB below the minimum of 99999999 MiB`));
    expect((plan as Error).message).not.toMatch(`component nats`);
    const apply = await w.converge(dep).then(() => undefined, (e: unknown) => e);
    expect(apply).toBeInstanceOf(StalledError);
    expect((apply as Error).message).toMatch(/nothing (was|will be) installed/);
    await nothingInstalled(0);
    await nothingInstalled(1);
  });

  it('checks node disk (disksize GB, when checkdisk) and a missing user when adduser is off', async () => {
    const [h1] = w.hostNames as [string];
    const dep = w.deployment('small', {
      components: { nats: [h1] },
      properties: { domain: 'cf.test', disksize: 100_000_000, checkdisk: true, adduser: false, user: 'nobody9' },
    });
    const err = (await w.plan(dep).then(() => undefined, (e: unknown) => e)) as Error;
    expect(err.message).toMatch(new RegExp(`host ${h1} \\(127\\.0\\.0\\.1\\), component nats: disk \\d+ MiB below the minimum of 102400000000 MiB`));
    expect(err.message).toMatch(new RegExp(`host ${h1} \\(127\\.0\\.0\\.1\\), component nats: user nobody9 does not exist and adduser is off`));
    const noDiskCheck = w.deployment('small', {
      components: { nats: [h1] },
      properties: { domain: 'cf.test', disksize: 100_000_000, checkdisk: false, adduser: true, user: 'nobody9' },
    });
    expect((await w.plan(noDiskCheck)).diff.action).toBe('create');
    await nothingInstalled(0);
  });

  it("imports the seed's example config, validates it with the loader and plans all 19 instances", async () => {
    let text = readFileSync('test/fixtures/cf-engine-config.json', 'utf8');
    const doc = JSON.parse(text) as { components: Record<string, string[]> };
    for (const list of Object.values(doc.components)) {
      list.forEach((addr, i) => (text = text.replace(`"${addr}"`, `"${w.addressOf(i)}"`)));
    }
    const imported = importEngineConfig(text, { name: 'seed', releaseDir: RELEASE_DIR, version: 'v194' });
    expect(imported.spec.properties.password).toEqual({ secret: 'cf-user-password' });
    expect(imported.yaml).not.toMatch(/123456|password: password/);

    const repo = tempDir('cf-seed-');
    await mkdir(join(repo, 'cf'), { recursive: true });
    await writeFile(join(repo, 'cf', 'seed.yaml'), imported.yaml);
    // The loader checks that release.dir exists inside the repo: the repo carries the release, as a real one does.
    cpSync(RELEASE_DIR, join(repo, RELEASE_DIR), { recursive: true });
    const hostsYaml = w.th.hosts
      .map((h) => `apiVersion: ${API_VERSION}\nkind: Host\nmetadata: { name: ${h.name} }\nspec: { address: ${h.address}, port: ${h.port}, privateKey: { secret: k } }\n`)
      .join('---\n');
    await writeFile(join(repo, 'hosts.yaml'), hostsYaml);
    const load = await loadChecked(repo, createKindRegistry());
    expect(load.problems).toEqual([]);
    expect(load.resources.map((r) => r.kind).sort()).toEqual(['CFDeployment', 'Host', 'Host', 'Host']);
    removeTempDir(repo);

    const dep = w.deployment('seed', { ...imported.spec, update: { canaries: 1, maxInFlight: 1 } });
    const { diff, observed } = await w.plan(dep);
    expect(diff.action).toBe('create');
    const install = diff.changes.find((c) => c.path === 'instances.install')?.after as string[];
    expect(install).toHaveLength(19);
    expect(install).toContain(`uaa_2@${w.hostNames[2]}`);
    expect(observed.preflight).toEqual([]);
  });
});
