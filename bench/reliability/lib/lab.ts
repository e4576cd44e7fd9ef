/**
 * The sample repo on lab hosts of the campaign's own: `driftless lab up` with a state dir and base port of its own
 * (so the quick start's 2201-2203 are never touched), and a copy of sample-repo/ pointed at those ports. Variant
 * "b" changes something in every layer (host init, image build args, machine count, nginx config, CF properties),
 * so toggling a <-> b makes every crash point land in real work: builds, rollouts, publishes, installs.
 */
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../test/harness/paths.js';
import { BIN } from './cli.js';

const run = promisify(execFile);

export interface Lab {
  stateDir: string;
  dockerHost: string;
  basePort: number;
  /** Container names of lab-1..3 (lab up may scope them to this state dir). */
  hosts: string[];
}

/** Starts (or reuses) `count` lab hosts on basePort.. and the lab registry, for this state dir. */
export async function labUp(stateDir: string, basePort: number, count = 3): Promise<Lab> {
  const { stdout } = await run(process.execPath, [BIN, 'lab', 'up', '--state-dir', stateDir, '--base-port', String(basePort), '--count', String(count), '--json'], {
    cwd: REPO_ROOT,
    maxBuffer: 16 << 20,
  });
  const res = JSON.parse(stdout) as { dockerHost: string; hosts: Array<{ name: string }> };
  return { stateDir, dockerHost: res.dockerHost, basePort, hosts: res.hosts.map((h) => h.name) };
}

/** Removes this state dir's lab hosts and machines and stops the registry it started. */
export async function labDown(lab: Lab): Promise<void> {
  await run(process.execPath, [BIN, 'lab', 'down', '--state-dir', lab.stateDir], { cwd: REPO_ROOT, env: { ...process.env, DOCKER_HOST: lab.dockerHost } }).catch(
    () => undefined,
  );
}

export type Variant = 'a' | 'b';

/** Writes sample-repo/ into `dir` for the lab's ports, as variant a (the sample as is) or b (every layer changed). */
export function writeSampleRepo(dir: string, lab: Lab, variant: Variant): void {
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(REPO_ROOT, 'sample-repo'), dir, { recursive: true });
  const edit = (file: string, f: (s: string) => string) => writeFileSync(join(dir, file), f(readFileSync(join(dir, file), 'utf8')));
  for (let i = 1; i <= 3; i++) edit(`hosts/lab-${i}.yaml`, (s) => s.replace(/port: 220\d/, `port: ${lab.basePort + i - 1}`));
  edit('cf/deployment.yaml', (s) => s.replace('127.0.0.1:2202', `127.0.0.1:${lab.basePort + 1}`));
  if (variant === 'a') return;
  for (let i = 1; i <= 3; i++) edit(`hosts/lab-${i}.yaml`, (s) => s.replace('"managed by driftless"', '"managed by driftless (b)"'));
  edit('images/web.yaml', (s) => s.replace('RELEASE: "1.0"', 'RELEASE: "1.0-b"'));
  edit('machines/lab-small.yaml', (s) => s.replace('count: 1', 'count: 2'));
  edit('nginx/feed.yaml', (s) => s.replace('workerConnections: 2048', 'workerConnections: 1024'));
  edit('cf/deployment.yaml', (s) => s.replace('domain: cf.lab', 'domain: cf-b.lab'));
}

/** `docker` CLI against the lab's engine. */
export async function docker(lab: Lab, args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('docker', args, { env: { ...process.env, DOCKER_HOST: lab.dockerHost }, timeout: timeoutMs, maxBuffer: 16 << 20 });
  return stdout;
}

/** A shell script run as root in a lab host (or machine) container. */
export function sh(lab: Lab, container: string, script: string): Promise<string> {
  return docker(lab, ['exec', container, 'bash', '-c', script]);
}
