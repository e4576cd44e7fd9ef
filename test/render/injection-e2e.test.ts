/**
 * Issue 19 item 1 end to end: a config author with push rights writes template payloads into a Pool's health
 * check, a Command and an NginxConfig. `driftless validate` must report them as problems at their file:line and
 * run none of them (before the fix, the health check ran its payload during validate); rendering the unit, as a
 * plan does, must stop with a Stalled render error and run nothing either.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StalledError } from '../../src/errors.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { renderUnit } from '../../src/kinds/nginx-unit/render.js';
import type { NginxUnitSpec } from '../../src/kinds/nginx-unit/spec.js';
import type { KindContext } from '../../src/kinds/types.js';
import { loadRepo } from '../../src/loader/index.js';
import type { Resource } from '../../src/model/resource.js';
import { createResourceIndex } from '../../src/reconcile/runtime.js';
import { runCli } from '../harness/cli.js';
import { tempDir } from '../harness/tmp.js';

/** A template expression that, if evaluated by nunjucks, writes `marker` and yields "x". */
const payload = (via: string, marker: string) => `{{ ${via}("process.getBuiltinModule('fs').writeFileSync('${marker}', 'ran'); return 'x'")() }}`;

function repo(dir: string, markers: { pool: string; command: string; nginx: string; nginxRuntime: string }): void {
  writeFileSync(
    join(dir, 'all.yaml'),
    `apiVersion: driftless.dev/v1
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
---
apiVersion: driftless.dev/v1
kind: Command
metadata: { name: evil }
spec:
  shell: >-
    echo ${payload('cycler.constructor', markers.command)}
---
apiVersion: driftless.dev/v1
kind: CommandGroup
metadata: { name: evil }
spec: { commands: [evil] }
---
apiVersion: driftless.dev/v1
kind: TaskTemplate
metadata: { name: expand-web }
spec: { steps: [{ name: start_service }, { name: evil }] }
---
apiVersion: driftless.dev/v1
kind: Pool
metadata: { name: web }
spec:
  service: api
  hosts: { selector: { role: app } }
  container: { image: debian:bookworm }
  tasks: { expand: expand-web }
  healthCheck:
    command: >-
      ${payload('range.constructor', markers.pool)}
---
apiVersion: driftless.dev/v1
kind: NginxGroup
metadata: { name: edge }
spec: { description: edge, owner: ops }
---
apiVersion: driftless.dev/v1
kind: NginxConfig
metadata: { name: evil-main }
spec:
  file: nginx.conf
  content: |
    worker_processes 1;
    ${payload('joiner.constructor', markers.nginx)}
---
apiVersion: driftless.dev/v1
kind: NginxConfig
metadata: { name: evil-runtime }
spec:
  file: nginx.conf
  content: |
    worker_processes 1;
    ${payload('range["constr" ~ "uctor"]', markers.nginxRuntime)}
`,
  );
}

describe('template payloads in a config repo', () => {
  it('validate reports them at file:line and runs none', async () => {
    const dir = tempDir('inject-repo');
    const out = tempDir('inject-out');
    const markers = { pool: join(out, 'pool'), command: join(out, 'command'), nginx: join(out, 'nginx'), nginxRuntime: join(out, 'nginx-runtime') };
    repo(dir, markers);
    // From the sources (tsx), not the shared esbuild bundle cache: the test must exercise this checkout's code.
    const r = await runCli(['validate', dir, '--state-dir', tempDir('inject-state')], { env: { DRIFTLESS_NO_BUNDLE: '1' } });
    expect(Object.values(markers).filter((m) => existsSync(m)), 'payloads that ran').toEqual([]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/all\.yaml:\d+:\d+: .*Pool\/web.*healthCheck\.command: .*is not a name/);
    expect(r.stdout).toMatch(/all\.yaml:\d+:\d+: .*TaskTemplate\/expand-web: step evil, Command\/evil: .*is not a name/);
    expect(r.stdout).toMatch(/all\.yaml:\d+:\d+: .*NginxConfig\/evil-main: content: .*access to "constructor" is not allowed/);
    expect(r.stdout).toContain('nothing was applied');
  });

  it('rendering a unit (as plan does) stops with a Stalled render error and runs nothing', async () => {
    const dir = tempDir('inject-repo');
    const out = tempDir('inject-out');
    const markers = { pool: join(out, 'pool'), command: join(out, 'command'), nginx: join(out, 'nginx'), nginxRuntime: join(out, 'nginx-runtime') };
    repo(dir, markers);
    const loaded = await loadRepo(dir, { registry: createKindRegistry() });
    const unit: Resource<NginxUnitSpec> = {
      apiVersion: 'driftless.dev/v1',
      kind: 'NginxUnit',
      metadata: { name: 'edge-unit' },
      spec: { group: 'edge', hosts: { selector: { role: 'app' } }, configs: ['evil-runtime'] } as NginxUnitSpec,
      source: { file: 'all.yaml', line: 1, col: 1 },
    };
    const ctx = { resources: createResourceIndex([...loaded.resources, unit]), repoDir: dir } as unknown as KindContext;
    const err = await renderUnit(unit, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StalledError);
    expect((err as Error).message).toMatch(/NginxConfig\/evil-runtime: render template string: .*access to "constructor" is not allowed/);
    expect(Object.values(markers).filter((m) => existsSync(m)), 'payloads that ran').toEqual([]);
  });
});
