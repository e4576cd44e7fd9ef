/**
 * The SSH driver: pooled, host-key-pinned connections (see pool.ts, known-hosts.ts) with exec, atomic upload and
 * readFile on top. The daemon keeps one driver for its lifetime so connections survive from run to run.
 */
import type { SFTPWrapper } from 'ssh2';
import type { Logger } from '../../util/logger.js';
import type { ExecResult, SshDriver, SshTarget } from '../types.js';
import { dial } from './connect.js';
import { ReconcileError, TransientError } from '../../errors.js';
import { ChannelOpenError, describeTarget, mapSshError } from './errors.js';
import { runCommand, type RunOptions, type RunResult } from './exec.js';
import type { Connection } from './connect.js';
import { sftpReadFile, sftpUpload } from './sftp.js';
import { createKnownHosts, type KnownHostsStorage } from './known-hosts.js';
import { createPool, type PoolStats } from './pool.js';

export interface SshDriverOptions {
  /** Where host keys are pinned on first contact (created with mode 0600). */
  knownHostsPath: string;
  /** Pins kept elsewhere than knownHostsPath (a shared state store, HA mode). */
  knownHostsStorage?: KnownHostsStorage;
  /** Checked before every command and transfer: a deposed HA leader throws here instead of acting (NotLeader). */
  fence?: () => void;
  /** Channels open at once per target; more wait their turn. Default 4 (sshd's MaxSessions is 10). */
  perHostConcurrency?: number;
  /** TCP connect + SSH handshake + auth. Default 10 s. */
  connectTimeoutMs?: number;
  /** TCP keepalive idle time before probes start. Default 15 s; 0 disables. */
  keepaliveIntervalMs?: number;
  /** Pooled connections unused this long are closed. Default 5 min. */
  idleTimeoutMs?: number;
  logger?: Logger;
}

export type SshDriverStats = PoolStats;

/** The SshDriver contract plus counters that tests and the bench read (dials, in-flight channels). */
export interface ManagedSshDriver extends SshDriver {
  stats(): SshDriverStats;
  /** Checks (pinning on first use) a key another SSH client was shown, e.g. the docker driver's `ssh://` host. */
  verifyHostKey(hostId: string, key: Buffer): Promise<unknown>;
}

/** Output kept per stream for exec results (the tail; callbacks still see everything). */
const EXEC_MAX_BYTES = 1024 * 1024;

export { describeHostKey, hostIdOf, type KnownHostsStorage } from './known-hosts.js';

/** Creates the driver; nothing is dialled until the first call for a target. */
export function createSshDriver(options: SshDriverOptions): ManagedSshDriver {
  const logger = options.logger?.child({ driver: 'ssh' });
  const knownHosts = createKnownHosts(options.knownHostsStorage ?? options.knownHostsPath, logger);
  const fence = options.fence ?? (() => undefined);
  const pool = createPool({
    perHostConcurrency: options.perHostConcurrency ?? 4,
    idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
    dial: (target) => {
      logger?.debug({ target: target.id, host: target.host, port: target.port }, 'ssh dial');
      return dial(target, {
        knownHosts,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
        logger,
      });
    },
  });

  const run = async (target: SshTarget, command: string, runOptions: Omit<RunOptions, 'where'>): Promise<RunResult> => {
    const where = describeTarget(target);
    fence();
    try {
      return await pool.use(target, runOptions.signal, (conn) => runCommand(conn.client, command, { ...runOptions, where }));
    } catch (err) {
      if (runOptions.signal?.aborted && !(err instanceof ReconcileError)) {
        throw new TransientError('Cancelled', `command on ${where} cancelled`, { cause: err });
      }
      throw mapSshError(err, target);
    }
  };

  /** Runs an SFTP operation on the target's shared session; a connection that died meanwhile is Unreachable. */
  const transfer = async <T>(target: SshTarget, fn: (sftp: SFTPWrapper, where: string) => Promise<T>): Promise<T> => {
    const where = describeTarget(target);
    fence();
    try {
      return await pool.use(target, undefined, async (conn: Connection) => {
        try {
          return await fn(await conn.sftp(), where);
        } catch (err) {
          if (conn.closed && !(err instanceof ChannelOpenError)) {
            throw new TransientError('Unreachable', `ssh connection to ${where} was lost during a transfer`, { cause: err });
          }
          throw err;
        }
      });
    } catch (err) {
      throw mapSshError(err, target);
    }
  };

  return {
    verifyHostKey: (hostId, key) => knownHosts.verify(hostId, key),
    async exec(target, command, execOptions = {}): Promise<ExecResult> {
      const result = await run(target, command, { ...execOptions, maxBytes: EXEC_MAX_BYTES });
      return {
        code: result.code,
        ...(result.signal !== undefined ? { signal: result.signal } : {}),
        stdout: result.stdout.toString('utf8'),
        stderr: result.stderr.toString('utf8'),
        durationMs: result.durationMs,
      };
    },
    upload(target, remotePath, content, uploadOptions) {
      return transfer(target, (sftp, where) => sftpUpload(sftp, where, remotePath, content, uploadOptions));
    },
    readFile(target, remotePath) {
      return transfer(target, (sftp, where) => sftpReadFile(sftp, where, remotePath));
    },
    disconnect(target) {
      return pool.drop(target);
    },
    close() {
      return pool.close();
    },
    stats() {
      return pool.stats();
    },
  };
}
