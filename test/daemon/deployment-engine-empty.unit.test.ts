/** `/deployment-engine/*` without any CFDeployment is 404 with a reason, not 403 (issue 18.8): nothing is forbidden. */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../harness/tmp.js';
import { testServer } from './helpers.js';
import { createDeploymentReadModel } from '../../src/kinds/cf-deployment/read-model.js';
import { createFileStore } from '../../src/store/index.js';

describe('Deployment Engine routes with no deployment', () => {
  it.each(['/deployment-engine/status', '/deployment-engine/hardware', '/deployment-engine/config'])('%s answers 404 saying why', async (url) => {
    const app = testServer({ deployments: createDeploymentReadModel(createFileStore(tempDir('de-empty'))) });
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'no CFDeployment has been observed yet', reason: expect.stringMatching(/declare a CFDeployment/) });
  });
});
