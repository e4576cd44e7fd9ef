/** Rules the schema cannot express, and the normal form that makes a read-back listener compare equal. */
import { describe, expect, it } from 'vitest';
import { slbLoadBalancerKind } from '../../../src/kinds/slb-load-balancer/index.js';
import { instanceIdOf } from '../../../src/kinds/slb-load-balancer/members.js';
import { normalListener, type SlbListenerSpec, type SlbLoadBalancerSpec } from '../../../src/kinds/slb-load-balancer/spec.js';
import { listenerFrom, listenerParams } from '../../../src/drivers/aliyun/slb-params.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';

const res = (name: string, over: Partial<SlbLoadBalancerSpec>): Resource<SlbLoadBalancerSpec> => ({
  apiVersion: API_VERSION,
  kind: 'SlbLoadBalancer',
  metadata: { name },
  spec: { account: { accessKeyId: { secret: 'a' }, accessKeySecret: { secret: 'b' } }, region: 'cn-beijing', listeners: [{ protocol: 'http', port: 80 }], ...over },
  source: { file: 'slb.yaml', line: 3, col: 1 },
});

const problems = (r: Resource<SlbLoadBalancerSpec>, extra: Resource[] = []) =>
  (slbLoadBalancerKind.validate?.(r, createResourceIndex([r, ...extra])) ?? []).map((p) => p.message.replace(/^SlbLoadBalancer\/\S+: /, ''));

describe('SlbLoadBalancer validate', () => {
  it.each<[string, Partial<SlbLoadBalancerSpec>, string | undefined]>([
    ['a plain http listener', {}, undefined],
    ['https without certificate', { listeners: [{ protocol: 'https', port: 443 }] }, 'https needs certificateId'],
    ['a port twice', { listeners: [{ protocol: 'http', port: 80 }, { protocol: 'tcp', port: 80 }] }, 'port 80 is declared twice'],
    ['server cookie on tcp', { listeners: [{ protocol: 'tcp', port: 80, stickySession: { type: 'server', cookie: 'c' } }] }, 'server cookies need http or https'],
    ['server cookie without a name', { listeners: [{ protocol: 'http', port: 80, stickySession: { type: 'server' } as never }] }, 'server sticky sessions need cookie'],
    ['udp check with a uri', { listeners: [{ protocol: 'udp', port: 53, healthCheck: { uri: '/x' } }] }, 'udp health checks have no uri or domain'],
    ['vpc without vswitch', { network: { type: 'vpc', vpcId: 'vpc-1' } }, 'network: vpc needs vswitchId'],
    ['classic with a vswitch', { network: { type: 'classic', vswitchId: 'vsw-1' } }, 'network: vpcId/vswitchId need type vpc'],
    ['intranet with bandwidth', { addressType: 'intranet', bandwidth: 5 }, 'bandwidth applies to internet load balancers only'],
    ['an undeclared host mapping', { backends: { instanceIds: { nohost: 'i-1' } } }, 'backends.instanceIds: Host/nohost is not declared'],
  ])('%s', (_what, over, message) => {
    const got = problems(res('lb', over));
    if (message) expect(got).toContainEqual(expect.stringContaining(message));
    else expect(got).toEqual([]);
  });

  it('refuses two resources managing the same load balancer name', () => {
    expect(problems(res('a', { loadBalancerName: 'shared' }), [res('b', { loadBalancerName: 'shared' })])).toEqual(['loadBalancerName shared is also used by SlbLoadBalancer/b']);
  });
});

describe('listener wire round trip', () => {
  it.each<[string, SlbListenerSpec]>([
    ['http with server cookie and full check', { protocol: 'http', port: 80, backendPort: 8080, scheduler: 'wlc', stickySession: { type: 'server', cookie: 'SID' }, healthCheck: { enabled: true, domain: 'a.b', uri: '/h', connectPort: 81, healthyThreshold: 5, unhealthyThreshold: 4, timeoutSeconds: 9, intervalSeconds: 7, httpCodes: ['http_3xx'] } }],
    ['https with insert cookie', { protocol: 'https', port: 443, certificateId: 'c-1', stickySession: { type: 'insert', timeoutSeconds: 60 } }],
    ['tcp with an http check and persistence', { protocol: 'tcp', port: 9000, stickySession: { type: 'insert', timeoutSeconds: 30 }, healthCheck: { uri: '/ok', domain: 'x.y' } }],
    ['udp with the check off', { protocol: 'udp', port: 53, scheduler: 'rr', healthCheck: { enabled: false } }],
  ])('%s reads back equal', (_what, spec) => {
    const l = normalListener(spec);
    const wire = Object.fromEntries(Object.entries(listenerParams('lb-1', l)).map(([k, v]) => [k, typeof v === 'number' ? v : String(v)]));
    expect(listenerFrom(l.protocol, wire)).toEqual(l);
  });

  it('maps a node host to its ECS instance: the explicit mapping, the Host label, or the pool machine made on Aliyun', () => {
    const host: Resource = { apiVersion: API_VERSION, kind: 'Host', metadata: { name: 'h1', labels: { 'aliyun.driftless.dev/instance-id': 'i-label' } }, spec: { address: '10.0.0.1' }, source: { file: 'h.yaml', line: 1, col: 1 } };
    const ctx = { resources: createResourceIndex([host]) };
    const lb = res('lb', { backends: { instanceIds: { h2: 'i-explicit' } } }).spec;
    const machine = (provider: string) => ({ name: 'm-0', address: '10.0.0.9', machine: true, instance: { provider, id: 'i-machine' } });
    expect(instanceIdOf('h2', lb, ctx)).toBe('i-explicit');
    expect(instanceIdOf('h1', lb, ctx)).toBe('i-label');
    expect(instanceIdOf('m-0', lb, ctx, machine('aliyun'))).toBe('i-machine');
    expect(instanceIdOf('m-0', lb, ctx, machine('lab'))).toBeUndefined();
    expect(instanceIdOf('m-0', lb, ctx)).toBeUndefined();
  });
});
