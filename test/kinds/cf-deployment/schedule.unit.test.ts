/**
 * The install schedule as a pure table: a fake install records a global sequence and the instances in flight, so
 * the dependency order across hosts, one task per host, parallel independent components, canaries, maxInFlight,
 * serial components, etcd's leader and a failing canary's effect are all checked without hosts.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentName } from '../../../src/kinds/cf-deployment/components.js';
import { countOf, createKeyedLock, runSchedule } from '../../../src/kinds/cf-deployment/schedule.js';
import type { Instance, UpdatePolicy } from '../../../src/kinds/cf-deployment/spec.js';

const inst = (component: string, index: number, host: string): Instance => ({ component, index, host, address: host, state: 'running', digest: 'd' });

interface Trace {
  starts: string[];
  ends: string[];
  maxInFlight: Map<string, number>;
  maxTotal: number;
  hostOverlap: boolean;
  concurrentPairs: Set<string>;
}

function recorder(fail: (i: Instance) => boolean = () => false) {
  const lock = createKeyedLock();
  const t: Trace = { starts: [], ends: [], maxInFlight: new Map(), maxTotal: 0, hostOverlap: false, concurrentPairs: new Set() };
  const running = new Set<Instance>();
  const install = (i: Instance, canary: boolean) =>
    lock(i.host, async () => {
      if ([...running].some((r) => r.host === i.host)) t.hostOverlap = true;
      for (const r of running) t.concurrentPairs.add([r.component, i.component].sort().join('+'));
      running.add(i);
      t.starts.push(`${i.component}_${i.index}${canary ? '*' : ''}`);
      const n = [...running].filter((r) => r.component === i.component).length;
      t.maxInFlight.set(i.component, Math.max(t.maxInFlight.get(i.component) ?? 0, n));
      t.maxTotal = Math.max(t.maxTotal, running.size);
      for (let k = 0; k < 3; k++) await Promise.resolve();
      await new Promise((r) => setImmediate(r));
      running.delete(i);
      t.ends.push(`${i.component}_${i.index}`);
      if (fail(i)) throw new Error(`${i.component}_${i.index} broke`);
    });
  return { t, install };
}

const before = (seq: string[], a: string, b: string): boolean => seq.indexOf(a) >= 0 && seq.indexOf(a) < seq.findIndex((s) => s.startsWith(b));

describe('install schedule', () => {
  it('follows the dependency graph across hosts and never runs two installs on one host', async () => {
    const instances = [
      inst('cloud_controller_ng', 0, 'h1'),
      inst('cloud_controller_ng', 1, 'h2'),
      inst('uaa', 0, 'h3'),
      inst('database', 0, 'h2'),
      inst('nats', 0, 'h1'),
      inst('nats', 1, 'h3'),
      inst('nfs_server', 0, 'h4'),
      inst('loggregator', 0, 'h4'),
      inst('etcd', 0, 'h1'),
      inst('gorouter', 0, 'h2'),
      inst('haproxy', 0, 'h3'),
    ];
    const declared = [...new Set(instances.map((i) => i.component))] as ComponentName[];
    const { t, install } = recorder();
    const r = await runSchedule(instances, declared, () => ({ maxInFlight: 2 }), install);
    expect(r).toEqual({ failed: [], skipped: [] });
    expect(t.hostOverlap).toBe(false);
    const done = t.ends;
    for (const [a, b] of [
      ['database_0', 'uaa'],
      ['nats_1', 'uaa'],
      ['uaa_0', 'cloud_controller_ng'],
      ['nfs_server_0', 'cloud_controller_ng'],
      ['loggregator_0', 'cloud_controller_ng'],
      ['etcd_0', 'loggregator'],
      ['loggregator_0', 'gorouter'],
      ['gorouter_0', 'haproxy'],
    ]) {
      expect(before(done, a as string, b as string), `${a} done before ${b} starts`).toBe(true);
      expect(t.starts.findIndex((s) => s.startsWith(b as string))).toBeGreaterThan(-1);
    }
    // roots on different hosts ran side by side
    expect(t.concurrentPairs.has('database+nats') || t.concurrentPairs.has('nats+nfs_server') || t.concurrentPairs.has('database+nfs_server')).toBe(true);
  });

  it('puts canaries first, then at most maxInFlight at once', async () => {
    const instances = [0, 1, 2, 3, 4].map((i) => inst('dea', i, `h${i}`));
    const { t, install } = recorder();
    await runSchedule(instances, ['dea'], () => ({ canaries: 1, maxInFlight: 2 }), install);
    expect(t.starts[0]).toBe('dea_0*');
    expect(t.starts.filter((s) => s.endsWith('*'))).toEqual(['dea_0*']);
    expect(t.maxInFlight.get('dea')).toBe(2);
  });

  it('stops a component at a failing canary and skips what depends on it', async () => {
    const instances = [inst('nats', 0, 'h1'), inst('nats', 1, 'h2'), inst('collector', 0, 'h3'), inst('database', 0, 'h4')];
    const { t, install } = recorder((i) => i.component === 'nats' && i.index === 0);
    const r = await runSchedule(instances, ['nats', 'collector', 'database'], () => ({ canaries: 1 }), install);
    expect(r.failed.map((f) => f.error)).toEqual(['nats_0 broke']);
    expect(r.skipped.map((s) => [`${s.instance.component}_${s.instance.index}`, s.reason]).sort()).toEqual([
      ['collector_0', 'dependency nats failed'],
      ['nats_1', 'nats stopped after a failed canary or batch'],
    ]);
    expect(t.ends).toContain('database_0');
  });

  it('installs the etcd leader alone before its members', async () => {
    const instances = [0, 1, 2].map((i) => inst('etcd', i, `h${i}`));
    const { t, install } = recorder();
    await runSchedule(instances, ['etcd'], () => ({ canaries: 2, maxInFlight: 2 }), install);
    expect(t.ends[0]).toBe('etcd_0');
    expect(t.starts.slice(1).sort()).toEqual(['etcd_1*', 'etcd_2*']);
  });

  it('runs a serial component alone', async () => {
    const instances = [inst('nats', 0, 'h1'), inst('database', 0, 'h2'), inst('nfs_server', 0, 'h3')];
    const { t, install } = recorder();
    const policy = (c: ComponentName): UpdatePolicy => (c === 'database' ? { serial: true } : {});
    await runSchedule(instances, ['nats', 'database', 'nfs_server'], policy, install);
    expect([...t.concurrentPairs].filter((p) => p.includes('database'))).toEqual([]);
    expect(t.ends).toHaveLength(3);
  });

  it.each([
    [undefined, 5, 1, 1],
    [3, 2, 1, 2],
    ['50%', 5, 1, 2],
    ['100%', 3, 1, 3],
    ['10%', 5, 1, 0],
  ] as const)('countOf(%s, size %i) = %i', (v, size, fallback, want) => {
    expect(countOf(v, size, fallback)).toBe(want);
  });
});
