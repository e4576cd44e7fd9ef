/**
 * Lab hosts with the engine socket: the docker CLI inside drives the shared engine, a container started in the
 * host's network namespace answers on the host's own loopback, and tearing the hosts down removes what they
 * started (namespace guests and containers labelled with the host's name), so no run leaves nodes behind.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { HOST_NETWORK_FILE } from '../../src/lab/hosts.js';
import { labDocker } from './docker.js';
import { startTestHosts } from './hosts.js';

it('runs sibling containers from a lab host and removes them with it', async () => {
  const th = await startTestHosts(1, { name: 'guests', dockerSocket: true });
  const mark = `guest-${randomBytes(3).toString('hex')}`;
  const docker = labDocker();
  try {
    const host = th.hosts[0]!;
    const image = process.env.DRIFTLESS_HOST_IMAGE ?? '';
    const ns = await host.exec(
      `docker run -d --label ${mark}=1 --network "$(cat ${HOST_NETWORK_FILE})" ${image} python3 -m http.server 8099 >/dev/null && ` +
        `docker run -d --label ${mark}=1 --label "driftless.host=$(hostname)" --network bridge ${image} sleep 600 >/dev/null`,
    );
    expect(ns.code, ns.stderr).toBe(0);
    const deadline = Date.now() + 20_000;
    let answer = await host.exec('curl -fsS -o /dev/null -w "%{http_code}" http://127.0.0.1:8099/');
    while (answer.stdout !== '200' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await host.exec('curl -fsS -o /dev/null -w "%{http_code}" http://127.0.0.1:8099/');
    }
    expect(answer.stdout).toBe('200');
    expect(await docker.listContainers({ all: true, filters: { label: [`${mark}=1`] } })).toHaveLength(2);
  } finally {
    await th.teardown();
  }
  expect(await docker.listContainers({ all: true, filters: { label: [`${mark}=1`] } })).toEqual([]);
});
