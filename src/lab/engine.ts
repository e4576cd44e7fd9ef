/**
 * Finds or starts the Docker engine the lab (tests, quick start) runs its hosts on. A reachable engine is reused
 * as is; otherwise a private dockerd is started on its own socket, bridge and data dir so it never touches the
 * system engine, and its data dir survives between runs so the host image cache is kept.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface EngineOptions {
  /** Directory holding the private engine's socket, data, exec root, pid file and log. */
  baseDir?: string;
  /** Name of the bridge the private engine attaches containers to (created when missing). */
  bridge?: string;
  /** Address/prefix of that bridge; must not overlap the host's routes. */
  bridgeCidr?: string;
  /** How long to wait for a started dockerd to answer a ping. */
  readyTimeoutMs?: number;
  /** Skip DOCKER_HOST and /var/run/docker.sock and always use the private engine (tests of this path). */
  forcePrivate?: boolean;
}

export interface EngineHandle {
  socketPath: string;
  /** Value for DOCKER_HOST, e.g. `unix:///var/tmp/driftless-dockerd/docker.sock`. */
  dockerHost: string;
  /** True only when this call spawned dockerd; only then does stop() do anything. */
  started: boolean;
  /**
   * Stops a dockerd this call started, unless containers still run on it: another run (or `lab up`) may have
   * found and reused it, and stopping would pull the floor from under them. `force` stops regardless.
   */
  stop(opts?: { force?: boolean }): Promise<void>;
}

export const DEFAULT_ENGINE_DIR = '/var/tmp/driftless-dockerd';
const DEFAULT_BRIDGE = 'dlbr0';
const DEFAULT_BRIDGE_CIDR = '10.213.0.1/24';

/** Returns the engine to use, starting a private dockerd only when no engine answers. */
export async function ensureDockerEngine(opts: EngineOptions = {}): Promise<EngineHandle> {
  if (!opts.forcePrivate) {
    const fromEnv = socketFromDockerHost(process.env.DOCKER_HOST);
    if (fromEnv && (await pings(fromEnv))) return reused(fromEnv);
    if (await pings('/var/run/docker.sock')) return reused('/var/run/docker.sock');
  }
  const baseDir = opts.baseDir ?? DEFAULT_ENGINE_DIR;
  const socketPath = join(baseDir, 'docker.sock');
  if (await pings(socketPath)) {
    try {
      pinBridgeAddress(opts.bridge ?? DEFAULT_BRIDGE); // a bridge made by an older version has a drifting address
    } catch {
      // not root (the socket is shared with us): the engine still works, only with the old, drifting address
    }
    return reused(socketPath);
  }
  return startPrivateEngine(baseDir, socketPath, opts);
}

/** Whether an engine answers a ping on this unix socket. */
export async function pings(socketPath: string, timeoutMs = 3000): Promise<boolean> {
  if (!existsSync(socketPath)) return false;
  try {
    const { default: Docker } = await import('dockerode'); // imported on use: the daemon only needs DEFAULT_ENGINE_DIR
    await new Docker({ socketPath, timeout: timeoutMs }).ping();
    return true;
  } catch {
    return false;
  }
}

function socketFromDockerHost(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.startsWith('unix://')) return value.slice('unix://'.length);
  return undefined;
}

function reused(socketPath: string): EngineHandle {
  return { socketPath, dockerHost: `unix://${socketPath}`, started: false, stop: async () => undefined };
}

async function startPrivateEngine(baseDir: string, socketPath: string, opts: EngineOptions): Promise<EngineHandle> {
  if (!commandExists('dockerd')) {
    throw new Error('no docker engine answers and dockerd is not installed; run scripts/setup.sh (installs docker.io)');
  }
  const pidFile = join(baseDir, 'docker.pid');
  await killStale(pidFile);
  const bridge = opts.bridge ?? DEFAULT_BRIDGE;
  ensureBridge(bridge, opts.bridgeCidr ?? DEFAULT_BRIDGE_CIDR);
  const neighbour = otherDockerdRunning();
  if (neighbour) allowBridgeForwarding(bridge);
  for (const dir of ['data', 'exec']) mkdirSync(join(baseDir, dir), { recursive: true });
  const logPath = join(baseDir, 'dockerd.log');
  const log = openSync(logPath, 'a');
  const args = [
    '--host', `unix://${socketPath}`,
    '--data-root', join(baseDir, 'data'),
    '--exec-root', join(baseDir, 'exec'),
    '--pidfile', pidFile,
    '--bridge', bridge,
    ...(neighbour ? ['--iptables=false'] : []),
  ];
  const child = spawn('dockerd', args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `code ${code ?? '-'} signal ${signal ?? '-'}`));
  child.once('error', (err) => (exited = err.message));
  child.unref();
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (!(await pings(socketPath, 1000))) {
    if (exited !== undefined) {
      throw new Error(`dockerd exited before it was ready (${exited}); see ${logPath}:\n${tail(logPath)}`);
    }
    if (Date.now() > deadline) {
      stopPid(child.pid);
      throw new Error(`dockerd did not answer on ${socketPath} in time; see ${logPath}:\n${tail(logPath)}`);
    }
    await delay(200);
  }
  const pid = child.pid;
  return {
    socketPath,
    dockerHost: `unix://${socketPath}`,
    started: true,
    stop: async ({ force = false } = {}) => {
      if (pid === undefined) return;
      if (!force && (await busy(socketPath))) return;
      stopPid(pid);
      await waitGone(pid, 30_000);
    },
  };
}

async function busy(socketPath: string): Promise<boolean> {
  try {
    const { default: Docker } = await import('dockerode');
    return (await new Docker({ socketPath, timeout: 5000 }).listContainers()).length > 0;
  } catch {
    return false;
  }
}

/** A private bridge keeps our containers off docker0, which another engine on this machine may own. */
function ensureBridge(name: string, cidr: string): void {
  if (spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status !== 0) {
    ip(name, ['link', 'add', name, 'type', 'bridge']);
    ip(name, ['addr', 'add', cidr, 'dev', name]);
    ip(name, ['link', 'set', name, 'up']);
  }
  pinBridgeAddress(name);
}

function ip(bridge: string, args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not set up bridge ${bridge}: ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}

/**
 * A Linux bridge whose MAC address was never set takes the lowest MAC of its ports, so it changes whenever a
 * container's veth comes or goes. Containers keep the gateway's old MAC in their ARP cache and their packets to it
 * are dropped until the entry is probed again: an SSH reply from a lab host then arrives only on a TCP
 * retransmission 15-110 s later (what stalled the rollout bench). Docker sets an address on docker0 for this
 * reason; our bridge gets a fixed, locally administered one derived from its name.
 */
export function pinBridgeAddress(name: string): void {
  let assignType: string;
  try {
    assignType = readFileSync(`/sys/class/net/${name}/addr_assign_type`, 'utf8').trim();
  } catch {
    return; // no such bridge (or no sysfs): nothing to pin
  }
  if (assignType === '3') return; // NET_ADDR_SET: already set by someone
  ip(name, ['link', 'set', 'dev', name, 'address', bridgeMac(name)]);
}

/** 02:xx:xx:xx:xx:xx (locally administered, unicast) from a hash of the bridge's name. */
export function bridgeMac(name: string): string {
  const bytes = createHash('sha256').update(`driftless-bridge:${name}`).digest().subarray(0, 5);
  return ['02', ...[...bytes].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/**
 * Every dockerd flushes the shared DOCKER iptables chains when it starts, which would break another engine's
 * published ports; beside another engine ours therefore runs with --iptables=false.
 */
function otherDockerdRunning(): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => isDockerd(Number(pid)));
}

/** Without its own iptables rules the bridge still needs forwarding allowed when another engine set FORWARD to DROP. */
function allowBridgeForwarding(bridge: string): void {
  for (const dir of ['-i', '-o']) {
    const rule = ['FORWARD', dir, bridge, '-j', 'ACCEPT'];
    if (spawnSync('iptables', ['-C', ...rule], { stdio: 'ignore' }).status === 0) continue;
    const r = spawnSync('iptables', ['-I', ...rule], { encoding: 'utf8' });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (r.status !== 0) throw new Error(`could not allow forwarding on ${bridge}: ${r.stderr.trim()}`);
  }
}

/** A dockerd of ours whose socket no longer answers is killed so a fresh one can take the pid file. */
async function killStale(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !isDockerd(pid)) return;
  stopPid(pid, 'SIGKILL');
  await waitGone(pid, 10_000);
}

function isDockerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.endsWith('dockerd') ?? false;
  } catch {
    return false;
  }
}

function commandExists(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function stopPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && isDockerd(pid)) {
    if (Date.now() > deadline) {
      stopPid(pid, 'SIGKILL');
      return;
    }
    await delay(100);
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
