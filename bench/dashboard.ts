/**
 * Dashboard page weight and time to first render, measured in Debian's Chromium (playwright-core) on loopback.
 * Default: the daemon's HTTP server over the quick start's sample repo (every resource of `sample-repo/` loaded,
 * its graph, a status per resource and a full run history of 50 runs), so the numbers do not depend on lab hosts
 * being up. `--url http://127.0.0.1:8080` measures a running daemon instead (e.g. `npm run quickstart -- --serve`).
 * Prints, per page, bytes transferred (document + CSS + JS, as the browser counts them) and first contentful paint,
 * median of N cold loads (a new browser context each: no cache), against the targets < 200 KB and < 300 ms, and
 * against a named baseline: a one-line page from the same server in the same browser (the floor on this box now).
 * Usage: npx tsx bench/dashboard.ts [loads] [--url URL]     (not a test: numbers vary by machine)
 */
import { chromium } from 'playwright-core';
import { buildGraph } from '../src/engine/graph.js';
import { emptyJournal, RUN_HISTORY_LIMIT } from '../src/journal/types.js';
import { createKindRegistry } from '../src/kinds/registry.js';
import { loadRepo } from '../src/loader/index.js';
import type { Plan, RunRecord } from '../src/model/plan.js';
import { createDashboardFeed } from '../src/server/dashboard/feed.js';
import { buildServer, createMetrics } from '../src/server/index.js';
import { createLogger } from '../src/util/logger.js';
import { benchStart } from './lib/record.js';

const rec = benchStart('dashboard');
const args = process.argv.slice(2);
const urlAt = args.indexOf('--url');
const URL_ARG = urlAt >= 0 ? args[urlAt + 1] : undefined;
const LOADS = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--url') ?? (rec.quick ? 3 : 15));
const TARGET_KB = 200;
const TARGET_MS = 300;

async function sampleServer(): Promise<{ url: string; resourcePath: string; close(): Promise<void> }> {
  const registry = createKindRegistry();
  const load = await loadRepo('sample-repo', { registry });
  const graph = buildGraph(load.resources, registry);
  const now = new Date().toISOString();
  const revision = 'f'.repeat(40);
  const journal = emptyJournal();
  for (const r of load.resources) {
    const key = `${r.kind}/${r.metadata.name}`;
    journal.statuses[key] = {
      key,
      kind: r.kind,
      name: r.metadata.name,
      health: 'Healthy',
      conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: `applied revision ${revision}`, lastTransitionTime: now }],
      lastAppliedRevision: revision,
      lastAttemptedRevision: revision,
      source: r.source,
      updatedAt: now,
    };
  }
  const run = (i: number): RunRecord => ({
    id: `run-${String(i).padStart(4, '0')}-0000-0000-000000000000`,
    trigger: i % 3 === 0 ? 'webhook:github' : 'interval',
    revision,
    startedAt: now,
    finishedAt: now,
    durationMs: 200 + ((i * 7919) % 40_000),
    outcome: i % 11 === 0 ? 'Failed' : i % 4 === 0 ? 'Succeeded' : 'NoChanges',
    counts: { noop: load.resources.length },
    results: load.resources.map((r, w) => ({ key: `${r.kind}/${r.metadata.name}`, action: 'noop', wave: w % 4, status: 'noop', attempts: 1, durationMs: 3 })),
  });
  journal.runs = Array.from({ length: RUN_HISTORY_LIMIT }, (_, i) => run(i));
  journal.lastGoodRevision = revision;
  const feed = createDashboardFeed();
  const plan: Plan = {
    revision,
    createdAt: now,
    waves: graph.waves,
    prune: [],
    tasks: load.resources.map((r) => {
      const key = `${r.kind}/${r.metadata.name}`;
      return { key, kind: r.kind, name: r.metadata.name, action: 'noop', wave: graph.wave.get(key) ?? 0, changes: [], dependsOn: graph.deps.get(key) ?? [], digest: '', desired: r };
    }),
  };
  feed.setPlan(plan);
  const app = buildServer({
    secrets: {}, bodyLimit: 1 << 20, burst: 10, perSecond: 1, replayWindowMs: 60_000, branch: 'main',
    statusBranch: () => 'driftless/status', requestFetch: () => undefined, metrics: createMetrics(),
    logger: createLogger({ level: 'silent' }),
    read: () => journal,
    live: () => ({ description: 'dir sample-repo', branch: 'dir', ready: true, running: false }),
    feed,
  });
  // The baseline: the smallest page the same server and browser can show (what a render costs on this box now).
  app.get('/bench-baseline', async (_req, reply) => reply.type('text/html').send('<!doctype html><title>b</title><h1>baseline</h1>'));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  // The resource with the most edges: the heaviest resource page.
  const busiest = [...graph.nodes.keys()].sort((a, b) => (graph.deps.get(b)!.length + graph.dependents.get(b)!.length) - (graph.deps.get(a)!.length + graph.dependents.get(a)!.length))[0]!;
  const [kind, name] = busiest.split('/');
  console.log(`sample-repo: ${load.resources.length} resources, ${journal.runs.length} runs; resource page ${busiest}`);
  return { url, resourcePath: `/ui/resources/${kind}/${name}`, close: () => app.close() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const target = URL_ARG ? { url: URL_ARG.replace(/\/$/, ''), resourcePath: undefined, close: async () => undefined } : await sampleServer();
  const browser = await chromium.launch({ executablePath: process.env.DRIFTLESS_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const figures: string[] = [];
  let met = true;
  const byPath = new Map<string, { kb: number; ms: number }>();
  try {
    const pages = [...(target.resourcePath ? ['/bench-baseline', target.resourcePath] : []), '/ui/', '/ui/deployment-engine'];
    for (const path of pages) {
      const bytes: number[] = [];
      const fcp: number[] = [];
      const htmlDone: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await ctx.newPage();
        await page.goto(`${target.url}${path}`, { waitUntil: 'load' });
        const m = await page.evaluate(async () => {
          // First contentful paint can land just after `load`; wait for its entry.
          const paint = await new Promise<number>((resolve) => {
            const found = performance.getEntriesByName('first-contentful-paint')[0];
            if (found) return resolve(found.startTime);
            new PerformanceObserver((list) => resolve(list.getEntries()[0]!.startTime)).observe({ type: 'paint', buffered: true });
          });
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
          return { paint, html: nav.responseEnd, bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0) };
        });
        bytes.push(m.bytes);
        fcp.push(m.paint);
        htmlDone.push(m.html);
        await ctx.close();
      }
      const kb = median(bytes) / 1024;
      const ms = median(fcp);
      byPath.set(path, { kb, ms });
      if (path !== '/bench-baseline') met &&= kb < TARGET_KB && ms < TARGET_MS;
      console.log(
        `${path.padEnd(32)} transferred ${kb.toFixed(1)} KB (target < ${TARGET_KB} KB: ${kb < TARGET_KB ? 'met' : 'NOT met'}), ` +
          `first contentful paint median ${ms.toFixed(0)} ms, max ${Math.max(...fcp).toFixed(0)} ms of ${LOADS} cold loads (target < ${TARGET_MS} ms: ${ms < TARGET_MS ? 'met' : 'NOT met'}); HTML received at ${median(htmlDone).toFixed(0)} ms`,
      );
    }
  } finally {
    await browser.close();
    await target.close();
  }
  const fig = (label: string, path: string | undefined) => {
    const m = path ? byPath.get(path) : undefined;
    return m ? `${label} ${m.kb.toFixed(1)} KB / ${m.ms.toFixed(0)} ms` : undefined;
  };
  const line = [fig('overview', '/ui/'), fig('busiest resource page', target.resourcePath), fig('Deployment Engine', '/ui/deployment-engine')].filter(Boolean).join(', ');
  figures.push(`${line}; baseline one-line page ${fig('', '/bench-baseline')?.trim() ?? 'not measured (--url)'}; medians of ${LOADS} cold loads`);
  rec.finish({
    compares: 'dashboard pages in Debian\'s Chromium (sample repo, 50 runs of history): bytes transferred and first contentful paint vs a one-line page from the same server',
    figures,
    target: `every page < ${TARGET_KB} KB and first contentful paint < ${TARGET_MS} ms`,
    met,
  });
}

await main();
