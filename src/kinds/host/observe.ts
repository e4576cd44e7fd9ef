/** Observes a host with one SSH round trip; an unreachable host is an observation, a changed host key is not. */
import { TransientError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import type { KindContext } from '../types.js';
import { FACTS_COMMAND, parseFacts } from './facts.js';
import { planSteps } from './init-steps.js';
import type { HostObserved, HostSpec } from './spec.js';
import { hostTarget } from '../shared/host-target.js';

export async function observeHost(res: Resource<HostSpec>, ctx: KindContext): Promise<HostObserved> {
  const initWanted = planSteps(res.spec.init).map((s) => s.digest);
  const target = await hostTarget(res, ctx.secrets);
  try {
    const result = await ctx.drivers.ssh.exec(target, FACTS_COMMAND, { timeoutMs: 20_000, signal: ctx.signal });
    if (result.code !== 0) {
      return { reachable: true, error: `facts command exited ${result.code}: ${result.stderr.trim()}`, initDone: [], initWanted, expect: res.spec.expect };
    }
    const facts = parseFacts(result.stdout);
    return { reachable: true, ...facts, initWanted, expect: res.spec.expect };
  } catch (err) {
    if (err instanceof TransientError) {
      return { reachable: false, error: err.message, initDone: [], initWanted, expect: res.spec.expect };
    }
    throw err;
  }
}
