/**
 * The real CLI against the SLB emulator (every request's signature verified): a load balancer with four listeners
 * and weighted backends is created from a plan, re-planning is a no-op, a weight change is only SetBackendServers,
 * a removed server only RemoveBackendServers, an existing load balancer of the same name is adopted (tagged, not
 * duplicated), throttling is retried through, and the access key secret never shows in plan --json or status.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlbEmulator, type SlbEmulator } from '../../harness/aliyun-slb.js';
import { runCli } from '../../harness/cli.js';
import { tempDir } from '../../harness/tmp.js';
import { writeOperatorSettings } from '../../harness/secrets.js';

const KEY = { id: 'ak-slb-cli', secret: 'sk-SLB-very-secret-3f9a' };
const MUTATING = /^(Create|Set|Add|Remove|Delete|Start|Modify)/;
let slb: SlbEmulator;
let repo: string;
let state: string;

interface Servers { [id: string]: number }

function writeRepo(name: string, servers: Servers, opts: { lbName?: string; healthUri?: string } = {}): void {
  writeFileSync(join(repo, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\nretry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 500 }\nhealth: { timeoutSeconds: 20, intervalMs: 200 }\n');
  const list = Object.entries(servers).map(([id, w]) => `      - { instanceId: ${id}, weight: ${w} }`).join('\n');
  writeFileSync(
    join(repo, 'slb.yaml'),
    `apiVersion: driftless.dev/v1
kind: SlbLoadBalancer
metadata: { name: ${name} }
spec:
  account: { accessKeyId: { secret: aliyun-ak }, accessKeySecret: { secret: aliyun-sk }, endpoint: ${slb.endpoint} }
  region: cn-beijing
${opts.lbName ? `  loadBalancerName: ${opts.lbName}\n` : ''}  addressType: internet
  network: { type: vpc, vpcId: vpc-1, vswitchId: vsw-1 }
  spec: slb.s1.small
  bandwidth: 20
  internetChargeType: paybybandwidth
  listeners:
    - protocol: http
      port: 80
      backendPort: 8080
      scheduler: wrr
      stickySession: { type: server, cookie: SESSIONID }
      healthCheck: { enabled: true, domain: web.example.com, uri: ${opts.healthUri ?? '/health'}, connectPort: 8080, healthyThreshold: 4, unhealthyThreshold: 2, timeoutSeconds: 6, intervalSeconds: 3, httpCodes: [http_2xx, http_3xx] }
    - protocol: https
      port: 443
      backendPort: 8080
      certificateId: cert-1
      stickySession: { type: insert, timeoutSeconds: 600 }
    - protocol: tcp
      port: 9000
      scheduler: wlc
      stickySession: { type: insert, timeoutSeconds: 300 }
      healthCheck: { connectPort: 9000 }
    - protocol: udp
      port: 5353
      scheduler: rr
  backends:
    servers:
${list}
`,
  );
}

const cli = (...args: string[]) => runCli([...args, '--state-dir', state]);
const mutationsSince = (mark: number) => slb.log.slice(mark).filter((l) => !l.code && MUTATING.test(l.action)).map((l) => l.action);
const byName = (name: string) => [...slb.state.balancers.values()].filter((b) => b.LoadBalancerName === name);

beforeAll(async () => {
  slb = await startSlbEmulator({ accessKeyId: KEY.id, accessKeySecret: KEY.secret });
  repo = tempDir('slb-repo');
  state = tempDir('slb-state');
  const allow = { urls: [slb.endpoint] };
  writeOperatorSettings({ 'aliyun-ak': { value: KEY.id, allow }, 'aliyun-sk': { value: KEY.secret, allow } }, { dir: state, name: 'config.yaml' });
});
afterAll(async () => {
  await slb?.close();
});

describe('SlbLoadBalancer through the CLI (emulated SLB)', () => {
  it('plans a create without secrets, applies instance, listeners and backends, then re-plans to a no-op', async () => {
    writeRepo('web', { 'i-aaa': 100, 'i-bbb': 50 });
    const plan = await cli('plan', repo, '--json');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).not.toContain(KEY.secret);
    expect(plan.stdout).toContain('SlbLoadBalancer/web');
    expect(plan.stdout).toMatch(/"action":\s*"create"/);

    const apply = await cli('apply', repo, '--yes');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const [lb, ...more] = byName('web');
    expect(more).toHaveLength(0);
    expect(lb!.NetworkType).toBe('vpc');
    expect([lb!.LoadBalancerSpec, lb!.Bandwidth, lb!.InternetChargeType]).toEqual(['slb.s1.small', 20, 'paybybandwidth']);
    expect(lb!.tags.get('driftless:slb')).toBe('web');
    expect([...lb!.listeners].map(([p, l]) => [p, l.protocol, l.Status])).toEqual([
      [80, 'http', 'running'],
      [443, 'https', 'running'],
      [9000, 'tcp', 'running'],
      [5353, 'udp', 'running'],
    ]);
    const http = lb!.listeners.get(80)!.attrs;
    expect(http).toMatchObject({ HealthCheck: 'on', HealthCheckDomain: 'web.example.com', HealthCheckURI: '/health', HealthCheckConnectPort: '8080', HealthyThreshold: '4', UnhealthyThreshold: '2', HealthCheckTimeout: '6', HealthCheckInterval: '3', HealthCheckHttpCode: 'http_2xx,http_3xx', StickySession: 'on', StickySessionType: 'server', Cookie: 'SESSIONID' });
    expect(lb!.listeners.get(443)!.attrs).toMatchObject({ ServerCertificateId: 'cert-1', StickySessionType: 'insert', CookieTimeout: '600', HealthCheck: 'off' });
    expect(lb!.listeners.get(9000)!.attrs).toMatchObject({ Scheduler: 'wlc', PersistenceTimeout: '300', HealthCheckSwitch: 'on', HealthCheckType: 'tcp' });
    expect(Object.fromEntries(lb!.backends)).toEqual({ 'i-aaa': 100, 'i-bbb': 50 });

    const again = await cli('plan', repo);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes.');
    const mark = slb.log.length;
    const reapply = await cli('apply', repo, '--yes');
    expect(reapply.code).toBe(0);
    expect(mutationsSince(mark)).toEqual([]);

    const status = await runCli(['status', '--json', '--state-dir', state]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).not.toContain(KEY.secret);
  });

  it('changes a weight with SetBackendServers only, and drops a server with RemoveBackendServers only', async () => {
    writeRepo('web', { 'i-aaa': 100, 'i-bbb': 10 });
    const plan = await cli('plan', repo, '--json');
    expect(plan.stdout).toContain('backends.weight');
    expect(plan.stdout).not.toContain('listeners.');
    let mark = slb.log.length;
    expect((await cli('apply', repo, '--yes')).code).toBe(0);
    expect(mutationsSince(mark)).toEqual(['SetBackendServers']);
    expect(Object.fromEntries(byName('web')[0]!.backends)).toEqual({ 'i-aaa': 100, 'i-bbb': 10 });

    writeRepo('web', { 'i-aaa': 100 });
    mark = slb.log.length;
    expect((await cli('apply', repo, '--yes')).code).toBe(0);
    expect(mutationsSince(mark)).toEqual(['RemoveBackendServers']);
    expect([...byName('web')[0]!.backends.keys()]).toEqual(['i-aaa']);
  });

  it('updates a changed health check in place and retries through throttling', async () => {
    writeRepo('web', { 'i-aaa': 100 }, { healthUri: '/ready' });
    slb.setThrottleEvery(3);
    const mark = slb.log.length;
    try {
      const apply = await cli('apply', repo, '--yes');
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    } finally {
      slb.setThrottleEvery(0);
    }
    expect(slb.log.slice(mark).some((l) => l.code === 'Throttling.User')).toBe(true);
    expect(mutationsSince(mark)).toEqual(['SetLoadBalancerHTTPListenerAttribute']);
    expect(byName('web')[0]!.listeners.get(80)!.attrs.HealthCheckURI).toBe('/ready');
    expect(byName('web')).toHaveLength(1);
  });

  it('adopts an existing load balancer of the same name instead of creating a second one', async () => {
    const existing = slb.seed({ LoadBalancerName: 'legacy-web', NetworkType: 'vpc', VpcId: 'vpc-1', VSwitchId: 'vsw-1', LoadBalancerSpec: 'slb.s1.small', Bandwidth: 20, InternetChargeType: 'paybybandwidth' });
    existing.backends.set('i-old', 100);
    writeRepo('legacy', { 'i-aaa': 100 }, { lbName: 'legacy-web' });
    const plan = await cli('plan', repo, '--json');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/"action":\s*"update"/);
    expect(plan.stdout).toContain('loadBalancer.tags');
    const mark = slb.log.length;
    const apply = await cli('apply', repo, '--yes');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(mutationsSince(mark)).not.toContain('CreateLoadBalancer');
    expect(byName('legacy-web').map((b) => b.LoadBalancerId)).toEqual([existing.LoadBalancerId]);
    expect(existing.tags.get('driftless:slb')).toBe('legacy');
    expect(Object.fromEntries(existing.backends)).toEqual({ 'i-aaa': 100 });
    expect(existing.listeners.size).toBe(4);
    const again = await cli('plan', repo);
    expect(again.stdout).toContain('No changes.');
  });
});
