/** The status details of Pool and Host are pure functions of their observation: counts and facts, terse summaries. */
import { describe, expect, it } from 'vitest';
import { hostDetails } from '../../src/kinds/host/index.js';
import { poolDetails } from '../../src/kinds/pool/index.js';
import type { NodeObserved, PoolObserved } from '../../src/kinds/pool/spec.js';

const node = (name: string, host: string, extra: Partial<NodeObserved> = {}): NodeObserved => ({
  id: `id-${name}`,
  name,
  host,
  ordinal: Number(name.split('-')[1]),
  state: 'running',
  specDigest: 'spec-1',
  createdAt: '2026-01-01T00:00:00.000Z',
  healthy: true,
  ...extra,
});

describe('poolDetails', () => {
  it('counts desired, running, healthy and stale nodes and names the image', () => {
    const o: PoolObserved = {
      eligible: ['Host/a', 'Host/b', 'Host/c'],
      hosts: [
        { host: 'Host/a', reachable: true, nodes: [node('web-0', 'Host/a'), node('web-1', 'Host/a', { healthy: false })] },
        { host: 'Host/b', reachable: true, nodes: [node('web-2', 'Host/b', { specDigest: 'old' }), node('web-3', 'Host/b', { state: 'exited', healthy: undefined })] },
        { host: 'Host/c', reachable: false, error: 'timeout', nodes: [] },
      ],
      specDigest: 'spec-1',
      image: '127.0.0.1:5000/web@sha256:abc',
      desiredCount: 3,
    };
    expect(poolDetails(o)).toEqual({
      summary: 'nodes 3/3 running, 2 healthy, 1 stale, 1 host(s) down',
      desired: 3,
      nodes: 4,
      running: 3,
      healthy: 2,
      current: 2,
      image: '127.0.0.1:5000/web@sha256:abc',
      hosts: 3,
      hostsDown: 1,
    });
  });
});

describe('hostDetails', () => {
  it('shows the facts placement uses, and only "unreachable" for a host that did not answer', () => {
    const facts = { reachable: true, hostname: 'h1', os: 'Debian GNU/Linux 12', cpus: 2, memoryMiB: 1024, diskGiB: 20, initDone: [], initWanted: [] };
    expect(hostDetails(facts)).toEqual({
      summary: 'Debian GNU/Linux 12, 2 cpus, 1024 MiB, 20 GiB',
      reachable: true,
      hostname: 'h1',
      os: 'Debian GNU/Linux 12',
      cpus: 2,
      memoryMiB: 1024,
      diskGiB: 20,
    });
    expect(hostDetails({ reachable: false, error: 'refused', initDone: [], initWanted: [] })).toEqual({ summary: 'unreachable', reachable: false });
  });
});
