/** NginxConfig: exactly one template source, a relative file path; the default unit templates render. */
import { describe, expect, it } from 'vitest';
import { nginxConfigKind, type NginxConfigSpec } from '../../../src/kinds/nginx-config/index.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { createRenderer } from '../../../src/render/index.js';

const cfg = (spec: NginxConfigSpec): Resource<NginxConfigSpec> => ({ apiVersion: API_VERSION, kind: 'NginxConfig', metadata: { name: 'c' }, spec, source: { file: 'c.yaml', line: 1, col: 1 } });

describe('NginxConfig validate', () => {
  it.each([
    [{ file: 'nginx.conf', template: 'nginx/nginx.conf.njk' }, []],
    [{ file: 'nginx.conf' }, ['NginxConfig/c: give exactly one of template, source, content (found none)']],
    [{ file: 'a.conf', template: 't', content: 'x' }, ['NginxConfig/c: give exactly one of template, source, content (found template, content)']],
    [{ file: '../etc/passwd', content: 'x' }, ['NginxConfig/c: file ../etc/passwd must be a relative path without ..']],
  ] as [NginxConfigSpec, string[]][])('%j', (spec, messages) => {
    expect(nginxConfigKind.validate(cfg(spec), createResourceIndex([])).map((p) => p.message)).toEqual(messages);
  });
});

describe('default unit templates', () => {
  const r = createRenderer();
  const unit = { name: 'u', group: 'g', root: '/r', current: '/r/current', pidFile: '/r/run/nginx.pid', errorLog: '/r/logs/error.log', logs: '/r/logs' };

  it('nginx.conf points pid and logs into the unit root and includes upstreams and vhosts', () => {
    const text = r.render('nginx/nginx.conf.njk', { unit, vars: {}, upstreams: [] });
    expect(text).toContain('pid /r/run/nginx.pid;');
    expect(text).toContain('error_log /r/logs/error.log notice;');
    expect(text).toContain('worker_connections 1024;');
    expect(text).toContain('include upstream/*.upstream;');
  });

  it('the default vhost proxies to vars.upstream', () => {
    const text = r.render('nginx/vhost.conf.njk', { unit, vars: { upstream: 'shop', listen: 8080 }, upstreams: [] });
    expect(text).toContain('listen 8080 default_server;');
    expect(text).toContain('proxy_pass http://shop;');
  });

  it('an undefined variable fails the render', () => {
    expect(() => r.renderString('listen {{ vars.port }};', { vars: {} })).toThrow(/render template string/);
  });
});
