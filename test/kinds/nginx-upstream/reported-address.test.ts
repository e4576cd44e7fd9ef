/**
 * Addresses a machine reports about itself go into other hosts' files: `addressOf: private` asks each node's host
 * `hostname -I` and writes the answer into every nginx unit's upstream file. A host whose `hostname` lies (here a
 * script earlier on the PATH of a real lab host, as a compromised machine could install) must not write nginx
 * config into its neighbours: anything but an IP literal is refused with a typed error naming the host. The same
 * holds for the addresses a machine provider reports (the SSH target, and through pools the upstream address).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemberCache, resolveMembers } from '../../../src/kinds/nginx-upstream/members.js';
import type { NginxUpstreamSpec } from '../../../src/kinds/nginx-upstream/spec.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import { sshAddress } from '../../../src/kinds/shared/machines/lifecycle.js';
import type { ProviderInstance } from '../../../src/drivers/types.js';
import type { Resource } from '../../../src/model/resource.js';
import { checkedIp, hostPort, InvalidAddressError } from '../../../src/util/ip.js';
import { createPoolWorld, type PoolWorld } from '../pool/fixture.js';

let w: PoolWorld;

beforeAll(async () => {
  w = await createPoolWorld(1, 'ngxaddr');
  await w.converge(pool());
});

afterAll(async () => {
  await w?.close();
});

const pool = () =>
  w.res<PoolSpec>('Pool', 'addr', {
    service: 'addr',
    hosts: { names: w.hostNames },
    mode: 'one-per-host',
    replicas: 1,
    container: { image: w.image, command: ['sleep', 'infinity'], network: 'host', restartPolicy: { condition: 'none' } },
  });
const upstream = () => w.res<NginxUpstreamSpec>('NginxUpstream', 'addr', { group: 'g', pools: [{ pool: 'addr', port: 9090, addressOf: 'private' }] });
const world = (): Resource[] => [...w.hostResources(), pool(), w.res('Service', 'addr', { cluster: 'c' }), w.res('NginxGroup', 'g', {}), upstream()];

async function members() {
  return resolveMembers(upstream(), w.ctxFor(world()), createMemberCache());
}

describe('host-reported addresses', () => {
  it('an honest host: its hostname -I address is the upstream server', async () => {
    const ip = (await w.th.hosts[0]!.exec("hostname -I | cut -d' ' -f1")).stdout.trim();
    const r = await members();
    expect(r.upstream.servers.map((s) => s.address)).toEqual([`${ip}:9090`]);
  });

  it.each([
    ['nginx directives', '10.0.0.9:80 weight=100; include /etc/shadow;'],
    ['a directive without spaces (traffic to port 22 of every nginx host)', '127.0.0.1:22;#'],
    ['a host name', 'evil.example'],
    ['an address with a port', '10.0.0.9:80'],
    ['a zone id', 'fe80::1%eth0'],
  ])('a host whose hostname -I prints %s is refused, naming the host', async (_name, lie) => {
    const host = w.th.hosts[0]!;
    // lies only to `hostname -I`: the pool's own scripts ask `hostname` for the container name
    const fake = `#!/bin/sh\nif [ "$1" = -I ]; then echo '${lie}'; else exec /bin/hostname "$@"; fi\n`;
    await host.exec(`cat > /usr/local/bin/hostname <<'EOF'\n${fake}EOF\nchmod +x /usr/local/bin/hostname`);
    try {
      const err = await members().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidAddressError);
      expect((err as InvalidAddressError).disposition).toBe('stalled');
      expect((err as Error).message).toContain(`Host/${w.hostNames[0]}: hostname -I reported "${lie.split(/\s+/)[0]}", which is not an IP address`);
    } finally {
      await host.exec('rm -f /usr/local/bin/hostname');
    }
  });
});

describe('provider-reported machine addresses', () => {
  const inst = (privateIp: string): ProviderInstance =>
    ({ id: 'i-1', name: 'm', state: 'running', rawState: 'Running', tags: {}, createdAt: 'x', networkType: 'vpc', privateIp }) as unknown as ProviderInstance;

  it('an IP is the SSH target; anything else is refused naming the instance', () => {
    expect(sshAddress(inst('10.1.2.3'), undefined)).toEqual({ host: '10.1.2.3', port: 22 });
    expect(() => sshAddress(inst('10.1.2.3; rm -rf /'), undefined)).toThrow(InvalidAddressError);
    expect(() => sshAddress(inst('-oProxyCommand=id'), undefined)).toThrow(/^instance i-1: the provider reported "-oProxyCommand=id", which is not an IP address/);
  });

  it.each([
    ['10.0.0.1', true],
    ['::1', true],
    ['2001:db8::7', true],
    ['10.0.0.1 ', false],
    ['010.0.0.1', false],
    ['fe80::1%eth0', false],
    ['', false],
    ['localhost', false],
  ])('checkedIp(%j) accepted: %s', (value, ok) => {
    if (ok) expect(checkedIp(value, 'Host/a', 'test')).toBe(value);
    else expect(() => checkedIp(value, 'Host/a', 'test')).toThrow(InvalidAddressError);
  });

  it('IPv6 upstream servers are bracketed', () => {
    expect(hostPort('2001:db8::7', 80)).toBe('[2001:db8::7]:80');
    expect(hostPort('10.0.0.1', 80)).toBe('10.0.0.1:80');
  });
});
