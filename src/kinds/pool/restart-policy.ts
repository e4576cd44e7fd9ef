/**
 * Crane's restart policy with Docker swarm's `delay` and `window`, which `docker run --restart` cannot express
 * (it has only `on-failure:N`). When a policy sets delay or window (or maxAttempts with condition `any`), the
 * container runs with `--restart no` and driftless restarts it: the same container (`docker start`), never before
 * `FinishedAt + delay` by the host's own clock, counting attempts per container; a run that stayed up for `window`
 * proves the last restart worked and resets the count (no window: every restart counts); after maxAttempts the
 * node is left exited and the pool is Stalled with the reason. The decision is pure (restartVerdict); the shell
 * is built here too, so both read as data in unit tests.
 */
import { formatDuration, parseDuration } from '../../config/duration.js';
import { q } from './scripts.js';
import { NODE_LABELS, type ContainerSpec } from './spec.js';

type Policy = ContainerSpec['restartPolicy'];

/** Whether driftless (not the Docker engine) restarts the containers of this policy. */
export function managedRestart(rp: Policy): boolean {
  const condition = rp?.condition ?? 'any';
  if (condition === 'none') return false;
  return rp?.delay !== undefined || rp?.window !== undefined || (condition === 'any' && rp?.maxAttempts !== undefined);
}

/** The `--restart` value for docker run: `no` when driftless restarts (see managedRestart). */
export function dockerRestartFlag(rp: Policy): string {
  const condition = rp?.condition ?? 'any';
  if (condition === 'none' || managedRestart(rp)) return 'no';
  return condition === 'any' ? 'unless-stopped' : `on-failure${rp?.maxAttempts ? `:${rp.maxAttempts}` : ''}`;
}

/** How an exited node's last run ended, in the host's clock (epoch ms), and the host's clock when read. */
export interface ExitInfo {
  code: number;
  startedAtMs: number;
  finishedAtMs: number;
  hostNowMs: number;
}

/** Restarts driftless made of one container (by id), persisted under the state dir. */
export interface RestartRecord {
  attempts: number;
  /** finishedAt (ms) of the run after which the last restart was made: the same exit is never counted twice. */
  afterFinishedAtMs?: number;
}

/** What to do with an exited node under a managed policy. */
export interface RestartVerdict {
  action: 'restart' | 'give-up';
  /** Restarts already made and counting (after a window reset). */
  attempts: number;
  maxAttempts?: number;
  /** Time left before the restart may happen, by the host's clock at observe time. */
  dueInMs: number;
  code: number;
  message: string;
}

/**
 * The decision for one exited container of the current spec, or undefined when the policy does not restart it
 * (unmanaged, or on-failure and it exited 0: the pool's drift restore treats that like a stopped node).
 */
export function restartVerdict(rp: Policy, exit: ExitInfo, record: RestartRecord | undefined, node: string): RestartVerdict | undefined {
  if (!managedRestart(rp)) return undefined;
  if ((rp?.condition ?? 'any') === 'on-failure' && exit.code === 0) return undefined;
  const window = rp?.window !== undefined ? parseDuration(rp.window) : undefined;
  const stayedUp = window !== undefined && exit.finishedAtMs - exit.startedAtMs >= window;
  const charged = record?.afterFinishedAtMs === exit.finishedAtMs ? record.attempts - 1 : (record?.attempts ?? 0);
  const attempts = stayedUp ? 0 : Math.max(0, charged);
  const delay = rp?.delay !== undefined ? parseDuration(rp.delay) : 0;
  const dueInMs = Math.max(0, exit.finishedAtMs + delay - exit.hostNowMs);
  const max = rp?.maxAttempts;
  const base = { attempts, dueInMs, code: exit.code, ...(max !== undefined ? { maxAttempts: max } : {}) };
  if (max !== undefined && attempts >= max) {
    const within = window !== undefined ? ` none of them stayed up for the ${rp?.window} window;` : '';
    return {
      action: 'give-up',
      ...base,
      message: `${node} exited with code ${exit.code} after ${attempts} restart attempt(s) (restartPolicy.maxAttempts ${max});${within} left exited until the container spec changes`,
    };
  }
  const due = dueInMs > 0 ? ` in ${formatDuration(dueInMs)}` : '';
  return { action: 'restart', ...base, message: `${node} exited with code ${exit.code}: restart ${attempts + 1}${max !== undefined ? `/${max}` : ''}${due}` };
}

/** Prints `now <ms>` and then `<name> <exitCode> <startedAtMs> <finishedAtMs>` per exited node (host clock, GNU date). */
export function exitInfoScript(names: string[]): string {
  const lines = ['echo "now $(date -u +%s%3N)"'];
  for (const n of names) {
    lines.push(
      `docker inspect -f '{{.State.ExitCode}} {{.State.StartedAt}} {{.State.FinishedAt}}' ${q(n)} 2>/dev/null | while read -r C S F; do echo ${q(n)} "$C" "$(date -d "$S" +%s%3N)" "$(date -d "$F" +%s%3N)"; done`,
    );
  }
  return lines.join('\n');
}

/** Parses exitInfoScript output. */
export function parseExitInfo(stdout: string): Map<string, ExitInfo> {
  const out = new Map<string, ExitInfo>();
  const lines = stdout.split('\n').map((l) => l.trim().split(/\s+/));
  const now = Number(lines.find((l) => l[0] === 'now')?.[1]);
  if (!Number.isFinite(now)) return out;
  for (const [name, code, started, finished] of lines) {
    if (!name || name === 'now' || finished === undefined) continue;
    const info = { code: Number(code), startedAtMs: Number(started), finishedAtMs: Number(finished), hostNowMs: now };
    if ([info.code, info.startedAtMs, info.finishedAtMs].every(Number.isFinite)) out.set(name, info);
  }
  return out;
}

/**
 * Restarts one node in place once `FinishedAt + delay` has passed by the host's clock (it sleeps until then), and
 * only if it is still ours and still exited: a node someone else started meanwhile is left alone.
 */
export function restartScript(name: string, pool: string, delayMs: number): string {
  return [
    'set -e',
    `OWNER=$(docker inspect -f '{{index .Config.Labels "${NODE_LABELS.pool}"}}' ${q(name)})`,
    `if [ "$OWNER" != ${q(pool)} ]; then echo "container ${name} is not a node of pool ${pool}; not touching it" >&2; exit 3; fi`,
    `if [ "$(docker inspect -f '{{.State.Running}}' ${q(name)})" = true ]; then exit 0; fi`,
    `DUE=$(( $(date -d "$(docker inspect -f '{{.State.FinishedAt}}' ${q(name)})" +%s%N) + ${Math.max(0, Math.round(delayMs)) * 1_000_000} ))`,
    'NOW=$(date +%s%N)',
    `if [ "$NOW" -lt "$DUE" ]; then sleep "$(awk "BEGIN { printf \\"%.3f\\", ($DUE - $NOW) / 1e9 + 0.001 }")"; fi`,
    `docker start ${q(name)} >/dev/null`,
  ].join('\n');
}
