/**
 * The vertical slice on real nginx: a unit with static upstream servers published to two lab hosts (render ->
 * digest -> versioned dir -> nginx -t on all -> symlink switch + reload on all); a config that fails nginx -t on
 * one host switches none and names the host and nginx's line while traffic goes on; an upstream-only change says
 * so in the plan; a hand-edited upstream file is DriftDetected and restored; a host without nginx is named; apply
 * publishes from the plan's observation (no second inspect) and refuses, as PlanStale, a `current` moved meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailedError, PlanStaleError, StalledError } from '../../../src/errors.js';
import { nginxUnitKind } from '../../../src/kinds/nginx-unit/index.js';
import type { UnitObserved } from '../../../src/kinds/nginx-unit/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import type { DiffOutcome, Task } from '../../../src/model/plan.js';
import type { NginxConfigSpec } from '../../../src/kinds/nginx-config/index.js';
import { unitDetails } from '../../../src/kinds/nginx-unit/details.js';
import { readHistory } from '../../../src/kinds/nginx-unit/history.js';
import type { NginxUnitSpec } from '../../../src/kinds/nginx-unit/spec.js';
import type { NginxUpstreamSpec } from '../../../src/kinds/nginx-upstream/spec.js';
import type { Resource } from '../../../src/model/resource.js';
import { createNginxWorld, NGINX_TEST_RUN, type NginxWorld } from './fixture.js';

let w: NginxWorld;
const ROOT = '/etc/driftless/nginx/web';

beforeAll(async () => {
  w = await createNginxWorld(2, 'ngxpub');
  // A backend on each host: python's http.server on 8081 and 8082, each answering with its own name.
  await Promise.all(
    w.th.hosts.map((h) =>
      h.exec(
        `for p in 8081 8082; do mkdir -p /srv/$p && echo "$(hostname)-$p" > /srv/$p/index.html && (cd /srv/$p && nohup python3 -m http.server $p >/dev/null 2>&1 &); done`,
      ),
    ),
  );
});

afterAll(async () => {
  await w?.close();
});

const group = () => w.res('NginxGroup', 'shop', {});
const upstream = (ports: number[]) =>
  w.res<NginxUpstreamSpec>('NginxUpstream', 'web', { group: 'shop', servers: ports.map((p) => ({ address: `127.0.0.1:${p}` })) });
const unit = (over: Partial<NginxUnitSpec> = {}) =>
  w.res<NginxUnitSpec>('NginxUnit', 'web', { group: 'shop', hosts: { names: w.hostNames }, upstreams: ['web'], vars: { upstream: 'web', listen: 8088 }, ...over });

/** The task the engine would hand apply for this plan (its observation included). */
const task = (diff: DiffOutcome, observed: UnitObserved | undefined): Task<NginxUnitSpec, UnitObserved> => ({
  key: 'NginxUnit/web', kind: 'NginxUnit', name: 'web', action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: unit(), ...(observed ? { observed } : {}),
});

async function curlUntil(i: number, want: RegExp): Promise<string> {
  const deadline = Date.now() + 15_000;
  let last = '';
  while (Date.now() < deadline) {
    last = await w.curl(i, 8088);
    if (want.test(last)) return last;
  }
  return last;
}

describe('nginx unit publish on real hosts', () => {
  it('publishes the default unit with static servers to both hosts and serves through it', async () => {
    const extra: Resource[] = [group(), upstream([8081])];
    const first = await w.apply(unit(), extra);
    expect(first.action).toBe('create');
    expect(first.changes.map((c) => c.path)).toEqual(expect.arrayContaining(['files.nginx.conf', 'files.conf.d/default.conf', 'files.upstream/web.upstream']));
    for (const i of [0, 1]) expect(await w.curl(i, 8088)).toBe(`${w.th.hosts[i]?.name}-8081`);
    const again = await w.plan(unit(), extra);
    expect(again.diff.action).toBe('noop');
    const link = await w.th.hosts[0]!.exec(`readlink ${ROOT}/current`);
    expect(link.stdout.trim()).toMatch(new RegExp(`^versions/${again.observed.desired.digest}-`));
    const digest = again.observed.desired.digest;
    const details = unitDetails(again.observed);
    expect(details).toMatchObject({ published: digest, lastPublish: { digest, result: 'succeeded', files: expect.arrayContaining(['nginx.conf']) } });
    expect((details.lastPublish as { hosts: unknown[] }).hosts).toHaveLength(2);
    expect(details.summary).toMatch(new RegExp(`^version ${digest} on 2/2 host\\(s\\); last publish succeeded at `));
  });

  it('an upstream-only change reloads with only the upstream file changed, and says so in the plan', async () => {
    const extra: Resource[] = [group(), upstream([8082])];
    const { diff } = await w.plan(unit(), extra);
    expect(diff.action).toBe('update');
    expect(diff.changes.filter((c) => c.path.startsWith('files.')).map((c) => c.path)).toEqual(['files.upstream/web.upstream']);
    expect(diff.changes.find((c) => c.path === 'reload')?.after).toMatch(/Host\/.*\(upstream only\).*only upstream files change/);
    await w.apply(unit(), extra);
    for (const i of [0, 1]) expect(await w.curl(i, 8088)).toBe(`${w.th.hosts[i]?.name}-8082`);
    const log = (await readHistory(w.nginxCtx([]).store, 'web')).filter((r) => r.type === 'change' && r.file === 'upstream/web.upstream');
    expect(log.at(-1)).toMatchObject({ revision: 'test', cause: 'reconcile', added: ['127.0.0.1:8082'], removed: ['127.0.0.1:8081'] });
  });

  it('a config failing nginx -t on one host switches no host, names the host and the nginx line, traffic unaffected', async () => {
    const before = await Promise.all([0, 1].map((i) => w.th.hosts[i]!.exec(`readlink ${ROOT}/current`)));
    // The vhost includes a file only the first host has: nginx -t passes there and fails on the second.
    await w.th.hosts[0]!.exec('echo "add_header X-Extra 1;" > /etc/dl-extra.conf');
    const vhost = w.res<NginxConfigSpec>('NginxConfig', 'vhost', {
      file: 'conf.d/default.conf',
      content: 'server {\n  listen {{ vars.listen }};\n  include /etc/dl-extra.conf;\n  location / { proxy_pass http://web; }\n}\n',
    });
    const main = w.res<NginxConfigSpec>('NginxConfig', 'main', { file: 'nginx.conf', template: 'nginx/nginx.conf.njk' });
    const err = await w.apply(unit({ configs: ['main', 'vhost'] }), [group(), upstream([8082]), vhost, main]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    const bad = w.th.hosts[1]!.name;
    expect((err as Error).message).toMatch(new RegExp(`nginx -t failed on Host/${bad}: nginx: \\[emerg\\] open\\(\\) "/etc/dl-extra.conf" failed.*; no host was switched`));
    const after = await Promise.all([0, 1].map((i) => w.th.hosts[i]!.exec(`readlink ${ROOT}/current`)));
    expect(after.map((r) => r.stdout)).toEqual(before.map((r) => r.stdout));
    for (const i of [0, 1]) expect(await w.curl(i, 8088)).toBe(`${w.th.hosts[i]?.name}-8082`);
    const last = (await readHistory(w.nginxCtx([]).store, 'web')).filter((r) => r.type === 'publish').at(-1);
    expect(last).toMatchObject({ result: 'failed', run: NGINX_TEST_RUN });
    expect(last && 'hosts' in last ? last.hosts.find((h) => h.host === `Host/${bad}`)?.message : '').toMatch(/\[emerg\] open\(\) "\/etc\/dl-extra.conf" failed/);
  });

  it('a reload nginx refuses on one host (its new port is taken there) is reported and every host is pointed back', async () => {
    const before = await Promise.all([0, 1].map((i) => w.th.hosts[i]!.exec(`readlink ${ROOT}/current`)));
    // nginx -t does not bind, so it passes on both; the reload binds, and on the second host 8099 is taken.
    const bad = w.th.hosts[1]!;
    await bad.exec('mkdir -p /srv/8099 && cd /srv/8099 && (nohup python3 -m http.server 8099 >/dev/null 2>&1 &) && for i in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/8099) 2>/dev/null && break; sleep 0.1; done');
    try {
      const err = await w.apply(unit({ vars: { upstream: 'web', listen: 8099 } }), [group(), upstream([8082])]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StalledError);
      expect((err as Error).message).toMatch(new RegExp(`reload failed on Host/${bad.name}: reload not applied.*; every host was pointed back at its previous version`));
      const after = await Promise.all([0, 1].map((i) => w.th.hosts[i]!.exec(`readlink ${ROOT}/current`)));
      expect(after.map((r) => r.stdout)).toEqual(before.map((r) => r.stdout));
      // Both serve the previous version again on the previous port (the first host reloaded back from 8099).
      for (const i of [0, 1]) expect(await curlUntil(i, /-8082$/)).toBe(`${w.th.hosts[i]?.name}-8082`);
      const last = (await readHistory(w.nginxCtx([]).store, 'web')).filter((r) => r.type === 'publish').at(-1);
      expect(last && 'hosts' in last ? last.hosts.map((h) => h.phase).sort() : []).toEqual(['restored', 'restored']);
    } finally {
      await bad.exec("pkill -f 'http.server 8099' || true");
    }
  });

  it('a hand-edited upstream file is detected by digest and restored on the next run', async () => {
    const extra: Resource[] = [group(), upstream([8082])];
    const h = w.th.hosts[0]!;
    await h.exec(`sed -i 's/127.0.0.1:8082/127.0.0.1:8081/' ${ROOT}/current/upstream/web.upstream && kill -HUP $(cat ${ROOT}/run/nginx.pid)`);
    expect(await curlUntil(0, /-8081$/)).toBe(`${h.name}-8081`);
    const { diff } = await w.plan(unit(), extra);
    expect(diff).toMatchObject({ action: 'update', reason: 'DriftDetected' });
    expect(diff.changes.find((c) => c.path === `hosts.Host/${h.name}`)?.before).toBe('hand-edited: upstream/web.upstream');
    await w.apply(unit(), extra);
    expect(await w.curl(0, 8088)).toBe(`${h.name}-8082`);
    expect((await w.plan(unit(), extra)).diff.action).toBe('noop');
  });

  it('keeps at most keepVersions version dirs per host', async () => {
    for (const p of [8081, 8082, 8081]) await w.apply(unit({ keepVersions: 2 }), [group(), upstream([p])]);
    const dirs = await w.th.hosts[1]!.exec(`ls -1 ${ROOT}/versions`);
    expect(dirs.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('publishing a version the hosts already have reuses its dir: one dir per digest (found by bench/reliability)', async () => {
    const digests: string[] = [];
    for (const p of [8081, 8082, 8081, 8082]) {
      await w.apply(unit({ keepVersions: 5 }), [group(), upstream([p])]);
      digests.push((await w.plan(unit({ keepVersions: 5 }), [group(), upstream([p])])).observed.desired.digest);
    }
    expect(await w.curl(0, 8088)).toBe(`${w.th.hosts[0]?.name}-8082`);
    for (const h of w.th.hosts) {
      const dirs = (await h.exec(`ls -1 ${ROOT}/versions`)).stdout.trim().split('\n');
      const ofDigest = (d: string) => dirs.filter((x) => x.startsWith(`${d}-`));
      expect(ofDigest(digests[0]!), dirs.join(' ')).toHaveLength(1);
      expect(ofDigest(digests[1]!), dirs.join(' ')).toHaveLength(1);
      expect((await h.exec(`readlink ${ROOT}/current`)).stdout.trim()).toBe(`versions/${ofDigest(digests[1]!)[0]}`);
    }
  });

  it('apply publishes from the plan\'s observation of the same run: no host is inspected again', async () => {
    const extra: Resource[] = [group(), upstream([8081])];
    const ctx = w.nginxCtx([unit(), ...extra]);
    const nginx = ctx.drivers.nginx!;
    let inspects = 0;
    const counted: KindContext = { ...ctx, drivers: { ...ctx.drivers, nginx: { ...nginx, inspect: (t, r) => (inspects++, nginx.inspect(t, r)) } } };
    const observed = await nginxUnitKind.observe(unit(), counted);
    expect(inspects).toBe(2);
    const diff = nginxUnitKind.diff(unit(), observed);
    expect(diff.action).toBe('update');
    await nginxUnitKind.apply(task(diff, observed), counted);
    expect(inspects).toBe(2);
    for (const i of [0, 1]) expect(await w.curl(i, 8088)).toBe(`${w.th.hosts[i]?.name}-8081`);
    // The same observation again is stale (a publish started since): the retry-safe path inspects.
    await nginxUnitKind.apply(task(diff, observed), counted);
    expect(inspects).toBe(4);
  });

  it('a concurrent writer moving current between plan and apply: PlanStale, no host switched by us, the re-plan converges', async () => {
    const extra: Resource[] = [group(), upstream([8082])];
    const ctx = w.nginxCtx([unit(), ...extra]);
    const observed = await nginxUnitKind.observe(unit(), ctx);
    const diff = nginxUnitKind.diff(unit(), observed);
    expect(diff.action).toBe('update');
    // Another writer switches host 0 to a version dir of its own after the plan, and reloads.
    const h0 = w.th.hosts[0]!;
    const saw = observed?.hosts[0]?.current;
    const other = 'writer-1';
    await h0.exec(`cp -a ${ROOT}/versions/${saw} ${ROOT}/versions/${other} && ln -sfn versions/${other} ${ROOT}/current.tmp && mv -T ${ROOT}/current.tmp ${ROOT}/current && kill -HUP $(cat ${ROOT}/run/nginx.pid)`);
    const before1 = (await w.th.hosts[1]!.exec(`readlink ${ROOT}/current`)).stdout;
    const err = await nginxUnitKind.apply(task(diff, observed), ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PlanStaleError);
    expect((err as Error).message).toBe(`nginx publish: current moved since the plan on Host/${h0.name} (plan saw ${saw}, now ${other}); no host was switched`);
    expect((await h0.exec(`readlink ${ROOT}/current`)).stdout.trim()).toBe(`versions/${other}`);
    expect((await w.th.hosts[1]!.exec(`readlink ${ROOT}/current`)).stdout).toBe(before1);
    await w.apply(unit(), extra);
    expect((await w.plan(unit(), extra)).diff.action).toBe('noop');
    for (const i of [0, 1]) expect(await curlUntil(i, /-8082$/)).toBe(`${w.th.hosts[i]?.name}-8082`);
  });

  it('names the host when nginx is not installed', async () => {
    const h = w.th.hosts[1]!;
    await h.exec('mv /usr/sbin/nginx /usr/sbin/nginx.off');
    try {
      const err = await w.apply(unit(), [group(), upstream([8082])]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StalledError);
      expect((err as Error).message).toBe(`nginx unit web: nginx is not installed on Host/${h.name} (nginx -v found no nginx); install it, then re-run`);
    } finally {
      await h.exec('mv /usr/sbin/nginx.off /usr/sbin/nginx');
    }
  });

  it('a host whose disk is full fails the publish as failed, not stalled, names the write error, switches no host and leaves no dir; freed, it converges (found by bench/reliability)', async () => {
    const full = (over: Partial<NginxUnitSpec> = {}) => unit({ root: '/dev/shm/ngx-full', vars: { upstream: 'web', listen: 8089 }, ...over });
    const h = w.th.hosts[1]!;
    await h.exec('dd if=/dev/zero of=/dev/shm/fill bs=1M 2>/dev/null; true');
    try {
      const err = await w.apply(full(), [group(), upstream([8081])]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FailedError);
      expect((err as Error).message).toMatch(new RegExp(`^writing version [0-9a-f]+-[0-9a-z]+ failed on Host/${h.name}: .*No space left on device; no host was switched$`));
      for (const x of w.th.hosts) expect((await x.exec('ls -A /dev/shm/ngx-full/versions 2>/dev/null; readlink /dev/shm/ngx-full/current; true')).stdout.trim()).toBe('');
    } finally {
      await h.exec('rm -f /dev/shm/fill');
    }
    await w.apply(full(), [group(), upstream([8081])]);
    expect((await w.plan(full(), [group(), upstream([8081])])).diff.action).toBe('noop');
    expect(await w.curl(1, 8089)).toBe(`${w.th.hosts[1]?.name}-8081`);
  });
});
