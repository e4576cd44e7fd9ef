/** The host-side shell: docker run flags from Crane's fields, labels, ownership guard, list parsing. */
import { describe, expect, it } from 'vitest';
import { listScript, loginScript, parseList, probeScript, runFlags, startScript, stopScript } from '../../../src/kinds/pool/scripts.js';

describe('runFlags', () => {
  it('maps every container field', () => {
    expect(
      runFlags({
        image: 'x',
        env: { B: '2', A: "it's" },
        workdir: '/app',
        network: 'appnet',
        ports: [{ container: 8080 }, { container: 53, host: 5353, protocol: 'udp' }],
        labels: { team: 'feed' },
        resources: { limits: { cpus: 1.5, memory: '512m' }, reservations: { cpus: 0.25, memory: '256m' } },
        restartPolicy: { condition: 'on-failure', maxAttempts: 3 },
        mounts: [{ source: '/var/log', target: '/logs' }, { type: 'volume', source: 'data', target: '/data', readOnly: true }],
      }).join(' '),
    ).toBe(
      "-e 'A=it'\\''s' -e 'B=2' -w '/app' -p '8080:8080/tcp' -p '5353:53/udp' --label 'team=feed' --cpus 1.5 --memory 512m " +
        "--cpu-shares 256 --memory-reservation 256m --restart on-failure:3 --mount 'type=bind,source=/var/log,target=/logs' " +
        "--mount 'type=volume,source=data,target=/data,readonly'",
    );
  });

  it('publishes no ports on the host network and restarts unless stopped by default', () => {
    expect(runFlags({ image: 'x', ports: [{ container: 80 }] })).toEqual(['--restart', 'unless-stopped']);
    expect(runFlags({ image: 'x', restartPolicy: { condition: 'none' } })).toEqual(['--restart', 'no']);
    expect(runFlags({ image: 'x', stopGracePeriod: '1m30s' })).toEqual(['--restart', 'unless-stopped', '--stop-timeout', '90']);
  });
});

describe('startScript', () => {
  const script = startScript(
    { image: 'x', command: ['python3', '-m', 'http.server'], args: ['8080'] },
    { pool: 'web', service: 'api', name: 'web-2', ordinal: 2, image: 'reg:5000/api:1', specDigest: 'sha256:abc' },
  );
  it('labels the node and resolves the host network through the lab file', () => {
    expect(script).toContain("--label 'driftless.pool=web' --label 'driftless.service=api' --label 'driftless.spec=sha256:abc' --label 'driftless.ordinal=2'");
    expect(script).toContain('NET=$(cat /etc/driftless/docker-host-network 2>/dev/null || echo host)');
    expect(script).toContain("--entrypoint 'python3' 'reg:5000/api:1' '-m' 'http.server' '8080'");
  });
  it('refuses to replace a container that is not ours', () => {
    expect(script).toMatch(/\[ "\$OWNER" != 'web' \]; then echo .*not a node of pool web.*exit 3; fi/);
    expect(stopScript('web-2', 'web')).toMatch(/exit 3[\s\S]*docker stop 'web-2'/);
  });
});

describe('other scripts', () => {
  it('lists by pool and host labels', () => {
    expect(listScript('web')).toContain("--filter 'label=driftless.pool=web' --filter \"label=driftless.host=$H\"");
  });
  it('parses the listing and drops foreign lines', () => {
    expect(parseList('abc\tweb-1\trunning\tsha256:x\t1\t2026-01-01T00:00:00Z\treg:5000/a:1@sha256:y\nzzz\tother\texited\t\t\t\n')).toEqual([
      { id: 'abc', name: 'web-1', state: 'running', spec: 'sha256:x', ordinal: 1, created: '2026-01-01T00:00:00Z', image: 'reg:5000/a:1@sha256:y' },
    ]);
  });
  it('logs in only for images with a registry host', () => {
    expect(loginScript('reg.example:5000/a/b:1', 'u')).toBe("docker login -u 'u' --password-stdin 'reg.example:5000' >/dev/null");
    expect(loginScript('debian:bookworm', 'u')).toBeUndefined();
  });
  it('probes tcp, http and a command, each bounded', () => {
    const s = probeScript({ tcp: { port: 80 }, http: { port: 8080, path: '/health' }, command: 'test -f /ok', probeTimeout: '3s' }, ['web-0'], 'host', () => 'test -f /ok');
    expect(s).toContain('ADDR=127.0.0.1');
    expect(s).toContain('timeout 3 bash -c "</dev/tcp/$ADDR/80"');
    expect(s).toContain(`curl -fsS -o /dev/null -m 3 "http://$ADDR:"'8080/health'`);
    expect(s).toContain("timeout 3 bash -c 'test -f /ok'");
  });
  it('reports a stopped node as down when asked, and a running one as ok without a check', () => {
    const s = probeScript(undefined, ['web-1'], 'bridge', () => '', true);
    expect(s).toContain(`S=$(docker inspect -f '{{.State.Running}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' 'web-1' 2>/dev/null)`);
    expect(s).toContain(`if [ "\${S%% *}" != true ]; then echo 'web-1 down'; else\nADDR=\${S#* }`);
    expect(s).toContain("if true; then echo 'web-1 ok'; else echo 'web-1 fail'; fi");
    const onHost = probeScript(undefined, ['web-1'], 'host', () => '', true);
    expect(onHost).toContain(`if [ "$(docker inspect -f '{{.State.Running}}' 'web-1' 2>/dev/null)" != true ]; then echo 'web-1 down'; else\nADDR=127.0.0.1`);
  });
});
