/**
 * A config author controls every byte the loader reads, and the daemon loads each new commit. Crafted YAML must
 * become a problem at file:line (nothing applied), in bounded work, and never stop the daemon's event loop: a
 * sub-megabyte file of distinct keys once took 38 s to validate, during which /healthz did not answer.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadRepo, type LoadLimits } from '../../src/loader/index.js';
import { tempDir } from '../harness/tmp.js';
import { createTestKinds, loaderSchemas } from './kinds.js';

/** The default limit for one file (ONE_MIB). */
const ONE_MIB = 1024 * 1024;
const registry = createTestKinds();
const schemas = loaderSchemas();

const cluster = (name: string) =>
  `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata:\n  name: ${name}\nspec:\n  description: d\n`;

function repoWith(files: Record<string, string | Buffer>): string {
  const dir = tempDir('hostile-yaml');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/**
 * Tests that are not about the parse time limit get a generous one: on a loaded 2-core box (CI runs Docker-backed
 * files beside this one) a 5 s budget turned a correct answer into a time-out. The limit itself is tested with 50 ms.
 */
const ROOMY: Partial<LoadLimits> = { parseTimeoutMs: 60_000 };

async function problemsOf(dir: string, limits?: Partial<LoadLimits>): Promise<string[]> {
  const result = await loadRepo(dir, { registry, schemas, limits: { ...ROOMY, ...limits } });
  return result.problems.map(formatProblem);
}

/** A Cluster with `keys` distinct labels (~26 bytes a line): what yaml's uniqueKeys made quadratic; `extra` ends them. */
function manyKeys(keys: number, extra = ''): string {
  const lines = ['apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata:\n  name: big\n  labels:\n'];
  for (let i = 0; i < keys; i++) lines.push(`    key-${i}: value-${i}\n`);
  return `${lines.join('')}${extra}spec:\n  description: d\n`;
}

describe('hostile YAML', () => {
  it('finds a duplicate among 100,000 keys in bounded work, at the duplicate key', async () => {
    // Short keys in one flow mapping, as many as fit under the file limit: comparing each key with every earlier one
    // took minutes (past the suite's timeout); one pass with a Set takes a second or two.
    const labels: string[] = [];
    for (let i = 0; i < 100_000; i++) labels.push(`k${i.toString(36)}: x`);
    const head = `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata:\n  name: big\n  labels: {${labels.join(', ')}, `;
    const text = `${head}k2s: again}\nspec:\n  description: d\n`;
    expect(text.length).toBeLessThan(ONE_MIB);
    const dir = repoWith({ 'big.yaml': text });
    const col = head.length - head.lastIndexOf('\n');
    expect(await problemsOf(dir)).toEqual([`big.yaml:5:${col}: map keys must be unique`]);
  }, 30_000); // the bound: a test's time limit (a quarter of the suite's), not a timing assertion

  it('keeps answering HTTP while a large file is parsed: parsing is off the event loop', async () => {
    const text = manyKeys(38_000);
    expect(text.length).toBeLessThan(ONE_MIB);
    const dir = repoWith({ 'big.yaml': text });
    const app = Fastify();
    app.get('/healthz', async () => ({ ok: true }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      let finished = false;
      const load = loadRepo(dir, { registry, schemas, limits: ROOMY }).finally(() => (finished = true));
      // Request after request while the load runs. Parsing on the event loop let a request or two through before
      // it started (while the loader listed files), then none until it was done.
      let answered = 0;
      while (!finished && answered < 10) {
        const res = await fetch(`${url}/healthz`);
        expect(await res.json()).toEqual({ ok: true });
        if (!finished) answered++;
      }
      expect(answered).toBe(10);
      expect((await load).problems.map(formatProblem)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('refuses a file over the size limit without parsing it, and applies nothing', async () => {
    const big = `# ${'x'.repeat(ONE_MIB)}\n`;
    const dir = repoWith({ 'a.yaml': cluster('a'), 'sample.yaml': big });
    const result = await loadRepo(dir, { registry, schemas, limits: ROOMY });
    expect(result.problems.map(formatProblem)).toEqual(['sample.yaml:1:1: file is 1 MiB, over the 1 MiB limit for one file']);
    expect(await problemsOf(dir, { maxFileBytes: 2 * ONE_MIB })).toEqual([]);
  });

  it('refuses a repo whose YAML files together pass the repo limit, from the file that passes it', async () => {
    const files: Record<string, string> = { 'driftless.yaml': 'concurrency: 2\n' };
    for (const n of ['a', 'b', 'c', 'd']) files[`${n}.yaml`] = cluster(n);
    const dir = repoWith(files);
    const size = 15 + 3 * cluster('a').length;
    expect(await problemsOf(dir, { maxRepoBytes: size })).toEqual([
      `d.yaml:1:1: the repo's YAML files reach ${size + cluster('d').length} bytes with this one, over the ${size} bytes limit for a repo; this file and the ones after it were not read`,
    ]);
    expect(await problemsOf(dir, { maxRepoBytes: size + cluster('d').length })).toEqual([]);
  });

  it('reports an alias bomb (billion laughs) at its first alias instead of failing the whole load', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const dir = repoWith({ 'a.yaml': cluster('a'), 'bomb.yaml': `${lines.join('\n')}\n` });
    expect(await problemsOf(dir)).toEqual(['bomb.yaml:2:8: excessive alias count indicates a resource exhaustion attack']);
  });

  it('refuses aliases that multiply a large anchor within yaml\'s alias count', async () => {
    const labels = Array.from({ length: 5_000 }, (_, i) => `l${i}: x`).join(', ');
    const copies = Array.from({ length: 60 }, () => '*l').join(', ');
    const text = `${cluster('big').replace('metadata:\n', `metadata:\n  labels: &l {${labels}}\n`)}  copies: [${copies}]\n`;
    const dir = repoWith({ 'big.yaml': text });
    expect(await problemsOf(dir)).toEqual([
      'big.yaml:8:12: aliases expand this document past 11138 values (about twice its own size): write the repeated parts out',
    ]);
  });

  it('reports invalid UTF-8 at the line of the first bad byte', async () => {
    const head = `${cluster('a').replace('  description: d\n', '')}  description: "café `;
    const bad = Buffer.concat([Buffer.from(head), Buffer.from([0xe9]), Buffer.from('"\n')]); // é in Latin-1
    const dir = repoWith({ 'latin1.yaml': bad });
    expect(await problemsOf(dir)).toEqual([
      `latin1.yaml:6:22: invalid UTF-8 (byte ${Buffer.byteLength(head) + 1} of the file): YAML files must be UTF-8`,
    ]);
  });

  it('gives up on a file that takes longer than the parse budget, and parses the next load normally', async () => {
    const dir = repoWith({ 'a.yaml': cluster('a'), 'big.yaml': manyKeys(38_000) });
    expect(await problemsOf(dir, { parseTimeoutMs: 50 })).toEqual(['big.yaml:1:1: took longer than 0.05 s to parse']);
    expect(await problemsOf(dir)).toEqual([]);
  });

  it('gives up on a file that needs more memory than the parse worker has', async () => {
    const dir = repoWith({ 'big.yaml': manyKeys(38_000) });
    expect(await problemsOf(dir, { parseHeapMb: 8 })).toEqual(['big.yaml:1:1: needs more than 8 MiB of memory to parse']);
  });
});
