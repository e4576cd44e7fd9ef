/**
 * The transports kinds may use, as narrow interfaces. Kinds receive them in their context and never construct
 * clients; each concrete driver lives in its own folder and maps its library's errors to src/errors.ts.
 */
import type { Readable } from 'node:stream';

/** Where and how to reach one host over SSH. `id` names the host in messages (e.g. `Host/web-1`). */
export interface SshTarget {
  id: string;
  host: string;
  port: number;
  username: string;
  privateKey: string | Buffer;
  passphrase?: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  stdin?: string | Buffer | Readable;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
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

/** The bag of transports handed to kinds; later issues add docker, nginx, aliyun and monit. */
export interface Drivers {
  ssh: SshDriver;
}
