/**
 * Canary secrets (issue 14 figures): one operator secret from the environment, one from a file, one encrypted in the
 * repo with age, each used as a Host's SSH key (resolved at observe, then refused by the SSH library: its error
 * travels through plans, logs, run records and status). driftless is run the way users run it — `validate`,
 * `plan --json`, `apply --yes` and `serve` (HTTP: /status, /status/:kind/:name, /runs, /runs/:id, /metrics) at log
 * level debug — and everything it wrote or served is grepped: stdout, stderr, every file of the state dir, every HTTP
 * answer and the status-branch report rendered from the journal. The count of canary occurrences must be 0.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { renderReport } from '../../src/report/render.js';
import type { JournalData } from '../../src/journal/types.js';
import { runCli, spawnCli, waitFor } from '../harness/cli.js';
import { tempDir } from '../harness/tmp.js';

export interface CanaryFigures {
  canaries: string[];
  /** Where each place was grepped, and how many occurrences of any canary it held. */
  places: { what: string; bytes: number; hits: number }[];
  total: number;
  /** What was grepped, by place (for assertions that the run reached the secrets at all). */
  texts: Record<string, string>;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

export async function runCanaries(): Promise<CanaryFigures> {
  const tag = randomBytes(6).toString('hex');
  const canaries = [`canary-env-${tag}-value`, `canary-file-${tag}-value`, `canary-age-${tag}-value`];
  const [envValue, fileValue, ageValue] = canaries as [string, string, string];
  const root = tempDir('canary');
  const op = join(root, 'operator');
  const repo = join(root, 'repo');
  const state = join(root, 'state');
  mkdirSync(op, { recursive: true });
  mkdirSync(repo);
  execFileSync('age-keygen', ['-o', join(op, 'age.txt')], { stdio: 'pipe' });
  const recipient = /public key: (age1\S+)/.exec(readFileSync(join(op, 'age.txt'), 'utf8'))?.[1] as string;
  writeFileSync(join(op, 'file-secret'), fileValue, { mode: 0o600 });
  const port = await closedPort();
  const http = await closedPort();
  writeFileSync(
    join(op, 'config.yaml'),
    stringify({
      secrets: {
        'canary-env': { env: 'CANARY_ENV', allow: { hosts: ['127.0.0.1'] } },
        'canary-file': { file: 'file-secret', allow: { hosts: ['127.0.0.1'] } },
      },
      age: { identities: { file: 'age.txt' } },
    }),
  );
  const armored = execFileSync('age', ['-a', '-r', recipient], { input: ageValue }).toString();
  const host = (name: string, privateKey: unknown) => stringify({ apiVersion: 'driftless.dev/v1', kind: 'Host', metadata: { name }, spec: { address: '127.0.0.1', port, privateKey } });
  writeFileSync(join(repo, 'driftless.yaml'), stringify({ retry: { attempts: 1 }, age: { recipients: [recipient] } }));
  writeFileSync(join(repo, 'hosts.yaml'), [host('h-env', { secret: 'canary-env' }), host('h-file', { secret: 'canary-file' }), host('h-age', { age: armored })].join('---\n'));

  const env = { CANARY_ENV: envValue, DRIFTLESS_LOG_LEVEL: 'debug', DRIFTLESS_NO_BUNDLE: '1' };
  const common = ['--state-dir', state, '--config', join(op, 'config.yaml'), '--log-level', 'debug'];
  const outputs: { what: string; text: string }[] = [];
  for (const args of [['validate', repo], ['plan', repo, '--json'], ['apply', repo, '--yes'], ['status']]) {
    const r = await runCli([...args, ...common], { env });
    outputs.push({ what: `cli ${args[0]} stdout+stderr`, text: r.stdout + r.stderr });
  }
  const daemon = spawnCli(['serve', '--repo', repo, '--listen', `127.0.0.1:${http}`, '--no-status-push', '--state-dir', state, '--config', join(op, 'config.yaml')], { env });
  const base = `http://127.0.0.1:${http}`;
  try {
    await waitFor('daemon ready', async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, 120_000, 200);
    const { runs } = (await (await fetch(`${base}/runs`)).json()) as { runs: { id: string }[] };
    for (const path of ['/status', '/status/Host/h-env', '/status/Host/h-file', '/status/Host/h-age', '/runs', '/metrics', ...runs.slice(0, 3).map((r) => `/runs/${r.id}`)]) {
      outputs.push({ what: `http ${path}`, text: await (await fetch(`${base}${path}`)).text() });
    }
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.done;
  }
  outputs.push({ what: 'serve stdout+stderr', text: daemon.output() });
  for (const f of filesUnder(state)) outputs.push({ what: `state ${f.slice(state.length + 1)}`, text: readFileSync(f).toString('latin1') });
  const journal = JSON.parse(readFileSync(join(state, 'journal.json'), 'utf8')) as JournalData;
  for (const [path, text] of Object.entries(renderReport(journal, { description: repo, branch: 'main', ready: true, running: false }))) {
    outputs.push({ what: `status branch ${path}`, text });
  }
  const places = outputs.map((o) => ({ what: o.what, bytes: o.text.length, hits: canaries.reduce((n, c) => n + o.text.split(c).length - 1, 0) }));
  return { canaries, places, total: places.reduce((n, p) => n + p.hits, 0), texts: Object.fromEntries(outputs.map((o) => [o.what, o.text])) };
}
