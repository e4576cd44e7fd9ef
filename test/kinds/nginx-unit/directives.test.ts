/**
 * On real nginx: extra upstream directives (issue 18.22) are published and checked by the host's own `nginx -t`;
 * a directive the host's nginx lacks (nginx_upstream_check_module's `check` on Debian's nginx-light) fails the test
 * phase with the error told as the repo's resource and line (issue 18.21); a main config with another pid file is
 * refused before anything is uploaded (issue 18.20).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StalledError } from '../../../src/errors.js';
import type { NginxConfigSpec } from '../../../src/kinds/nginx-config/index.js';
import type { NginxUnitSpec } from '../../../src/kinds/nginx-unit/spec.js';
import type { NginxUpstreamSpec } from '../../../src/kinds/nginx-upstream/spec.js';
import { createNginxWorld, type NginxWorld } from './fixture.js';

let w: NginxWorld;
const ROOT = '/etc/driftless/nginx/web';

beforeAll(async () => {
  w = await createNginxWorld(1, 'ngxdir');
  await w.th.hosts[0]!.exec('mkdir -p /srv/b && echo backend > /srv/b/index.html && (cd /srv/b && nohup python3 -m http.server 8091 >/dev/null 2>&1 &)');
});
afterAll(async () => {
  await w?.close();
});

const group = () => w.res('NginxGroup', 'shop', {});
const upstream = (directives: string[]) =>
  w.res<NginxUpstreamSpec>('NginxUpstream', 'web', { group: 'shop', servers: [{ address: '127.0.0.1:8091' }], directives });
const unit = (over: Partial<NginxUnitSpec> = {}) =>
  w.res<NginxUnitSpec>('NginxUnit', 'web', { group: 'shop', hosts: { names: w.hostNames }, upstreams: ['web'], vars: { upstream: 'web', listen: 8089 }, ...over });

describe('nginx upstream directives and errors on a real host', () => {
  it('publishes a declared directive nginx knows and serves through it', async () => {
    await w.apply(unit(), [group(), upstream(['zone web_zone 64k'])]);
    const file = await w.th.hosts[0]!.exec(`cat ${ROOT}/current/upstream/web.upstream`);
    expect(file.stdout).toMatch(/^ {4}zone web_zone 64k;$/m);
    expect(await w.curl(0, 8089)).toBe('backend');
  });

  it('a directive the host nginx lacks fails nginx -t, told as the NginxUpstream and its line; nothing switched', async () => {
    const before = (await w.th.hosts[0]!.exec(`readlink ${ROOT}/current`)).stdout;
    const err = await w.apply(unit(), [group(), upstream(['check interval=3000 rise=2 fall=5 timeout=1000 type=http'])]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect((err as Error).message).toMatch(
      /unknown directive "check" in upstream\/web\.upstream:\d+ \[rendered from NginxUpstream\/web \(NginxUpstream\.yaml:1\): "check interval=3000 rise=2 fall=5 timeout=1000 type=http;"\]; no host was switched/,
    );
    expect((err as Error).message).not.toContain('/versions/');
    expect((await w.th.hosts[0]!.exec(`readlink ${ROOT}/current`)).stdout).toBe(before);
  });

  it('refuses a main config with another pid file before uploading anything', async () => {
    const main = w.res<NginxConfigSpec>('NginxConfig', 'main', { file: 'nginx.conf', content: 'pid /run/other.pid;\nevents {}\nhttp { include upstream/*.upstream; }\n' });
    const err = await w.apply(unit({ configs: ['main'] }), [group(), upstream([]), main]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect((err as Error).message).toMatch(/NginxConfig\/main: nginx\.conf sets pid \/run\/other\.pid; driftless reloads nginx through the unit's pid file/);
    expect((await w.th.hosts[0]!.exec('pgrep -f "nginx -c" | wc -l; test -e /run/other.pid && echo stray || echo clean')).stdout).toMatch(/clean/);
  });
});
