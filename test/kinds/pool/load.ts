/**
 * A bounded load generator for rollout tests: a shell loop inside a lab host requests every URL once per round
 * (until a stop file or 20000 rounds) and appends the HTTP codes of the round to a log, so every failed request
 * is recorded with its round and the test can tell WHICH node failed WHEN relative to the others.
 */
import { expect } from 'vitest';
import type { LabHost } from '../../../src/lab/hosts.js';
import { waitFor } from '../../harness/cli.js';

export interface LoadRecord {
  /** One entry per round: per URL, whether the request failed (anything but HTTP 200). */
  failed: boolean[][];
  /** Human summary for assertion messages: rounds and failures per URL. */
  summary: string;
}

/** Starts the loop, waits for 3 all-good rounds, and returns a stop function that yields the record. */
export async function startLoad(host: LabHost, urls: string[]): Promise<{ stop(): Promise<LoadRecord> }> {
  const get = (u: string) => `$(curl -s -o /dev/null -m 2 -w "%{http_code}" ${u})`;
  const done = host.exec(
    [
      'rm -f /tmp/stop /tmp/load.log; i=0',
      'while [ ! -f /tmp/stop ] && [ $i -lt 20000 ]; do',
      `  i=$((i+1)); echo "${urls.map(get).join(' ')}" >> /tmp/load.log`,
      'done',
    ].join('\n'),
  );
  const good = `^${urls.map(() => '200').join(' ')}$`;
  await waitFor('3 good load rounds', async () => Number((await host.exec(`grep -c "${good}" /tmp/load.log 2>/dev/null || true`)).stdout.trim()) >= 3, 30_000);
  return {
    async stop() {
      await host.exec('touch /tmp/stop');
      await done;
      const rounds = (await host.exec('cat /tmp/load.log')).stdout.trim().split('\n').map((l) => l.split(' '));
      const failed = rounds.map((r) => urls.map((_, k) => r[k] !== '200'));
      const per = urls.map((u, k) => `${u} ${failed.filter((r) => r[k]).length}`).join(', ');
      return { failed, summary: `${rounds.length} rounds; failures: ${per}` };
    },
  };
}

/** Rounds where URL `k` failed, grouped into contiguous windows `[first, last]`. */
export function failureWindows(record: LoadRecord, k: number): [number, number][] {
  const out: [number, number][] = [];
  record.failed.forEach((round, i) => {
    if (!round[k]) return;
    const last = out.at(-1);
    if (last && last[1] === i - 1) last[1] = i;
    else out.push([i, i]);
  });
  return out;
}

/**
 * What a maxInFlight-1 rollout without a load balancer promises (see pool-load.test.ts): load ran, never every
 * node down in the same round, each node's failures one contiguous window, and the windows disjoint.
 */
export function expectOneNodeAtATime(record: LoadRecord): void {
  const { failed, summary } = record;
  expect(failed.length, summary).toBeGreaterThan(3);
  expect(failed.filter((round) => round.every(Boolean)).length, summary).toBe(0);
  const windows = failed[0]!.map((_, k) => failureWindows(record, k));
  for (const w of windows) expect(w.length, `${summary}; windows ${JSON.stringify(windows)}`).toBeLessThanOrEqual(1);
  const spans = windows.flat().sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) expect(spans[i - 1]![1] < spans[i]![0], `${summary}; windows ${JSON.stringify(windows)}`).toBe(true);
}
