/** nginx's complaints in the repo's terms (issue 18.21) and the pid rule (issue 18.20), as pure functions. */
import { describe, expect, it } from 'vitest';
import { StalledError } from '../../../src/errors.js';
import { checkPidDirective, explainNginxMessage } from '../../../src/kinds/nginx-unit/explain.js';
import { sharedSchemaRegistry } from '../../../src/loader/schema-registry.js';

const ROOT = '/etc/driftless/nginx/web';
const files = { 'conf.d/feed.conf': 'server {\n  listen 80;\n  proxy_bogus on;\n}\n', 'nginx.conf': 'events {}\n' };
const origins = { 'conf.d/feed.conf': { from: 'NginxConfig/feed-vhost', at: 'nginx/feed.yaml:37' } };

describe('explainNginxMessage', () => {
  it('names the resource, where it is declared and the rendered line for a host path', () => {
    const msg = `nginx -t failed on Host/web-1: nginx: [emerg] unknown directive "proxy_bogus" in ${ROOT}/versions/0a1b2c-lq3/conf.d/feed.conf:3; no host was switched`;
    expect(explainNginxMessage(msg, ROOT, files, origins)).toBe(
      'nginx -t failed on Host/web-1: nginx: [emerg] unknown directive "proxy_bogus" in conf.d/feed.conf:3 [rendered from NginxConfig/feed-vhost (nginx/feed.yaml:37): "proxy_bogus on;"]; no host was switched',
    );
  });

  it('leaves places it cannot explain as nginx said them', () => {
    const other = 'nginx: [emerg] open() "/etc/x.conf" failed in /etc/nginx/nginx.conf:9';
    expect(explainNginxMessage(other, ROOT, files, origins)).toBe(other);
    const unknown = `in ${ROOT}/versions/abc/nginx.conf:1`;
    expect(explainNginxMessage(unknown, ROOT, files, origins)).toBe(unknown);
  });
});

describe('checkPidDirective', () => {
  const pid = `${ROOT}/run/nginx.pid`;
  it.each([
    ['the unit pid file', `worker_processes 1;\npid ${pid};\nevents {}`, undefined],
    ['another pid', 'pid /run/nginx.pid;\nevents {}', /sets pid \/run\/nginx\.pid; driftless reloads nginx through the unit's pid file: write "pid \{\{ unit\.pidFile \}\};"/],
    ['no pid at all', 'events {}', /sets no pid/],
    ['a commented-out right pid and a wrong one', `# pid ${pid};\npid /tmp/x.pid;`, /sets pid \/tmp\/x\.pid/],
  ])('%s', (_name, conf, error) => {
    const run = () => checkPidDirective(conf, pid, 'NginxConfig/main');
    if (error) {
      expect(run).toThrow(StalledError);
      expect(run).toThrow(error);
    } else expect(run).not.toThrow();
  });
});

describe('NginxUpstream directives schema', () => {
  const id = 'https://driftless.dev/schemas/nginx-upstream.schema.json';
  it.each([
    ['check interval=3000 rise=2 fall=5 timeout=1000 type=http', true],
    ['zone web 64k;', true],
    ['ntlm', true],
    ['check_http_send "HEAD / HTTP/1.0\\r\\n\\r\\n"', true],
    ['server 10.0.0.1:80; server 10.0.0.2:80', false],
    ['location / { return 200; }', false],
    ['zone a 1k;\n}\nserver { listen 9', false],
    ['# comment', false],
  ])('%j accepted: %s', (directive, ok) => {
    const errors = sharedSchemaRegistry().validate(id, { group: 'g', directives: [directive] });
    expect(errors.length === 0).toBe(ok);
  });
});
