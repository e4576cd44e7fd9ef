/**
 * A TCP forwarder from an address containers can reach (the Docker bridge gateway) to a loopback service, so a
 * registry the outer engine pushes to on 127.0.0.1 is pulled by engines INSIDE lab hosts at `<gateway>:<port>`
 * without the outer engine needing an insecure-registry entry for the gateway.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import type Docker from 'dockerode';

export interface TcpForward {
  /** `host:port` the forwarder listens on. */
  address: string;
  stop(): Promise<void>;
}

/** Listens on `host` (free port) and pipes every connection to 127.0.0.1:`targetPort`. */
export async function startTcpForward(host: string, targetPort: number): Promise<TcpForward> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `${host}:${port}`,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The gateway address of the engine's default bridge network: what containers on it reach the machine at. */
export async function bridgeGateway(docker: Docker): Promise<string> {
  const info = (await docker.getNetwork('bridge').inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
  const gw = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
  if (!gw) throw new Error('the bridge network has no gateway address');
  return gw;
}
