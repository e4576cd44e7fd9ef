/**
 * Issue 14: canary secrets (env, file, age-encrypted in the repo) never appear in anything driftless writes or serves
 * (see canary.ts for what is run and grepped). Also proves the run reached the secrets: each Host's status names the
 * SSH key failure, so the values were resolved and the failure travelled through every channel that was grepped.
 */
import { describe, expect, it } from 'vitest';
import { runCanaries } from './canary.js';

describe('canary secrets', () => {
  it('0 occurrences in stdout, stderr, the state dir, HTTP answers and the status report', async () => {
    const f = await runCanaries();
    expect(f.places.filter((p) => p.hits > 0)).toEqual([]);
    expect(f.total).toBe(0);
    const status = f.places.find((p) => p.what === 'http /status');
    expect(status?.bytes).toBeGreaterThan(0);
    expect(f.places.filter((p) => p.what.startsWith('state ')).length).toBeGreaterThan(2);
    // the values were resolved and handed to the SSH library (which refused them as keys): the run reached them
    for (const h of ['h-env', 'h-file', 'h-age']) expect(f.texts[`http /status/Host/${h}`]).toContain(`ssh private key for Host/${h}`);
  }, 240_000);
});
