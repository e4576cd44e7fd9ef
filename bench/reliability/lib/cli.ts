/**
 * The pieces every reliability campaign shares: flags (`--points N --seed S`), a seeded PRNG so a failing point can
 * be replayed, and the real CLI as a child process that can be killed -9 on its k-th progress line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../test/harness/paths.js';

export const BIN = join(REPO_ROOT, 'bin', 'driftless.js');

export interface CampaignArgs {
  points: number;
  seed: number;
  keep: boolean;
  /** Any other `--name value` flags, for campaign-specific knobs. */
  extra: Map<string, string>;
}

/** Parses `--points N --seed S [--keep]`; defaults are each campaign's short run. */
export function parseArgs(argv: string[], defaults: { points: number }): CampaignArgs {
  const extra = new Map<string, string>();
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--keep') keep = true;
    else if (a.startsWith('--')) extra.set(a.slice(2), argv[++i] ?? '');
  }
  const points = Number(extra.get('points') ?? defaults.points);
  const seed = Number(extra.get('seed') ?? Math.floor(Math.random() * 2 ** 31));
  if (!Number.isInteger(points) || points < 0) throw new Error(`--points must be a whole number, got ${extra.get('points')}`);
  return { points, seed, keep, extra };
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** stdout alone (e.g. `--json` output without the log lines on stderr). */
  stdout: string;
  ms: number;
  /** Progress lines (`[hh:mm:ss] ...`) seen before the process ended. */
  events: number;
  killed: boolean;
}

/** A progress line of `apply`: `[hh:mm:ss] wave 0: ...` or `[hh:mm:ss] Kind/name: create started`. */
export const EVENT_LINE = /^\[\d\d:\d\d:\d\d\] /;

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** kill -9 once this many progress lines were printed (then after `killDelayMs`). */
  killAtEvent?: number;
  killDelayMs?: number;
  /** kill -9 this long after the start, whatever was printed. */
  killAfterMs?: number;
  timeoutMs?: number;
}

/** Runs `driftless ARGS`; with a kill point, SIGKILLs the process there (no chance to clean up). */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const started = Date.now();
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let events = 0;
  let killed = false;
  let partial = '';
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) {
      killed = true;
      child.kill('SIGKILL');
    }
  };
  const timers: NodeJS.Timeout[] = [];
  if (opts.killAfterMs !== undefined) timers.push(setTimeout(kill, opts.killAfterMs));
  timers.push(setTimeout(kill, opts.timeoutMs ?? 600_000));
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!EVENT_LINE.test(line)) continue;
      events++;
      if (opts.killAtEvent !== undefined && events === opts.killAtEvent) {
        if (opts.killDelayMs) timers.push(setTimeout(kill, opts.killDelayMs));
        else kill();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, output, stdout, ms: Date.now() - started, events, killed });
    });
  });
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Prints a table of rows as aligned columns (the figures each campaign ends with). */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}
