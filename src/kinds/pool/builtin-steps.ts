/**
 * The host side of the built-in steps: start a node with the full container spec and our labels, stop it, replace
 * it (stop + start in one exec, see replace-script.ts), and wait until its health check passes (polling from 100ms,
 * doubling up to healthCheck.interval, bounded by healthCheck.timeout).
 */
import { parseDuration } from '../../config/duration.js';
import type { SshTarget } from '../../drivers/types.js';
import { parseReference } from '../../util/image-reference.js';
import { describe, FailedError, ReconcileError, StalledError, TransientError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import { substitute } from '../../render/substitute.js';
import type { KindContext } from '../types.js';
import { probeNodes, type ProbeVerdict } from './observe.js';
import { probeAfterRetire, REPLACE_EXIT, replaceScript, RETIRING_MARK, RETIRING_SUFFIX } from './replace-script.js';
import { ReplaceError, type BuiltinActions, type NodeJob } from './flow-runner.js';
import { loginScript, probeScript, startScript, stopScript, type NodeMeta } from './scripts.js';
import type { PoolSpec } from './spec.js';
import { outputTail } from '../../util/output-tail.js';

const STEP_TIMEOUT_MS = 5 * 60_000;

/** First pause of a health wait: a node that serves quickly is seen quickly; the pause doubles up to the interval. */
const FIRST_POLL_MS = 100;

/**
 * Logs the host's docker CLI in to the image's registry (password on stdin) before any flow runs there, so custom
 * steps that pull (OpenDCP templates often do) and start_service both have the credentials.
 */
export async function loginHosts(res: Resource<PoolSpec>, image: string, hosts: { name: string; target: SshTarget }[], ctx: KindContext): Promise<void> {
  const auth = res.spec.container.registryAuth;
  const script = auth ? loginScript(image, auth.username) : undefined;
  if (!auth || !script) return;
  const password = await ctx.secrets.resolve(auth.password, { registry: parseReference(image).registry });
  await Promise.all(
    hosts.map(async (h) => {
      const r = await ctx.drivers.ssh.exec(h.target, script, { stdin: password, timeoutMs: 60_000, signal: ctx.signal });
      if (r.code !== 0) {
        throw new StalledError('AuthenticationFailed', `docker login on ${h.name} for ${image} failed (exit ${r.code}): ${outputTail(r.stderr)}`);
      }
    }),
  );
}

/**
 * A node script's non-zero exit, typed by the one rule: a container of that name that is not ours (exit 3, the
 * ownership check) needs a human; any other exit is a step that failed, tried again by the next run.
 */
function exitError(what: string, r: { code: number; stdout: string; stderr: string }): ReconcileError {
  const message = `${what} exited ${r.code}: ${outputTail(r.stderr.trim() ? r.stderr : r.stdout)}`;
  return r.code === REPLACE_EXIT.notOurs ? new StalledError('ApplyFailed', message) : new FailedError('CommandFailed', message);
}

/** The built-in start/stop/health-wait steps for one pool spec and the digest its nodes are labelled with. */
export function createNodeActions(res: Resource<PoolSpec>, specDigest: string, ctx: KindContext): BuiltinActions {
  const spec = res.spec;
  const exec = async (job: NodeJob, script: string, what: string, stdin?: string): Promise<void> => {
    const r = await ctx.drivers.ssh.exec(job.target, script, {
      timeoutMs: STEP_TIMEOUT_MS,
      signal: ctx.signal,
      ...(stdin !== undefined ? { stdin } : {}),
    });
    if (r.code !== 0) throw exitError(`${what} on ${job.ref.host}`, r);
  };
  const meta = (job: NodeJob): NodeMeta => ({
    pool: res.metadata.name,
    service: spec.service,
    name: job.ref.name,
    ordinal: job.vars.node.ordinal,
    image: job.vars.image,
    specDigest,
  });
  /** Nodes whose old container was still stopping when replace returned: their health wait also waits for it. */
  const retiring = new Set<string>();
  const probe = async (job: NodeJob): Promise<ProbeVerdict | 'retiring' | undefined> => {
    const hc = spec.healthCheck;
    const name = job.ref.name;
    if (!retiring.has(name)) return (await probeNodes(job.target, res, hc, [name], job.ref.address, ctx, true)).get(name);
    const render = (n: string): string =>
      substitute(hc?.command ?? '', { node: { name: n, address: job.ref.address }, pool: res.metadata.name, service: spec.service });
    const script = probeAfterRetire(name, probeScript(hc, [name], spec.container.network ?? 'host', render, true));
    const r = await ctx.drivers.ssh.exec(job.target, script, { timeoutMs: 30_000, signal: ctx.signal });
    const verdict = r.stdout.split('\n').map((l) => l.trim().split(' ')).find(([n]) => n === name)?.[1];
    return verdict === 'ok' || verdict === 'fail' || verdict === 'down' || verdict === RETIRING_MARK ? verdict : undefined;
  };
  return {
    async start(job) {
      await exec(job, startScript(spec.container, meta(job)), `start ${job.ref.name}`);
    },
    async stop(job) {
      await exec(job, stopScript(job.ref.name, res.metadata.name), `stop ${job.ref.name}`);
    },
    async replace(job) {
      let r;
      try {
        r = await ctx.drivers.ssh.exec(job.target, replaceScript(spec.container, meta(job)), { timeoutMs: STEP_TIMEOUT_MS, signal: ctx.signal });
      } catch (err) {
        throw new ReplaceError('stop_service', { cause: err });
      }
      if (r.code === 0) {
        if (r.stdout.split('\n').some((l) => l.trim() === RETIRING_MARK)) retiring.add(job.ref.name);
        return;
      }
      const step = r.code === REPLACE_EXIT.startFailed ? 'start_service' : 'stop_service';
      const what = step === 'start_service' ? 'start' : 'stop';
      throw new ReplaceError(step, { cause: exitError(`${what} ${job.ref.name} on ${job.ref.host}`, r) });
    },
    async waitHealthy(job) {
      const hc = spec.healthCheck;
      const deadline = Date.now() + parseDuration(hc?.timeout ?? '60s');
      const interval = parseDuration(hc?.interval ?? '500ms');
      let pause = Math.min(FIRST_POLL_MS, interval);
      let last = 'no probe yet';
      let lastError: unknown;
      for (;;) {
        let verdict: ProbeVerdict | 'retiring' | undefined;
        lastError = undefined;
        try {
          verdict = await probe(job);
        } catch (err) {
          // One slow or failed probe (a busy engine, a dropped connection) is not the node's verdict: poll on.
          if (ctx.signal.aborted) throw err;
          lastError = err;
        }
        if (verdict === 'ok') {
          retiring.delete(job.ref.name);
          return;
        }
        last =
          verdict === 'down'
            ? 'container is not running'
            : verdict === 'fail'
              ? 'health probe failed'
              : verdict === RETIRING_MARK
                ? `the old container ${job.ref.name}${RETIRING_SUFFIX} is still there`
                : `no answer from the probe${lastError ? `: ${describe(lastError)}` : ''}`;
        if (Date.now() + pause > deadline) {
          const message = `${job.ref.name} did not become healthy in ${hc?.timeout ?? '60s'}: ${last}`;
          throw lastError instanceof TransientError ? new TransientError(lastError.reason, message, { cause: lastError }) : new FailedError('HealthCheckTimeout', message);
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(interval, pause * 2);
      }
    },
  };
}
