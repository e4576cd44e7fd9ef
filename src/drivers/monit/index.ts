/**
 * The monit driver: monit's CLI and HTTP interface reached over SSH. Status prefers the XML of the HTTP interface
 * (exact numbers, no column truncation) and falls back to `monit -B summary` text, so hosts running any 5.x monit
 * can be read. Actions go through the CLI, which talks to the running daemon.
 */
import { StalledError, TransientError } from '../../errors.js';
import type { MonitDriver, MonitDriverFactory, MonitOptions, SshDriver, SshTarget } from '../types.js';
import { parseFullStatus, parseSummary } from './parse-text.js';
import { parseStatusXml } from './parse-xml.js';
import type { MonitStatus } from './types.js';
import { outputTail } from '../../util/output-tail.js';
import { shellQuote } from '../../util/shell.js';

export type { MonitAction, MonitDriver, MonitOptions, MonitService, MonitState, MonitStatus } from './types.js';
export { parseFullStatus, parseSummary, classifyStatus } from './parse-text.js';
export { parseStatusXml } from './parse-xml.js';

const quote = shellQuote;

/** Creates a driver on top of the SSH transport; it holds no connections of its own. */
export function createMonitDriver(ssh: SshDriver, options: MonitOptions = {}): MonitDriver {
  const command = options.controlFile ? `monit -c ${quote(options.controlFile)}` : 'monit';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const via = options.statusVia ?? (options.httpPort ? 'auto' : 'summary');
  const run = async (target: SshTarget, cmd: string, signal?: AbortSignal) =>
    ssh.exec(target, cmd, { timeoutMs, ...(signal ? { signal } : {}) });

  async function viaXml(target: SshTarget, signal?: AbortSignal): Promise<MonitStatus | undefined> {
    if (!options.httpPort) return undefined;
    const r = await run(target, `curl -fsS --max-time 10 'http://127.0.0.1:${options.httpPort}/_status?format=xml'`, signal);
    if (r.code !== 0 || !r.stdout.includes('<monit')) return undefined;
    return parseStatusXml(r.stdout);
  }

  async function viaText(target: SshTarget, signal?: AbortSignal): Promise<MonitStatus> {
    const r = await run(target, `${command} -B summary 2>&1 || ${command} summary 2>&1`, signal);
    const parsed = parseSummary(r.stdout);
    if (parsed.services.length > 0) return parsed;
    const full = await run(target, `${command} -B status 2>&1 || ${command} status 2>&1`, signal);
    const status = parseFullStatus(full.stdout);
    if (status.services.length > 0) return status;
    throw new TransientError('ObserveFailed', `${target.id}: monit status unreadable: ${outputTail(r.stdout + '\n' + r.stderr)}`);
  }

  return {
    command,
    async status(target, signal) {
      if (via !== 'summary') {
        const xml = await viaXml(target, signal);
        if (xml) return xml;
        if (via === 'xml') throw new TransientError('ObserveFailed', `${target.id}: monit http interface on port ${options.httpPort} did not answer`);
      }
      return viaText(target, signal);
    },
    async control(target, action, service, signal) {
      const r = await run(target, `${command} ${action} ${quote(service)} 2>&1`, signal);
      if (r.code !== 0) {
        const out = outputTail(r.stdout + '\n' + r.stderr);
        const Err = /no such service|there is no service/i.test(out) ? StalledError : TransientError;
        throw new Err('CommandFailed', `${target.id}: monit ${action} ${service} failed (exit ${r.code}): ${out}`);
      }
    },
    async reload(target, signal) {
      const r = await run(target, `${command} reload 2>&1`, signal);
      if (r.code !== 0) throw new TransientError('CommandFailed', `${target.id}: monit reload failed (exit ${r.code}): ${outputTail(r.stdout)}`);
    },
  };
}

/** The factory the composition root hands to kinds as `drivers.monit`. */
export function createMonitFactory(ssh: SshDriver): MonitDriverFactory {
  return (options) => createMonitDriver(ssh, options);
}
