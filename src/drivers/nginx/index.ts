/**
 * The nginx driver, on top of the SSH driver: publish a version of a unit's files to every host of the unit so
 * that either all hosts switch to it or none does. Stage + `nginx -t` everywhere first; only when every host
 * passes, switch the `current` symlink and reload everywhere; when a switch or reload fails anywhere, point every
 * switched host back at its previous version. OpenDCP's hubble reloaded after a failed `nginx -t` and kept no copy
 * of the previous files; here the previous version dir is still on the host, so a restore is one rename.
 */
import { FailedError, PlanStaleError, StalledError, TransientError, type ReconcileError } from '../../errors.js';
import type { HostOutcome, NginxDriver, PublishReport, SshDriver, SshTarget } from '../types.js';
import { discardScript, errorLine, inspectScript, parseInspect, restoreScript, stageScript, switchScript } from './scripts.js';

/** A publish that switched no host (or was rolled back everywhere); carries the per-host report. */
export class NginxPublishError extends StalledError {
  readonly report: PublishReport;
  constructor(message: string, report: PublishReport) {
    super('ApplyFailed', message);
    this.report = report;
  }
}

/**
 * The files could not be written to a host (disk full, a read-only mount, the connection lost while staging):
 * nothing was switched, and the config is not at fault, so it is not stalled: the next run tries again (a human
 * freeing the disk must not also have to push a new commit). Transient when the host could not be reached at all.
 */
function stageError(message: string, report: PublishReport, cause: unknown): ReconcileError {
  const err = cause instanceof TransientError ? new TransientError(cause.reason, message) : new FailedError('ApplyFailed', message);
  return Object.assign(err, { report });
}

const TIMEOUT_MS = 60_000;

/**
 * `current` moved on some host between the plan's observation and this publish (a concurrent writer): nothing of
 * this publish stays switched; the engine re-plans the unit from a fresh observation and applies that.
 */
function movedError(moved: Map<string, string>, expect: Record<string, string | null>, report: PublishReport, when: string): PlanStaleError {
  const hosts = [...moved].map(([host, now]) => `${host} (plan saw ${expect[host] ?? 'none'}, now ${now})`).join(', ');
  report.error = `current moved since the plan on ${hosts}`;
  return Object.assign(new PlanStaleError(`nginx publish: current moved since the plan on ${hosts}; ${when}`), { report });
}

export function createNginxDriver(ssh: SshDriver): NginxDriver {
  const run = async (t: SshTarget, script: string, signal?: AbortSignal) =>
    ssh.exec(t, 'bash -s', { stdin: script, timeoutMs: TIMEOUT_MS, ...(signal ? { signal } : {}) });
  return {
    async inspect(target, root) {
      const r = await run(target, inspectScript(root));
      return parseInspect(r.stdout);
    },
    async publish(targets, root, dir, files, options = {}) {
      const wait = options.waitSeconds ?? 10;
      const report: PublishReport = { dir, ok: false, hosts: [] };
      const reused = new Set<string>();
      /** Hosts whose files could not be written (the script stopped before `nginx -t`), with what stopped it. */
      const unstaged = new Map<string, unknown>();
      /** Hosts whose `current` is not what the plan saw (only checked with `options.expect`), with what it is now. */
      const moved = new Map<string, string>();
      const expect = options.expect;
      const staged = await Promise.all(
        targets.map(async (t): Promise<HostOutcome> => {
          try {
            const r = await run(t, stageScript(root, dir, files, expect?.[t.id]), options.signal);
            const now = /^__moved=(.*)$/m.exec(r.stdout)?.[1];
            if (now !== undefined) {
              moved.set(t.id, now);
              reused.add(t.id);
              return { host: t.id, phase: 'test', ok: false, message: `current moved since the plan (now ${now})` };
            }
            if (/^__reused=1$/m.test(r.stdout)) reused.add(t.id);
            const rc = /__rc=(\d+)/.exec(r.stdout)?.[1];
            if (rc === undefined) unstaged.set(t.id, undefined);
            if (r.code !== 0 || rc !== '0') return { host: t.id, phase: 'test', ok: false, message: errorLine(`${r.stdout}\n${r.stderr}`) };
            return { host: t.id, phase: 'test', ok: true };
          } catch (err) {
            unstaged.set(t.id, err);
            return { host: t.id, phase: 'test', ok: false, message: err instanceof Error ? err.message : String(err) };
          }
        }),
      );
      const badTest = staged.find((h) => !h.ok && !unstaged.has(h.host)) ?? staged.find((h) => !h.ok);
      if (badTest) {
        await Promise.allSettled(targets.filter((t) => !reused.has(t.id)).map((t) => run(t, discardScript(root, dir))));
        report.hosts = staged.map((h) => (h.ok ? { ...h, phase: 'skipped' } : h));
        if (moved.size > 0 && expect) throw movedError(moved, expect, report, 'no host was switched');
        report.error = `${badTest.host}: ${badTest.message}`;
        if (unstaged.has(badTest.host)) throw stageError(`writing version ${dir} failed on ${report.error}; no host was switched`, report, unstaged.get(badTest.host));
        throw new NginxPublishError(`nginx -t failed on ${report.error}; no host was switched`, report);
      }
      const switched = await Promise.all(
        targets.map(async (t): Promise<HostOutcome> => {
          try {
            const guard = expect && t.id in expect ? { expect: expect[t.id] ?? null } : {};
            const r = await run(t, switchScript(root, dir, { keep: options.keep ?? 5, drain: options.drain ?? false, waitSeconds: wait, ...guard }), options.signal);
            const now = /^__moved=(.*)$/m.exec(r.stdout)?.[1];
            if (now !== undefined) {
              moved.set(t.id, now);
              return { host: t.id, phase: 'switch', ok: false, message: `current moved since the plan (now ${now})` };
            }
            const previous = /^prev=(.*)$/m.exec(r.stdout)?.[1]?.trim() || undefined;
            const fail = /__fail=(.*)$/m.exec(r.stdout)?.[1];
            if (fail || !r.stdout.includes('__ok')) {
              return { host: t.id, phase: 'switch', ok: false, message: fail ?? errorLine(`${r.stdout}\n${r.stderr}`), ...(previous ? { previous } : {}) };
            }
            return { host: t.id, phase: 'done', ok: true, ...(previous ? { previous } : {}) };
          } catch (err) {
            return { host: t.id, phase: 'switch', ok: false, message: err instanceof Error ? err.message : String(err) };
          }
        }),
      );
      const badSwitch = switched.find((h) => !h.ok);
      if (!badSwitch) {
        report.ok = true;
        report.hosts = switched;
        return report;
      }
      report.hosts = await Promise.all(
        targets.map(async (t, i): Promise<HostOutcome> => {
          const h = switched[i] as HostOutcome;
          // A host another writer switched is theirs now: pointing it "back" would undo their change.
          if (h.previous === dir || moved.has(t.id)) return h;
          // A switch exec that failed before saying `prev=` (connection lost): the plan's `current` is the previous one.
          const previous = h.previous ?? expect?.[t.id] ?? undefined;
          try {
            const r = await run(t, restoreScript(root, previous, wait));
            const ok = r.stdout.includes('__ok') && !r.stdout.includes('__fail');
            return { ...h, phase: ok ? 'restored' : 'restore-failed', ...(ok ? {} : { message: `${h.message ?? ''} (restore: ${errorLine(r.stdout)})` }) };
          } catch (err) {
            return { ...h, phase: 'restore-failed', message: `${h.message ?? ''} (restore: ${err instanceof Error ? err.message : String(err)})` };
          }
        }),
      );
      if (moved.size > 0 && expect) throw movedError(moved, expect, report, 'every switched host was pointed back at its previous version');
      report.error = `${badSwitch.host}: ${badSwitch.message}`;
      throw new NginxPublishError(`reload failed on ${report.error}; every host was pointed back at its previous version`, report);
    },
  };
}

export { unitPaths } from './scripts.js';
