/** `/deployment-engine/*` without any CFDeployment is 404 with a reason, not 403 (issue 18.8): nothing is forbidden. */
import { describe, expect, it } from 'vitest';
import { emptyJournal } from '../../src/journal/types.js';
import { buildServer, createMetrics } from '../../src/server/index.js';
import { createLogger } from '../../src/util/logger.js';
import { tempDir } from '../harness/tmp.js';

describe('Deployment Engine routes with no deployment', () => {
  it.each(['/deployment-engine/status', '/deployment-engine/hardware', '/deployment-engine/config'])('%s answers 404 saying why', async (url) => {
    const app = buildServer({
      secrets: {},
      bodyLimit: 2048,
      burst: 10,
      perSecond: 1,
      replayWindowMs: 60_000,
      branch: 'main',
      statusBranch: () => 'driftless/status',
      requestFetch: () => undefined,
      metrics: createMetrics(),
      logger: createLogger({ level: 'silent' }),
      read: emptyJournal,
      live: () => ({ description: 'dir', branch: 'dir', ready: true, running: false }),
      stateDir: tempDir('de-empty'),
    });
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'no CFDeployment has been observed yet', reason: expect.stringMatching(/declare a CFDeployment/) });
  });
});
