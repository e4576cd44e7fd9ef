/**
 * Git source vs native git on a synthetic monorepo (5,000 commits, 3,000 YAML files) served by the test harness's
 * smart-HTTP server (`git http-backend`) on 127.0.0.1: no-op poll, first clone + load, one-commit fetch + load, and
 * the RSS of a real `driftless serve` process holding that repo. Prints figures against issue 3's targets.
 * Usage: npx tsx bench/git-poll.ts [commits] [files] [--quick]     (not a test: numbers vary by machine)
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKindRegistry } from '../src/kinds/registry.js';
import { createLoadCache, loadRepo } from '../src/loader/index.js';
import type { Revision } from '../src/source/index.js';
import { createOperatorSecretResolver } from '../src/secrets/operator.js';
import { openSource } from '../src/source/index.js';
import { startGitServer } from '../test/harness/git-server.js';
import { benchStart } from './lib/record.js';

const execFileAsync = promisify(execFile);
const rec = benchStart('git-poll');
const positional = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
const COMMITS = Number(positional[0] ?? (rec.quick ? 200 : 5000));
const FILES = Number(positional[1] ?? (rec.quick ? 100 : 3000));
const work = mkdtempSync(join(tmpdir(), 'driftless-bench-poll-'));
const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
/** Async on purpose: the smart-HTTP server runs in this process, so a blocking exec would deadlock it. */
const git = async (...args: string[]): Promise<string> =>
  (await execFileAsync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@bench', ...args], { env: ENV, maxBuffer: 1 << 28 })).stdout.trim();

function clusterYaml(i: number, rev: number): string {
  return `apiVersion: driftless.dev/v1\nkind: Cluster\nmetadata:\n  name: c-${String(i).padStart(5, '0')}\nspec:\n  description: cluster ${i} revision ${rev}\n  owner: team-${i % 40}\n`;
}

/** Builds the history with one `git fast-import` stream: commit 1 adds every file, each later commit edits one. */
function buildRepo(bare: string): void {
  const parts: string[] = [];
  const blob = (path: string, text: string) => `M 100644 inline ${path}\ndata ${Buffer.byteLength(text)}\n${text}\n`;
  for (let c = 1; c <= COMMITS; c++) {
    const msg = `commit ${c}`;
    parts.push(`commit refs/heads/main\ncommitter bench <bench@bench> ${1_700_000_000 + c} +0000\ndata ${msg.length}\n${msg}\n`);
    if (c === 1) {
      parts.push(blob('driftless.yaml', 'apiVersion: driftless.dev/v1\nconcurrency: 16\n'));
      for (let i = 0; i < FILES; i++) parts.push(blob(`clusters/c-${String(i).padStart(5, '0')}.yaml`, clusterYaml(i, 1)));
    } else {
      const i = c % FILES;
      parts.push(blob(`clusters/c-${String(i).padStart(5, '0')}.yaml`, clusterYaml(i, c)));
    }
    parts.push('\n');
  }
  execFileSync('git', ['--git-dir', bare, 'fast-import', '--quiet'], { input: parts.join(''), env: ENV, maxBuffer: 1 << 28 });
  execFileSync('git', ['--git-dir', bare, 'gc', '--quiet'], { env: ENV });
}

async function timeIt(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const rows: string[][] = [];
const verdicts: boolean[] = [];
function row(what: string, native: number, ours: number, target: string, ok: boolean): void {
  if (target !== '(info)') verdicts.push(ok);
  rows.push([what, fmt(native), fmt(ours), `${(ours / native).toFixed(2)}x`, target, ok ? 'met' : 'MISSED']);
}

async function daemonRss(url: string): Promise<{ peakMiB: number; rssMiB: number; firstRunMs: number }> {
  const stateDir = join(work, 'daemon-state');
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'driftless.js'), 'serve', '--repo', url, '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--interval', '1s', '--no-status-push', '--drift-interval', '0s'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DRIFTLESS_LOG_LEVEL: 'info' },
  });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 20 * 60_000;
  while (!log.includes('"msg":"run finished"')) {
    if (Date.now() > deadline) throw new Error(`daemon did not finish its first run: ${log.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const firstRunMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5000)); // a few idle polls at 1 s, so steady-state RSS is included
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  return { peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024, firstRunMs };
}

async function main(): Promise<void> {
  const server = await startGitServer();
  try {
    const bare = await server.createBareRepo('bench.git');
    const tBuild = await timeIt(() => buildRepo(bare));
    const url = server.url('bench.git');
    process.stderr.write(`built ${COMMITS} commits / ${FILES} files in ${fmt(tBuild)}; serving ${url}\n`);
    const registry = createKindRegistry();
    const secrets = createOperatorSecretResolver();

    const step = (m: string) => process.stderr.write(`[bench] ${m}\n`);
    step('first clone');
    // first clone (depth 1) + load
    const nativeClone: number[] = [];
    const oursClone: number[] = [];
    const oursFirstLoad: number[] = [];
    for (let i = 0; i < 3; i++) {
      const dir = join(work, `native-${i}`);
      step(`clone ${i}`);
      nativeClone.push(await timeIt(() => git('clone', '--quiet', '--depth', '1', '--single-branch', '--branch', 'main', url, dir)));
      const source = await openSource({ type: 'git', url, ref: 'main' }, { cacheDir: join(work, `ours-${i}`), secrets });
      let rev: Revision | undefined;
      oursClone.push(await timeIt(async () => (rev = await source.fetch())));
      // As the daemon loads: with the source's listing (blob ids) and a parse cache that lives as long as it does.
      oursFirstLoad.push(await timeIt(() => loadRepo(rev!.dir, { registry, files: rev!.files, cache: createLoadCache() })));
    }
    const loaded = await loadRepo(join(work, 'native-0'), { registry });
    if (loaded.resources.length !== FILES || loaded.problems.length > 0) throw new Error(`load saw ${loaded.resources.length} resources, ${loaded.problems.length} problems`);

    step('no-op poll');
    const source = await openSource({ type: 'git', url, ref: 'main' }, { cacheDir: join(work, 'ours-0'), secrets });
    await source.poll();
    const nativePoll: number[] = [];
    const oursPoll: number[] = [];
    for (let i = 0; i < 20; i++) {
      nativePoll.push(await timeIt(() => git('ls-remote', url, 'refs/heads/main')));
      oursPoll.push(await timeIt(() => source.poll()));
    }

    step('one-commit update');
    // one-commit update: a writer pushes one edit; native fetch + checkout vs ours fetch (+ load)
    const writer = join(work, 'writer');
    await git('clone', '--quiet', '--depth', '1', url, writer);
    const cache = createLoadCache();
    const first = await source.fetch();
    await loadRepo(first.dir, { registry, files: first.files, cache });
    const nativeUpd: number[] = [];
    const oursUpd: number[] = [];
    const oursUpdLoad: number[] = [];
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(writer, 'clusters', 'c-00007.yaml'), clusterYaml(7, 100_000 + i));
      await git('-C', writer, 'commit', '--quiet', '-am', `update ${i}`);
      await git('-C', writer, 'push', '--quiet', 'origin', 'HEAD:main');
      const nd = join(work, 'native-1');
      nativeUpd.push(await timeIt(async () => {
        await git('-C', nd, 'fetch', '--quiet', '--depth', '1', 'origin', 'main');
        await git('-C', nd, 'checkout', '--quiet', '-f', 'FETCH_HEAD');
      }));
      let rev: Revision | undefined;
      const f = await timeIt(async () => (rev = await source.fetch()));
      const l = await timeIt(async () => {
        const r = await loadRepo(rev!.dir, { registry, files: rev!.files, cache });
        if (r.resources.length !== FILES || !r.resources.some((x) => String((x.spec as { description?: string }).description).endsWith(`revision ${100_000 + i}`))) {
          throw new Error('incremental load missed the pushed change');
        }
      });
      oursUpd.push(f);
      oursUpdLoad.push(f + l);
    }

    const nPoll = median(nativePoll);
    const nClone = median(nativeClone);
    const nUpd = median(nativeUpd);
    const firstLoad = median(oursClone.map((c, i) => c + oursFirstLoad[i]!));
    row('no-op poll (ls-remote)', nPoll, median(oursPoll), '<= native', median(oursPoll) <= nPoll);
    row('one-commit fetch only', nUpd, median(oursUpd), '(info)', true);
    row('one-commit fetch + load', nUpd, median(oursUpdLoad), '<= native', median(oursUpdLoad) <= nUpd);
    row('first clone depth 1 (checkout)', nClone, median(oursClone), '(info)', true);
    row('first clone + load', nClone, firstLoad, '<= 10x native and <= 3 s', firstLoad <= 10 * nClone && firstLoad <= 3000);
    const widths = [0, 1, 2, 3, 4, 5].map((c) => Math.max(...[['measure', 'native', 'driftless', 'ratio', 'target', ''], ...rows].map((r) => r[c]!.length)));
    const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ');
    console.log(line(['measure', 'native', 'driftless', 'ratio', 'target', '']));
    for (const r of rows) console.log(line(r));
    console.log(`load of ${FILES} files alone (median of first loads): ${fmt(median(oursFirstLoad))}`);
    step('daemon rss (first run applies every resource once)');
    const rss = await daemonRss(url);
    console.log(`daemon (driftless serve) first run incl. start: ${fmt(rss.firstRunMs)}; RSS now ${rss.rssMiB.toFixed(0)} MiB, peak ${rss.peakMiB.toFixed(0)} MiB (target <= 150 MiB: ${rss.peakMiB <= 150 ? 'met' : 'MISSED'})`);
    console.log(`bench process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; git server requests ${server.requests.length}`);
    rec.finish({
      compares: `Git source vs native git (fetch + checkout) on ${COMMITS} commits / ${FILES} files over smart HTTP; RSS of a real \`driftless serve\` holding that repo`,
      figures: [
        ...rows.filter((r) => r[4] !== '(info)').map((r) => `${r[0]}: ${r[2]} vs native ${r[1]} (${r[3]})`),
        `daemon first run incl. start ${fmt(rss.firstRunMs)}, peak RSS ${rss.peakMiB.toFixed(0)} MiB`,
      ],
      target: 'no-op poll and one-commit fetch + load <= native; first clone + load <= 3 s and <= 10x native; daemon peak RSS <= 150 MiB',
      met: verdicts.every(Boolean) && rss.peakMiB <= 150,
    });
  } finally {
    await server.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
