/**
 * Builds the base image of lab hosts: Debian bookworm (debootstrap, since no registry can be pulled from) with sshd
 * and the tools kinds drive on a real host. The tag is a hash of what goes in, so the image is built once per
 * content change and then reused from the engine's cache.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { withFileLock } from './lock.js';

/** Packages baked into every lab host; python3 + python3-apt are what ansible needs on the managed side. */
export const HOST_PACKAGES: readonly string[] = [
  'openssh-server',
  'python3',
  'python3-apt',
  'nginx-light',
  'monit',
  'procps',
  'iproute2',
  'curl',
  'ca-certificates',
  'sudo',
  'tar',
  'gzip',
  'xz-utils',
  'rsync',
  'netcat-openbsd',
  // git-upload-pack / git-receive-pack: lab hosts can serve Git repos over SSH (the ssh Git source tests).
  'git',
  // dockerd for hosts started with ownEngine (each host runs its own engine, like a real machine); idle otherwise.
  'docker.io',
];

export const HOST_IMAGE_REPO = 'driftless-host';
const SUITE = 'bookworm';
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/**
 * The container entrypoint: a host key is generated only when missing so a restarted container keeps its key,
 * the authorized key comes from the environment, and executables in /etc/lab-init.d run first so tests can
 * start extra daemons (nginx, monit) before sshd takes over.
 */
export const LAB_INIT_SCRIPT = `#!/bin/sh
set -eu
if ! ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then ssh-keygen -A >/dev/null; fi
mkdir -p /run/sshd /root/.ssh
chmod 700 /root/.ssh
if [ -n "\${AUTHORIZED_KEYS:-}" ]; then
  printf '%s\\n' "$AUTHORIZED_KEYS" > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
for hook in /etc/lab-init.d/*; do
  if [ -x "$hook" ]; then "$hook"; fi
done
exec /usr/sbin/sshd -D -e
`;

const SSHD_CONFIG = `PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
`;

/** Runs inside the debootstrapped tree (chroot) before it is imported. */
const SETUP_SCRIPT = `set -eu
mkdir -p /etc/lab-init.d /etc/ssh/sshd_config.d
chmod 755 /usr/local/sbin/lab-init
rm -f /etc/ssh/ssh_host_*
rm -f /etc/machine-id && : > /etc/machine-id
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
`;

export interface HostImageOptions {
  /** Debian mirror; defaults to DRIFTLESS_DEBIAN_MIRROR or deb.debian.org. Not part of the tag. */
  mirror?: string;
  /** Where rootfs trees and the build lock live. */
  buildDir?: string;
  /** Progress lines (the build takes about a minute). */
  onLog?: (line: string) => void;
}

/** The tag for the current package list and setup; changes whenever either does. */
export function hostImageRef(): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ suite: SUITE, packages: HOST_PACKAGES, init: LAB_INIT_SCRIPT, sshd: SSHD_CONFIG, setup: SETUP_SCRIPT }))
    .digest('hex')
    .slice(0, 16);
  return `${HOST_IMAGE_REPO}:${hash}`;
}

/** Returns the image ref, building it first when the engine lacks it; concurrent builders wait on one lock. */
export async function ensureHostImage(docker: Docker, opts: HostImageOptions = {}): Promise<string> {
  const ref = hostImageRef();
  if (await imageExists(docker, ref)) return ref;
  const buildDir = opts.buildDir ?? '/var/tmp/driftless-build';
  mkdirSync(buildDir, { recursive: true });
  await withFileLock(join(buildDir, 'build.lock'), 20 * 60_000, async () => {
    if (await imageExists(docker, ref)) return;
    await buildImage(docker, ref, buildDir, opts);
  });
  return ref;
}

async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

async function buildImage(docker: Docker, ref: string, buildDir: string, opts: HostImageOptions): Promise<void> {
  const log = opts.onLog ?? (() => undefined);
  const rootfs = join(buildDir, `rootfs-${ref.split(':')[1]}`);
  rmSync(rootfs, { recursive: true, force: true });
  const mirror = opts.mirror ?? process.env.DRIFTLESS_DEBIAN_MIRROR ?? DEFAULT_MIRROR;
  try {
    log(`debootstrap ${SUITE} into ${rootfs} (about a minute)`);
    await run('debootstrap', ['--variant=minbase', `--include=${HOST_PACKAGES.join(',')}`, SUITE, rootfs, mirror]);
    writeFileSync(join(rootfs, 'usr/local/sbin/lab-init'), LAB_INIT_SCRIPT, { mode: 0o755 });
    mkdirSync(join(rootfs, 'etc/ssh/sshd_config.d'), { recursive: true });
    writeFileSync(join(rootfs, 'etc/ssh/sshd_config.d/lab.conf'), SSHD_CONFIG);
    await run('chroot', [rootfs, '/bin/sh', '-c', SETUP_SCRIPT]);
    log(`importing ${ref}`);
    await importTree(docker, rootfs, ref);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

async function importTree(docker: Docker, rootfs: string, ref: string): Promise<void> {
  const [repo, tag] = ref.split(':');
  const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarErr = '';
  tar.stderr.on('data', (c: Buffer) => (tarErr += c.toString()));
  const tarDone = new Promise<number>((resolve) => tar.once('close', (code) => resolve(code ?? 1)));
  const stream = await docker.importImage(tar.stdout, {
    repo,
    tag,
    changes: ['CMD ["/usr/local/sbin/lab-init"]', 'ENV LANG=C.UTF-8'],
  } as unknown as Record<string, unknown>);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
      const failed = events?.find((e) => e.error);
      if (err || failed) reject(new Error(`docker import of ${ref} failed: ${err?.message ?? failed?.error}`, { cause: err }));
      else resolve();
    });
  });
  const code = await tarDone;
  if (code !== 0) throw new Error(`tar of ${rootfs} failed (exit ${code}): ${tarErr.trim()}`);
}

/** Runs a build step, keeping the tail of its output for the error message. */
function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    let out = '';
    const keep = (c: Buffer): void => {
      out = (out + c.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => reject(new Error(`could not run ${cmd}: ${err.message}`, { cause: err })));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} failed (exit ${code}):\n${out.split('\n').slice(-20).join('\n')}`));
    });
  });
}
