/**
 * Problems found when the repo is loaded, before anything runs: an undefined {{param}} in a command, templates
 * that break OpenDCP's rules, a pool whose image cannot be known, a group shadowing a built-in.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKindRegistry } from '../../../src/kinds/registry.js';
import { formatProblem, loadRepo } from '../../../src/loader/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const BASE = `
apiVersion: driftless.dev/v1
kind: Cluster
metadata: { name: feed }
spec: { description: feed }
---
apiVersion: driftless.dev/v1
kind: Service
metadata: { name: api }
spec: { cluster: feed, description: api }
---
apiVersion: driftless.dev/v1
kind: Host
metadata: { name: h1, labels: { role: app } }
spec: { address: 127.0.0.1, port: 2222, privateKey: { secret: key } }
`;

async function problemsOf(yaml: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'driftless-pool-validate-'));
  dirs.push(dir);
  await writeFile(join(dir, 'all.yaml'), BASE + yaml);
  const result = await loadRepo(dir, { registry: createKindRegistry() });
  return result.problems.map(formatProblem);
}

const pool = (extra: string) => `
---
apiVersion: driftless.dev/v1
kind: Pool
metadata: { name: web }
spec:
  service: api
  hosts: { selector: { role: app } }
  container: { image: debian:bookworm }
${extra}`;

describe('pool validation at load time', () => {
  it('a clean pool with default templates has no problems', async () => {
    expect(await problemsOf(pool(''))).toEqual([]);
  });

  it('refuses stacking nodes of a host-network pool on one host when a port is checked (issue 18.17)', async () => {
    const yaml = pool('  mode: fixed\n  replicas: 4\n  maxPerHost: 2\n  healthCheck: { tcp: { port: 8080 } }');
    const problems = await problemsOf(yaml);
    // At the field's own line (issue 18.12), not the document's start.
    const line = (BASE + yaml).split('\n').findIndex((l) => l.includes('maxPerHost: 2')) + 1;
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^all\\.yaml:${line}:\\d+: Pool/web: maxPerHost 2 with host networking: nodes on one host would all bind port 8080`))]);
    expect(await problemsOf(pool('  mode: fixed\n  replicas: 4\n  healthCheck: { tcp: { port: 8080 } }'))).toEqual([]);
  });

  it('reports an undefined parameter in a command at the template that uses it', async () => {
    const problems = await problemsOf(`
---
apiVersion: driftless.dev/v1
kind: Command
metadata: { name: say }
spec: { params: { word: { type: string } }, shell: "echo {{ word }} {{ colour }}" }
---
apiVersion: driftless.dev/v1
kind: CommandGroup
metadata: { name: say }
spec: { commands: [say] }
---
apiVersion: driftless.dev/v1
kind: TaskTemplate
metadata: { name: expand-web }
spec: { steps: [{ name: start_service }, { name: say, params: { word: hi } }] }
${pool('  tasks: { expand: expand-web }')}`);
    expect(problems.some((p) => /TaskTemplate\/expand-web: step say, Command\/say: .*near "\{\{ colour \}\}"/.test(p))).toBe(true);
  });

  it('enforces template shapes and pool rules', async () => {
    const problems = await problemsOf(`
---
apiVersion: driftless.dev/v1
kind: TaskTemplate
metadata: { name: bad-shrink }
spec: { steps: [{ name: return_vm }, { name: stop_service }] }
---
apiVersion: driftless.dev/v1
kind: TaskTemplate
metadata: { name: no-start }
spec: { steps: [{ name: register }] }
---
apiVersion: driftless.dev/v1
kind: CommandGroup
metadata: { name: register }
spec: { commands: [nothing] }
${pool('  mode: fixed\n  tasks: { shrink: bad-shrink, expand: no-start }\n  container: { image: { project: missing } }\n  healthCheck: { command: "curl {{ node.adress }}" }').replace('  container: { image: debian:bookworm }\n', '')}`);
    const text = problems.join('\n');
    expect(text).toContain('tasks.expand (TaskTemplate/no-start): the expand template must contain start_service');
    expect(text).toContain('tasks.shrink (TaskTemplate/bad-shrink): return_vm may only be the last step of a shrink template');
    expect(text).toContain('replicas is required in fixed mode');
    expect(text).toContain('spec.container.image.project: ImageProject/missing is not declared');
    expect(text).toContain('healthCheck.command: render template string');
    expect(text).toContain('register is a built-in step name; a CommandGroup may not shadow it');
  });
});
