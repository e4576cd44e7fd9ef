/**
 * How lab hosts with their own engine (`lab up --swarm`) pull from the lab registry at the SAME reference the
 * machine pushes to (`127.0.0.1:5000/feed/web`), so the swarm example reuses the sample's ImageProject verbatim.
 * Inside a host, 127.0.0.1 is the host's own loopback, so two small TCP forwarders bridge it:
 * - on the machine, a container in the host network namespace listens on `<bridge gateway>:<port>` (what lab
 *   containers reach the machine at) and forwards to the registry on 127.0.0.1:<port>; a container, not a
 *   detached process, so `lab down` removes it with the hosts (same labels) and the engine restarts it;
 * - in each host, an /etc/lab-init.d hook listens on 127.0.0.1:<port> and forwards to `<gateway>:<port>`.
 * Loopback registries are plain HTTP to dockerd without an `insecure-registries` entry, and the registry itself
 * stays on loopback. What this opens: containers on the lab bridge reach the lab registry (a lab, not production).
 * The forwarder is python3 (in the host image), so the image needs no new package and its tag does not change.
 */
import type Docker from 'dockerode';
import type { TarFile } from './tar.js';

/** A threaded TCP relay: `lab-forward LISTEN_HOST:PORT TARGET_HOST:PORT`. */
export const FORWARD_SCRIPT = `import socket, sys, threading
def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
def serve(conn, target):
    try:
        up = socket.create_connection(target, timeout=10)
        up.settimeout(None)
    except OSError:
        conn.close()
        return
    threading.Thread(target=pipe, args=(conn, up), daemon=True).start()
    pipe(up, conn)
lh, lp = sys.argv[1].rsplit(':', 1)
th, tp = sys.argv[2].rsplit(':', 1)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((lh, int(lp)))
srv.listen(64)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c, (th, int(tp))), daemon=True).start()
`;

const SCRIPT_PATH = 'usr/local/lib/lab-forward.py';

/** Files for a host: the relay and a hook starting it on 127.0.0.1:<port> towards `upstream` (`gateway:port`). */
export function innerForwardFiles(port: number, upstream: string): TarFile[] {
  const hook = `#!/bin/sh\nsetsid python3 /${SCRIPT_PATH} 127.0.0.1:${port} ${upstream} >/var/log/lab-registry-forward.log 2>&1 </dev/null &\n`;
  return [
    { path: SCRIPT_PATH, content: FORWARD_SCRIPT, mode: 0o644 },
    { path: 'etc/lab-init.d/05-registry-forward', content: hook, mode: 0o755 },
  ];
}

/** The engine's default bridge gateway: the address lab containers reach the machine at. */
export async function bridgeGatewayOf(docker: Docker): Promise<string> {
  const info = (await docker.getNetwork('bridge').inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
  const gw = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
  if (!gw) throw new Error('the Docker bridge network has no gateway address; lab hosts could not reach the registry');
  return gw;
}

export interface OuterForwardOptions {
  name: string;
  image: string;
  gateway: string;
  port: number;
  labels: Record<string, string>;
}

/** Starts (or keeps) the machine-side relay `<gateway>:<port>` -> 127.0.0.1:<port>; returns its listen address. */
export async function ensureOuterForward(docker: Docker, opts: OuterForwardOptions): Promise<string> {
  const listen = `${opts.gateway}:${opts.port}`;
  const entrypoint = ['python3', '-c', FORWARD_SCRIPT];
  const cmd = [listen, `127.0.0.1:${opts.port}`];
  const existing = await docker.getContainer(opts.name).inspect().catch(() => undefined);
  const same = existing && JSON.stringify([existing.Config.Image, existing.Config.Entrypoint, existing.Config.Cmd]) === JSON.stringify([opts.image, entrypoint, cmd]);
  if (existing && same) {
    if (!existing.State.Running) await docker.getContainer(opts.name).start();
    return listen;
  }
  if (existing) await docker.getContainer(opts.name).remove({ force: true });
  const c = await docker.createContainer({
    name: opts.name,
    Image: opts.image,
    Entrypoint: entrypoint,
    Cmd: cmd,
    Labels: opts.labels,
    HostConfig: { NetworkMode: 'host', Init: true, RestartPolicy: { Name: 'unless-stopped' } },
  });
  await c.start();
  return listen;
}
