/**
 * `driftless lab up|down`: the quick start's local hosts (sshd containers on 127.0.0.1:2201..). Progress goes to
 * stderr; with --json the result is printed as data so scripts can read ports and the key path.
 */
import { labDown, labUp } from '../../lab/lab-up.js';
import { defaultStateDir } from '../../reconcile/runtime.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printJson } from '../output.js';

export interface LabOptions {
  stateDir?: string;
  count?: string;
  basePort?: string;
  swarm?: boolean;
  registryPort?: string;
  prefix?: string;
  json?: boolean;
}

export async function labCommand(action: string, opts: LabOptions): Promise<ExitCode> {
  const log = (line: string): void => {
    process.stderr.write(`lab: ${line}\n`);
  };
  if (action === 'up') {
    const result = await labUp({
      stateDir: opts.stateDir ?? defaultStateDir(),
      ...(opts.count ? { count: Number(opts.count) } : {}),
      ...(opts.basePort ? { basePort: Number(opts.basePort) } : {}),
      ...(opts.swarm ? { swarm: true } : {}),
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
      ...(opts.registryPort ? { registryPort: Number(opts.registryPort) } : {}),
      onLog: log,
    });
    if (opts.json) printJson(result);
    return EXIT.ok;
  }
  if (action === 'down') {
    const removed = await labDown(undefined, opts.stateDir ?? defaultStateDir());
    const registry = removed.registry ? 'stopped the lab registry' : 'no lab registry was running';
    log(`removed ${removed.hosts} lab host(s) and ${removed.machines} lab machine(s), ${registry}; engine, image and keys are kept`);
    return EXIT.ok;
  }
  throw new Error(`unknown lab action ${JSON.stringify(action)}; use up or down`);
}
