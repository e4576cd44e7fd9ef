/** NginxUpstream: validate table and the upstream template (weights, flags, keepalive, the empty placeholder). */
import { describe, expect, it } from 'vitest';
import { nginxUpstreamKind } from '../../../src/kinds/nginx-upstream/index.js';
import { tuned, type NginxUpstreamSpec, type RenderedUpstream } from '../../../src/kinds/nginx-upstream/spec.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { createRenderer } from '../../../src/render/index.js';

const up = (name: string, spec: NginxUpstreamSpec): Resource<NginxUpstreamSpec> => ({
  apiVersion: API_VERSION,
  kind: 'NginxUpstream',
  metadata: { name },
  spec,
  source: { file: 'u.yaml', line: 3, col: 1 },
});

describe('NginxUpstream validate', () => {
  it.each([
    ['no servers and no pools', [up('a', { group: 'g' })], ['NginxUpstream/a: no servers and no pools: give at least one, or allowEmpty: true']],
    ['allowEmpty', [up('a', { group: 'g', allowEmpty: true })], []],
    ['same upstream name in a group', [up('a-b', { group: 'g', servers: [{ address: 'x:1' }] }), up('c', { group: 'g', name: 'a_b', servers: [{ address: 'x:1' }] })], ['NginxUpstream/a-b: upstream name a_b is also used by NginxUpstream/c']],
    ['same name in other groups', [up('a', { group: 'g', servers: [{ address: 'x:1' }] }), up('b', { group: 'h', name: 'a', servers: [{ address: 'x:1' }] })], []],
  ])('%s', (_name, all, messages) => {
    const index = createResourceIndex(all as Resource[]);
    const first = all[0] as Resource<NginxUpstreamSpec>;
    expect(nginxUpstreamKind.validate(first, index).map((p) => p.message)).toEqual(messages);
  });

  it('depends on its group and pools, so pools converge before units publish', () => {
    expect(nginxUpstreamKind.dependencies(up('a', { group: 'g', pools: [{ pool: 'web', port: 80 }] }))).toEqual([
      { kind: 'NginxGroup', name: 'g', path: '/spec/group' },
      { kind: 'Pool', name: 'web', path: '/spec/pools/0/pool' },
    ]);
  });
});

describe('upstream template', () => {
  const r = createRenderer();
  const render = (u: Partial<RenderedUpstream>) =>
    r.render('nginx/upstream.njk', { upstream: { resource: 'web', name: 'web', file: 'upstream/web.upstream', balance: 'round_robin', keepalive: 0, servers: [], ...u } });

  it('renders servers with their flags and the keepalive', () => {
    const text = render({
      balance: 'least_conn',
      keepalive: 8,
      servers: [tuned('10.0.0.1:80', { weight: 20 }, 'Pool/web node web-1'), tuned('10.0.0.9:80', { backup: true, maxFails: 0, failTimeout: '30s' })],
    });
    expect(text.split('\n').slice(1).join('\n')).toBe(
      [
        'upstream web {',
        '    least_conn;',
        '    server 10.0.0.1:80 weight=20 max_fails=1 fail_timeout=10s;  # Pool/web node web-1',
        '    server 10.0.0.9:80 max_fails=0 fail_timeout=30s backup;',
        '    keepalive 8;',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('renders a placeholder marked down when no server is left (nginx refuses an empty upstream)', () => {
    expect(render({})).toContain('    server 127.0.0.1:9 down;\n');
  });
});
