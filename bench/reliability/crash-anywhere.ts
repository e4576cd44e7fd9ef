/**
 * Crash anywhere: the whole sample repo (hosts, image build, pools, machines, nginx, CF) applied by the real CLI on
 * lab hosts of its own, killed -9 at N seeded points, then re-run until the plan is a no-op. Each point toggles the
 * repo between two variants that differ in every layer (see lib/lab.ts), so every point interrupts real work.
 * A CLI point kills `apply` on its k-th progress line (k uniform over the baseline run's lines) plus a random delay
 * of up to 1.5 s, so points fall inside tasks as well as between them; every `--daemon-every`-th point instead kills
 * a `driftless serve` running the same change at a random time within the baseline duration.
 * After each point: `apply` again (at most 3 times) until it succeeds and `plan` is a no-op, then the world is checked
 * from outside (lib/world.ts): duplicate pool containers, machines, nginx versions, CF jobs; half-written nginx
 * versions; the journal readable.
 * Usage: npx tsx bench/reliability/crash-anywhere.ts [--points 10] [--seed S] [--daemon-every 5] [--base-port 2311]
 *        [--max-minutes 60] [--at K:D] [--keep]          (not a test; traffic only to loopback and its own lab containers)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, printTable, prng, runCli, type CliRun } from './lib/cli.js';
import { labDown, labUp, writeSampleRepo, type Lab, type Variant } from './lib/lab.js';
import { checkWorld } from './lib/world.js';

const args = parseArgs(process.argv.slice(2), { points: 10 });
const daemonEvery = Number(args.extra.get('daemon-every') ?? 5);
const basePort = Number(args.extra.get('base-port') ?? 2311);
const deadline = Date.now() + Number(args.extra.get('max-minutes') ?? 60) * 60_000;
const rand = prng(args.seed);
/** `--at K:D`: every CLI point kills on line K plus D ms (to replay one point that misbehaved). */
const fixedAt = args.extra.get('at')?.split(':').map(Number) as [number, number] | undefined;

interface Point {
  n: number;
  mode: 'cli' | 'daemon';
  to: Variant;
  at: string;
  crashed: boolean;
  reruns: number;
  converged: boolean;
  duplicates: string[];
  halfWritten: string[];
  journal: boolean;
  strayTemp: number;
  note: string;
}

const work = mkdtempSync(join(tmpdir(), 'driftless-crash-'));
const stateDir = join(work, 'state');
const repo = join(work, 'repo');
const common = (lab: Lab) => ['--state-dir', lab.stateDir];

async function apply(lab: Lab, extra: Partial<Parameters<typeof runCli>[1]> = {}): Promise<CliRun> {
  return runCli(['apply', repo, '--yes', ...common(lab)], { env: { DOCKER_HOST: lab.dockerHost }, ...extra });
}

/** The plan's tasks that are not no-ops (`Kind/name action`), or why there is no plan; empty when all is no-op. */
let lastPlanWork: string[] = [];
async function planIsNoop(lab: Lab): Promise<boolean> {
  const res = await runCli(['plan', repo, '--json', ...common(lab)], { env: { DOCKER_HOST: lab.dockerHost } });
  if (res.code !== 0) {
    lastPlanWork = [`plan exit ${res.code}: ${res.output.slice(-300)}`];
    return false;
  }
  const plan = JSON.parse(res.stdout) as {
    tasks: Array<{ key: string; action: string; error?: unknown; changes?: Array<{ path: string }> }>;
    prune: Array<{ key?: string; allowed: boolean }>;
  };
  lastPlanWork = [
    ...plan.tasks.filter((t) => t.action !== 'noop' || t.error).map((t) => `${t.key} ${t.action} ${(t.changes ?? []).map((c) => c.path).join(',')}${t.error ? ` error ${JSON.stringify(t.error)}` : ''}`),
    ...plan.prune.filter((p) => p.allowed).map((p) => `prune ${p.key ?? '?'}`),
  ];
  return lastPlanWork.length === 0;
}

/** Re-runs apply until it succeeds and the plan is a no-op (at most 3 times); returns how many applies it took. */
async function converge(lab: Lab): Promise<{ reruns: number; converged: boolean; last: string }> {
  const why: string[] = [];
  for (let r = 1; r <= 3; r++) {
    const res = await apply(lab);
    const noop = res.code === 0 && (await planIsNoop(lab));
    if (noop) return { reruns: r, converged: true, last: why.join(' || ') };
    // What kept this re-run from converging: its failures, or (it succeeded) that the plan after it was not a no-op.
    const lines = res.output.split('\n').filter((l) => /^\s+! |Apply /.test(l));
    why.push(`re-run ${r} exit ${res.code}: ${(res.code === 0 ? [`succeeded, but the plan after it is not a no-op: ${lastPlanWork.join('; ')}`] : lines).slice(-4).join(' | ').slice(0, 600)}`);
  }
  return { reruns: 3, converged: false, last: why.join(' || ') };
}

/** `driftless serve` on the repo dir, killed -9 `killAfterMs` after it started. */
async function crashDaemon(lab: Lab, killAfterMs: number): Promise<CliRun> {
  const port = 20_000 + Math.floor(rand() * 20_000);
  return runCli(
    ['serve', '--repo', repo, '--no-watch', '--no-status-push', '--interval', '1h', '--drift-interval', '0s', '--listen', `127.0.0.1:${port}`, ...common(lab)],
    { env: { DOCKER_HOST: lab.dockerHost }, killAfterMs },
  );
}

async function main(): Promise<void> {
  console.log(`crash-anywhere: seed ${args.seed}, ${args.points} point(s), daemon every ${daemonEvery}, work dir ${work}`);
  const lab = await labUp(stateDir, basePort);
  console.log(`lab: ${lab.hosts.join(', ')} on 127.0.0.1:${basePort}.., engine ${lab.dockerHost}`);
  // Baselines: the first apply from nothing, then one uncrashed run each way, to size the kill points.
  const base: Record<Variant, { events: number; ms: number }> = { a: { events: 0, ms: 0 }, b: { events: 0, ms: 0 } };
  for (const v of ['a', 'b', 'a'] as Variant[]) {
    writeSampleRepo(repo, lab, v);
    const res = await apply(lab);
    if (res.code !== 0 || !(await planIsNoop(lab))) throw new Error(`baseline apply of variant ${v} did not converge:\n${res.output.slice(-3000)}`);
    base[v] = { events: res.events, ms: res.ms };
    console.log(`baseline -> ${v}: ${res.events} progress lines, ${(res.ms / 1000).toFixed(1)} s`);
  }
  const clean = await checkWorld(lab);
  if (clean.duplicates.length + clean.halfWritten.length > 0) console.log(`! world after uncrashed baselines: ${[...clean.duplicates, ...clean.halfWritten].join('; ')}`);

  const points: Point[] = [];
  let current: Variant = 'a';
  for (let n = 1; n <= args.points && Date.now() < deadline; n++) {
    const to: Variant = current === 'a' ? 'b' : 'a';
    writeSampleRepo(repo, lab, to);
    const mode = daemonEvery > 0 && n % daemonEvery === 0 ? 'daemon' : 'cli';
    let res: CliRun;
    let at: string;
    if (mode === 'cli') {
      let k = 1 + Math.floor(rand() * base[to].events);
      let delay = Math.floor(rand() * 1500);
      if (fixedAt) [k, delay] = fixedAt;
      at = `line ${k}/${base[to].events} +${delay}ms`;
      res = await apply(lab, { killAtEvent: k, killDelayMs: delay });
    } else {
      const ms = Math.floor(rand() * (base[to].ms + 1500));
      at = `${ms} ms after start`;
      res = await crashDaemon(lab, ms);
    }
    current = to;
    const c = await converge(lab);
    const world = await checkWorld(lab);
    const p: Point = {
      n,
      mode,
      to,
      at,
      crashed: res.killed,
      reruns: c.reruns,
      converged: c.converged,
      duplicates: world.duplicates,
      halfWritten: world.halfWritten,
      journal: world.journalReadable,
      strayTemp: world.strayTemp.length,
      note: c.last,
    };
    points.push(p);
    const bad = [...p.duplicates, ...p.halfWritten, ...(p.journal ? [] : ['journal unreadable']), ...(p.converged ? [] : [`not converged: ${p.note}`])];
    console.log(
      `point ${n} ${mode} -> ${to} at ${at}: ${p.crashed ? 'killed' : 'finished first'}, ${p.reruns} re-run(s)` +
        `${p.strayTemp ? `, ${p.strayTemp} stray temp file(s)` : ''}${bad.length ? `  !! ${bad.join('; ')}` : ''}`,
    );
    if (p.reruns > 1) console.log(`   why more than one re-run: ${p.note}`);
    if (p.crashed && p.strayTemp) console.log(`   temp: ${world.strayTemp.slice(0, 3).join(', ')}`);
  }

  if (!args.keep) {
    await labDown(lab);
    rmSync(work, { recursive: true, force: true });
  }
  const crashed = points.filter((p) => p.crashed);
  const daemon = crashed.filter((p) => p.mode === 'daemon').length;
  console.log(`\nfigures (seed ${args.seed}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  printTable([
    ['crash points tried', 'killed mid-run (cli / daemon)', 'converged after 1 re-run', 'converged within 3', 'duplicates', 'half-written', 'journal unreadable', 'max re-runs'],
    [
      String(points.length),
      `${crashed.length} (${crashed.length - daemon} / ${daemon})`,
      String(points.filter((p) => p.converged && p.reruns === 1).length),
      String(points.filter((p) => p.converged).length),
      String(points.reduce((s, p) => s + p.duplicates.length, 0)),
      String(points.reduce((s, p) => s + p.halfWritten.length, 0)),
      String(points.filter((p) => !p.journal).length),
      String(Math.max(0, ...points.map((p) => p.reruns))),
    ],
  ]);
  const failed = points.some((p) => !p.converged || p.duplicates.length || p.halfWritten.length || !p.journal);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
