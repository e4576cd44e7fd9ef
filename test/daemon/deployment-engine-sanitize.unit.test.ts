/**
 * The Deployment Engine routes serve what CFDeployment installs left in the state dir: install logs hold whatever
 * the install scripts printed, including a password a component echoed. A registered secret written into a log
 * must never come back over HTTP, whichever route serves it (GET by name, the seed's PUT with the name as body).
 */
import { describe, expect, it } from 'vitest';
import { appendLog, saveSnapshot } from '../../src/kinds/cf-deployment/store.js';
import { createDeploymentReadModel } from '../../src/kinds/cf-deployment/read-model.js';
import { createFileStore } from '../../src/store/index.js';
import { registerSecret } from '../../src/util/sanitize.js';
import { tempDir } from '../harness/tmp.js';
import { testServer } from './helpers.js';

const SECRET = 'cf-admin-password-4f9a1c7e';

async function server() {
  const store = createFileStore(tempDir('de-sanitize'));
  await saveSnapshot(store, {
    deployment: 'cf',
    observedAt: '2026-01-01T00:00:00.000Z',
    observed: { hosts: [], instances: [], preflight: [], resurrection: { enabled: true, maxDown: 1, maxDownPercent: 50 } },
    config: { properties: { note: `admin uses ${SECRET}` } },
  });
  await appendLog(store, 'cf', 'nats_0.log', `installing nats\nnats password=${SECRET}\ncloning https://ops:${SECRET}@git.example/x.git\n`);
  await appendLog(store, 'cf', 'local.log', `deploy started with ${SECRET}\n`);
  registerSecret(SECRET);
  return testServer({ deployments: createDeploymentReadModel(store) });
}

describe('Deployment Engine routes and the sanitiser', () => {
  it('an install log holding a registered secret is served with the secret masked (GET and PUT)', async () => {
    const app = await server();
    const get = await app.inject({ method: 'GET', url: '/deployment-engine/download/nats_0.log' });
    expect(get.statusCode).toBe(200);
    expect(get.body).toContain('installing nats');
    expect(get.body).not.toContain(SECRET);
    expect(get.body).toContain('nats password=***');
    const put = await app.inject({ method: 'PUT', url: '/deployment-engine/download', payload: '"local.log"' });
    expect(put.statusCode).toBe(200);
    expect(put.body).toContain('deploy started with ***');
    expect(put.body).not.toContain(SECRET);
  });

  it('no other Deployment Engine answer carries the secret either', async () => {
    const app = await server();
    for (const url of ['/deployment-engine/config', '/deployment-engine/download', '/deployment-engine/status', '/deployment-engine/hardware']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).not.toContain(SECRET);
    }
  });
});
