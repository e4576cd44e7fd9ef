/**
 * Lab hosts that run their OWN Docker engine, like real machines: dockerd (docker.io from the host image) is
 * started by an /etc/lab-init.d hook before sshd, on a per-host volume for /var/lib/docker. On this kind of
 * machine `--privileged` fails (two capabilities are outside the bounding set), so the host gets exactly the
 * capabilities and unconfined profiles dockerd needs, plus the cgroup tree. Registries the inner engine must
 * reach over plain HTTP (a test registry on the bridge gateway) are listed as insecure.
 */
import type { TarFile } from './tar.js';

export interface OwnEngineOptions {
  /** `host:port` of registries the inner engine speaks plain HTTP to, e.g. one on the Docker bridge gateway. */
  insecureRegistries?: string[];
}

/** Where dockerd's output goes inside the host, for diagnosing a host whose engine did not come up. */
export const OWN_ENGINE_LOG = '/var/log/lab-dockerd.log';

/** Hook run by lab-init: writes daemon.json, starts dockerd, waits (bounded) until it answers. */
const DOCKERD_HOOK = `#!/bin/sh
mkdir -p /etc/docker
list=""
for r in $(echo "\${LAB_INSECURE_REGISTRIES:-}" | tr ',' ' '); do list="$list\${list:+,}\\"$r\\""; done
printf '{"insecure-registries": [%s]}\\n' "$list" > /etc/docker/daemon.json
rm -f /var/run/docker.pid /run/docker/containerd/containerd.pid
dockerd --host=unix:///var/run/docker.sock >${OWN_ENGINE_LOG} 2>&1 &
i=0
while [ $i -lt 600 ]; do
  if /usr/bin/docker version >/dev/null 2>&1; then exit 0; fi
  i=$((i+1)); sleep 0.1
done
echo "lab dockerd did not answer within 60 s" >&2
exit 0
`;

/** The container settings a lab host with its own engine needs; merged into its create call by hosts.ts. */
export function ownEngineSettings(opts: OwnEngineOptions): {
  env: string[];
  volumes: Record<string, object>;
  hostConfig: { CapAdd: string[]; SecurityOpt: string[]; MaskedPaths: string[]; ReadonlyPaths: string[]; Binds: string[] };
  files: TarFile[];
} {
  return {
    env: [`LAB_INSECURE_REGISTRIES=${(opts.insecureRegistries ?? []).join(',')}`],
    volumes: { '/var/lib/docker': {} },
    hostConfig: {
      CapAdd: ['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'MKNOD', 'NET_RAW'],
      SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
      // What the CLI's `--security-opt systempaths=unconfined` means in the API: nothing masked or read-only in /proc, /sys.
      MaskedPaths: [],
      ReadonlyPaths: [],
      Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
    },
    files: [{ path: 'etc/lab-init.d/10-dockerd', content: DOCKERD_HOOK, mode: 0o755 }],
  };
}
