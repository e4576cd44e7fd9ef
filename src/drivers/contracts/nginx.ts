/** The nginx publish contract (implemented in drivers/nginx/ on top of SSH). */
import type { SshTarget } from './ssh.js';

/** What one host has: nginx's version (undefined: not installed), the current dir and its files' sha256. */
export interface NginxHostState {
  nginx?: string;
  current?: string;
  running: boolean;
  files: Record<string, string>;
  versions: string[];
}

export interface PublishOptions {
  /** Version dirs kept per host (current and previous always kept). Default 5. */
  keep?: number;
  /** Wait for old workers to finish their requests after the reload (a member is about to be stopped). */
  drain?: boolean;
  /** Bound on waiting for a reload to take effect (and for the drain). Default 10 s. */
  waitSeconds?: number;
  /**
   * Compare-and-swap on `current`, per target id: the version dir the plan observed (null: none). A host whose
   * `current` is something else at stage or switch time is left alone and the publish throws PlanStaleError
   * (after pointing any switched host back). Without it, the publish trusts an observation it made itself.
   */
  expect?: Record<string, string | null>;
  signal?: AbortSignal;
}

export type HostPhase = 'test' | 'switch' | 'restored' | 'restore-failed' | 'done' | 'skipped';

export interface HostOutcome {
  host: string;
  phase: HostPhase;
  ok: boolean;
  /** What nginx (or the host) said, one line. */
  message?: string;
  previous?: string;
}

export interface PublishReport {
  dir: string;
  ok: boolean;
  hosts: HostOutcome[];
  /** The first failure, as `Host/x: <nginx's line>`. */
  error?: string;
}

export interface NginxDriver {
  inspect(target: SshTarget, root: string): Promise<NginxHostState>;
  /** Publishes `files` as version dir `dir` under `root` on all targets; throws NginxPublishError when not all switched. */
  publish(targets: SshTarget[], root: string, dir: string, files: Record<string, string>, options?: PublishOptions): Promise<PublishReport>;
}
