/**
 * The preview queue on a real runtime (journal, loader, engine) over directory revisions of Cluster resources, which
 * need no host: the newest push to a pull request wins (a running preview is aborted, told as superseded, and never
 * published), a broken commit is a failure with file:line, previews write nothing to the journal the main branch's
 * runs read, and the Markdown carries exactly the plan text, fenced so no line can end the block early.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTextOf, renderPreviewMarkdown } from '../../src/preview/markdown.js';
import type { PreviewRecord } from '../../src/preview/model.js';
import { createPreviewService, type PreviewPublisher } from '../../src/preview/service.js';
import { openRuntime, type Runtime } from '../../src/reconcile/runtime.js';
import type { PullRequestEvent } from '../../src/server/pull-request.js';
import type { Revision } from '../../src/source/types.js';
import { createOverlayStore, createFileStore } from '../../src/store/index.js';
import { createLogger } from '../../src/util/logger.js';
import { tempDir } from '../harness/tmp.js';

let rt: Runtime;

beforeAll(async () => {
  rt = await openRuntime({ stateDir: tempDir('preview-state'), logger: createLogger({ level: 'silent' }) });
});
afterAll(async () => rt?.close());

function revision(commit: string, files: Record<string, string>): Revision {
  const dir = tempDir(`rev-${commit}`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return { commit, ref: 'refs/pull/5/head', dir };
}

const cluster = (name: string) => `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata: { name: ${name} }\nspec: { description: "${name} line", owner: ops }\n`;
const event = (sha: string): PullRequestEvent => ({
  forge: 'github',
  number: 5,
  actionName: 'synchronize',
  action: 'preview',
  headSha: sha,
  fetchRef: 'refs/pull/5/head',
  baseBranch: 'main',
  fromFork: false,
});

function recorder() {
  const calls: { what: string; state: string; commit: string; markdown?: string }[] = [];
  const publisher: PreviewPublisher = {
    name: 'forge',
    started: async (r) => void calls.push({ what: 'started', state: r.state, commit: r.headSha }),
    finished: async (r, markdown) => {
      calls.push({ what: 'finished', state: r.state, commit: r.commit ?? r.headSha, markdown });
      return 'ok';
    },
    superseded: async (r) => void calls.push({ what: 'superseded', state: r.state, commit: r.headSha }),
  };
  return { calls, publisher };
}

describe('preview service', () => {
  it('a newer push aborts the running preview, which is never published; the newer one is', async () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    let releaseA!: () => void;
    const aFetched = new Promise<void>((r) => (releaseA = r));
    let aStarted!: () => void;
    const aRunning = new Promise<void>((r) => (aStarted = r));
    const { calls, publisher } = recorder();
    const journalBefore = JSON.stringify(rt.journal.read());
    const service = createPreviewService({
      rt,
      publishers: [publisher],
      logger: createLogger({ level: 'silent' }),
      async fetch(e) {
        if (e.headSha === a) {
          aStarted();
          await aFetched; // A is still fetching when B arrives
          return revision(a, { 'clusters.yaml': cluster('alpha') });
        }
        return revision(b, { 'clusters.yaml': cluster('beta') });
      },
    });
    service.request(event(a));
    await aRunning;
    expect(service.get(5)).toMatchObject({ state: 'running', headSha: a });
    service.request(event(b));
    expect(service.get(5)).toMatchObject({ state: 'queued', headSha: b });
    releaseA();
    await service.idle();
    expect(calls.map((c) => [c.what, c.state, c.commit])).toEqual([
      ['started', 'running', a],
      ['superseded', 'superseded', a],
      ['started', 'running', b],
      ['finished', 'success', b],
    ]);
    const done = service.get(5)!;
    expect(done).toMatchObject({ state: 'success', commit: b, published: { forge: 'ok' } });
    expect(done.lines.join('\n')).toContain('+ Cluster/beta  create');
    expect(done.lines.join('\n')).not.toContain('alpha');
    expect(planTextOf(calls[3]!.markdown!)).toBe(done.lines.join('\n'));
    // plans only read: the journal the main branch's runs use is as it was
    expect(JSON.stringify(rt.journal.read())).toBe(journalBefore);
  });

  it('a broken commit is a failure listing every problem as file:line:col', async () => {
    const { calls, publisher } = recorder();
    const service = createPreviewService({
      rt,
      publishers: [publisher],
      logger: createLogger({ level: 'silent' }),
      fetch: async () => revision('c'.repeat(40), { 'clusters.yaml': `${cluster('gamma')}---\nkind: Cluster\nmetadata: { name: Bad_Name }\n` }),
    });
    service.request(event('c'.repeat(40)));
    await service.idle();
    const r = service.get(5)!;
    expect(r.state).toBe('failure');
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.lines[0]).toMatch(/^clusters\.yaml:\d+:\d+: /);
    expect(calls.at(-1)!.markdown).toContain('clusters.yaml:');
  });
});

describe('preview markdown', () => {
  it('fences the plan text with more backticks than any line holds', () => {
    const record = { number: 1, forge: 'github', headSha: 'd'.repeat(40), fetchRef: 'refs/pull/1/head', baseBranch: 'main', state: 'success', summary: 'x', problems: [], lines: ['driftless plan', '      + spec.note: "````"'], tasks: [], prune: [], requestedAt: '', published: {} } as PreviewRecord;
    const md = renderPreviewMarkdown(record);
    expect(md).toContain('`````text');
    expect(planTextOf(md)).toBe(record.lines.join('\n'));
  });
});

describe('overlay store', () => {
  it('keeps writes in memory and reads through to the shared store', async () => {
    const base = createFileStore(tempDir('overlay'));
    await base.put('cf', 'snap', 'old');
    const o = createOverlayStore(base);
    await o.put('cf', 'snap', 'new');
    await o.update('machines', 'owner', () => 'dl-1');
    await o.append('nginx', 'history.jsonl', '{"a":1}');
    expect((await o.get('cf', 'snap'))?.toString()).toBe('new');
    expect(await o.list('machines')).toEqual(['owner']);
    expect((await base.get('cf', 'snap'))?.toString()).toBe('old');
    expect(await base.get('machines', 'owner')).toBeUndefined();
    expect(await base.tail('nginx', 'history.jsonl')).toBeUndefined();
    await o.delete('cf', 'snap');
    expect(await o.get('cf', 'snap')).toBeUndefined();
    expect((await base.get('cf', 'snap'))?.toString()).toBe('old');
  });
});
