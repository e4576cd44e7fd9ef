/**
 * Replay ids survive a restart (issue 18.8): a delivery captured before the daemon restarted is still a replay
 * after it, within its window; after the window it is forgotten. Two server instances over one real state dir.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../harness/tmp.js';
import { testServer } from './helpers.js';

const SECRET = 'restart-replay-secret';
const body = JSON.stringify({ ref: 'refs/heads/main' });
const headers = (id: string) => ({
  'content-type': 'application/json',
  'x-github-event': 'push',
  'x-github-delivery': id,
  'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
});

function daemon(replayDir: string, now: () => number) {
  const fetches: string[] = [];
  const app = testServer({ secrets: { github: SECRET }, burst: 100, replayWindowMs: 3_600_000, replayDir, requestFetch: (r) => fetches.push(r), now });
  const deliver = async (id: string) => (await app.inject({ method: 'POST', url: '/hooks/github', headers: headers(id), payload: body })).json().result as string;
  return { deliver, fetches };
}

describe('replay ids across a restart', () => {
  it('a delivery seen before the restart is a replay after it, until its window ends', async () => {
    const dir = join(tempDir('replay-restart'), 'webhooks');
    let t = 5_000_000;
    const first = daemon(dir, () => t);
    expect(await first.deliver('delivery-1')).toBe('accepted');
    expect(readFileSync(join(dir, 'replay-ids.json'), 'utf8')).toContain('github:delivery-1');

    t += 60_000;
    const second = daemon(dir, () => t);
    expect(await second.deliver('delivery-1')).toBe('replayed');
    expect(await second.deliver('delivery-2')).toBe('accepted');
    expect(second.fetches).toEqual(['webhook:github']);

    t += 3_600_000;
    const third = daemon(dir, () => t);
    expect(await third.deliver('delivery-1')).toBe('accepted');
  });
});
