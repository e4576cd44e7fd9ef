/**
 * What every bench reports, the same way: its figures against a named baseline, the load average before and after,
 * and a verdict on its target only when the box was quiet (load <= 2 both times) and the sizes were the real ones.
 * On a loaded 2-core box a figure says more about the neighbours than about driftless, so a noisy run prints its
 * figures marked NOISY and no verdict. The result also goes, as JSON, to $DRIFTLESS_BENCH_OUT when bench/run.ts
 * started the bench: that is what bench/RESULTS.md is generated from.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Above this 1-minute load average a run is noisy: no verdict. */
export const QUIET_LOAD = 2;

export interface BenchResult {
  name: string;
  /** What is compared with what (the baseline named). */
  compares: string;
  /** One line per figure, e.g. `driftless 210 ms vs Ansible 21.1 s (100x)`. */
  figures: string[];
  /** The target in words, e.g. `>= 10x Ansible`. */
  target: string;
  /** Whether the figures meet the target (undefined when the bench has no target). */
  met?: boolean;
  loadBefore: number;
  /**
   * The load after the bench. When bench/run.ts ran it, this is sampled once the bench's own processes and lab
   * hosts are gone and the 1-minute average has had time to fall (see `settledAfter`): the average at the end of a
   * bench that itself ran 50 SSH hosts says nothing about neighbours, but a neighbour still busy keeps it high.
   */
  loadAfter: number;
  /** The 1-minute average at the moment the bench finished, its own work included (set by bench/run.ts). */
  loadAtEnd?: number;
  /** Seconds bench/run.ts waited after the bench for the average to fall to QUIET_LOAD (when it did). */
  settledAfterSeconds?: number;
  noisy: boolean;
  /** Small sizes (--quick): proves the bench runs, gives no verdict. */
  quick: boolean;
  /** `met`, `not met`, `no target`, `noisy: …` or `quick: …`. */
  verdict: string;
  at: string;
}

export interface BenchRecorder {
  readonly quick: boolean;
  /** Progress line on stderr. */
  log(line: string): void;
  /** Prints the figures and the verdict (or why none), writes the JSON result; returns it. */
  finish(r: { compares: string; figures: string[]; target: string; met?: boolean }): BenchResult;
}

const load1 = (): number => loadavg()[0] ?? 0;

/** Whether `--quick` (small sizes, no verdict) was given. */
export function isQuick(argv: readonly string[] = process.argv.slice(2)): boolean {
  return argv.includes('--quick');
}

/** Starts a bench: notes the load average now. Call first thing in main(). */
export function benchStart(name: string, argv: readonly string[] = process.argv.slice(2)): BenchRecorder {
  const loadBefore = load1();
  const quick = isQuick(argv);
  const log = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
  log(`load average ${loadBefore.toFixed(2)}${quick ? ' (quick: small sizes, no verdict)' : ''}`);
  return {
    quick,
    log,
    finish({ compares, figures, target, met }) {
      const loadAfter = load1();
      const noisy = isNoisy({ loadBefore, loadAfter });
      const verdict = verdictOf({ quick, loadBefore, loadAfter, ...(met === undefined ? {} : { met }) });
      const result: BenchResult = { name, compares, figures, target, ...(met === undefined ? {} : { met }), loadBefore, loadAfter, noisy, quick, verdict, at: new Date().toISOString() };
      const mark = noisy ? ' [NOISY]' : quick ? ' [QUICK]' : '';
      process.stdout.write(`\n${name}: ${compares}${mark}\n`);
      for (const f of figures) process.stdout.write(`  ${f}\n`);
      process.stdout.write(`  load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after\n`);
      process.stdout.write(`  target ${target}: ${verdict}\n`);
      if (noisy && loadBefore <= QUIET_LOAD && !process.env.DRIFTLESS_BENCH_OUT) {
        process.stdout.write('  (the load after includes this bench\'s own work: `npm run bench -- NAME` samples it once that has settled)\n');
      }
      const out = process.env.DRIFTLESS_BENCH_OUT;
      if (out) writeFileSync(out, JSON.stringify(result, null, 2));
      return result;
    },
  };
}

/** Above QUIET_LOAD before or after (a NaN load counts as noisy). */
export function isNoisy(r: { loadBefore: number; loadAfter: number }): boolean {
  return !(Math.max(r.loadBefore, r.loadAfter) <= QUIET_LOAD);
}

/**
 * A result re-judged with the load sampled after the bench settled (bench/run.ts): `loadAfter` becomes the settled
 * figure, the end-of-bench one is kept as `loadAtEnd`, and noisy/verdict are recomputed from the same `met`.
 */
export function withSettledLoad(r: BenchResult, settled: { load: number; seconds: number }): BenchResult {
  const next: BenchResult = { ...r, loadAtEnd: r.loadAtEnd ?? r.loadAfter, loadAfter: settled.load, settledAfterSeconds: settled.seconds };
  next.noisy = isNoisy(next);
  next.verdict = verdictOf(next);
  return next;
}

/** The verdict line: none for --quick or above QUIET_LOAD (before or after), else met / not met / no target. */
export function verdictOf(r: { quick: boolean; loadBefore: number; loadAfter: number; met?: boolean }): string {
  const noisy = isNoisy(r);
  const loads = `load ${r.loadBefore.toFixed(2)} -> ${r.loadAfter.toFixed(2)}`;
  if (r.quick) return `quick: small sizes${noisy ? `, noisy (${loads})` : ''}, no verdict`;
  if (noisy) return `noisy: ${loads} > ${QUIET_LOAD}, no verdict`;
  if (r.met === undefined) return 'no target';
  return r.met ? 'met' : 'not met';
}

/** Median of a list (the upper one of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** `123 ms` below 10 s, else `12.3 s`. */
export function ms(x: number): string {
  return x < 10_000 ? `${x.toFixed(0)} ms` : `${(x / 1000).toFixed(1)} s`;
}
