/** The SSH transport's contract (implemented in drivers/ssh/). */
import type { Readable } from 'node:stream';

/** Where and how to reach one host over SSH. `id` names the host in messages (e.g. `Host/web-1`). */
export interface SshTarget {
  id: string;
  host: string;
  port: number;
  username: string;
  privateKey: string | Buffer;
  passphrase?: string;
  /**
   * What the host key is pinned under; default `[host]:port`. A machine made by a provider is pinned by its
   * instance id, so a new machine that gets a deleted one's address is not refused as a changed key.
   */
  hostKeyId?: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  stdin?: string | Buffer | Readable;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /**
   * Runs the command in a session of its own and, on cancel or timeout, ends its whole process group on the host
   * (TERM, then KILL). For steps whose work happens in child processes (a script, `docker run`): signalling the
   * channel alone ends only the shell, and the children went on to finish after the run said Cancelled.
   */
  killTree?: boolean;
}

/** A command that ran: a non-zero exit is a result, not an error. */
export interface ExecResult {
  code: number;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface UploadOptions {
  mode?: number;
  /** Create the parent directory first (mkdir -p). */
  mkdirs?: boolean;
}

/**
 * SSH transport. Connections are pooled per target and reused across runs; host keys are pinned on first contact
 * and a changed key is a StalledError (reason HostKeyMismatch), never silently accepted. Connection failures and
 * timeouts are TransientErrors.
 */
export interface SshDriver {
  exec(target: SshTarget, command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes a file atomically: a temp file beside it, then rename, so readers never see half a file. */
  upload(target: SshTarget, remotePath: string, content: string | Buffer, options?: UploadOptions): Promise<void>;
  /** Reads a file; undefined when it does not exist. */
  readFile(target: SshTarget, remotePath: string): Promise<Buffer | undefined>;
  /** Drops the pooled connection to a target (e.g. after it was recreated). */
  disconnect(target: SshTarget): Promise<void>;
  close(): Promise<void>;
}
