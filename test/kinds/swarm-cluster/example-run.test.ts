/**
 * The README's "Run the example" path for Docker Swarm, through the real CLI: `lab up --swarm` starts three hosts
 * with their own engines and relays the lab registry to them, `apply` of sample-repo/examples/swarm builds the
 * image, forms the swarm, runs the pool as a Swarm service and nginx on swarm-1 in one run, a request through that
 * nginx is answered by the service, and `lab down` removes every container the lab made. The example's files are
 * used as they are, except the host ports (2211-2213) and the registry port (5000), moved to free ones so this
 * never meets a developer's lab, the quick start or another test (its own state dir and container prefix too).
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LAB_STATE_LABEL, stateTag } from '../../../src/lab/scope.js';
import { REPO_ROOT, runCli } from '../../harness/cli.js';
import { labDocker } from '../../harness/docker.js';
import { linkSeedTemplate } from '../../harness/registry-seed.js';
import { tempDir } from '../../harness/tmp.js';

const stateDir = tempDir('swarm-example-state');
const prefix = `swex-${process.pid}`;
const docker = labDocker();
const mine = async () => docker.listContainers({ all: true, filters: { label: [`${LAB_STATE_LABEL}=${stateTag(stateDir)}`] } });

afterAll(async () => {
  await runCli(['lab', 'down', '--state-dir', stateDir]);
}, 120_000);

const free = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** A free run of four loopback ports: three hosts and the registry. */
async function freePorts(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await Promise.all([0, 1, 2, 3].map((i) => free(base + i)))).every(Boolean)) return base;
  }
  throw new Error('no four consecutive free ports found');
}

/** The example copied as is, with only its host ports and registry port replaced; returns the repo dir. */
function exampleOnPorts(base: number, registryPort: number): string {
  const dir = join(tempDir('swarm-example'), 'repo');
  cpSync(join(REPO_ROOT, 'sample-repo', 'examples', 'swarm'), dir, { recursive: true });
  let replaced = 0;
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8')
      .replace(/^( {2}port: )(221[1-3])$/gm, (_, head: string, port: string) => (replaced++, `${head}${base + Number(port) - 2211}`))
      .replace(/127\.0\.0\.1:5000\//g, () => (replaced++, `127.0.0.1:${registryPort}/`));
    writeFileSync(path, text);
  }
  expect(replaced).toBe(5); // three host ports, the image's repository and base image
  return dir;
}

it('lab up --swarm, one apply of the example, a request through nginx, lab down removes it all', async () => {
  const base = await freePorts();
  const registryPort = base + 3;
  const repo = exampleOnPorts(base, registryPort);
  await linkSeedTemplate(join(stateDir, 'lab', 'registry', 'data'), 'base/debian'); // base image push: a manifest

  const up = await runCli(['lab', 'up', '--swarm', '--prefix', prefix, '--base-port', String(base), '--registry-port', String(registryPort), '--state-dir', stateDir, '--json']);
  expect(up.code, up.stderr).toBe(0);
  const lab = JSON.parse(up.stdout) as { hosts: Array<{ name: string; port: number; containerId: string }> };
  expect(lab.hosts.map((h) => [h.name, h.port])).toEqual([1, 2, 3].map((i) => [`${prefix}-${i}`, base + i - 1]));
  expect(up.stderr).toMatch(new RegExp(`registry relay \\S+:${registryPort} -> 127\\.0\\.0\\.1:${registryPort}`));

  const apply = await runCli(['apply', repo, '--yes', '--state-dir', stateDir]);
  expect(apply.code, apply.stdout + apply.stderr).toBe(0);
  expect(apply.stdout).toMatch(/Apply succeeded/);
  const again = await runCli(['plan', repo, '--state-dir', stateDir]);
  expect(again.stdout, again.stderr).toMatch(/^No changes\./m);

  // nginx on swarm-1 (listen 8091), reached at the host's bridge address, answers with the service's page.
  const info = await docker.getContainer(lab.hosts[0]!.containerId).inspect();
  const ip = Object.values(info.NetworkSettings.Networks)[0]!.IPAddress;
  const res = await fetch(`http://${ip}:8091/`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  expect(await res.text()).toMatch(/^feed web \d{4}$/m);

  const before = await mine();
  expect(before.map((c) => c.Names[0]).sort()).toEqual([...[1, 2, 3].map((i) => `/${prefix}-${i}`), `/${prefix}-registry-forward`].sort());
  const down = await runCli(['lab', 'down', '--state-dir', stateDir]);
  expect(down.code, down.stderr).toBe(0);
  expect(await mine()).toEqual([]);
  // The hosts' /var/lib/docker volumes (the swarm's services and images) went with them.
  const volumes = before.flatMap((c) => c.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name));
  expect(volumes.length).toBe(3);
  const left = (await docker.listVolumes()).Volumes.map((v) => v.Name);
  expect(left.filter((v) => volumes.includes(v))).toEqual([]);
}, 420_000);
