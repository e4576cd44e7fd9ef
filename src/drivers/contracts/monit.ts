/** The monit contract (implemented in drivers/monit/ on top of SSH). */
import type { SshTarget } from './ssh.js';

/** monit's verdict on a service, whichever 5.x output it was read from: running, failing (monitored, in error), stopped. */
export type MonitState = 'running' | 'failing' | 'not-monitored' | 'initializing' | 'unknown';

export interface MonitService {
  name: string;
  /** Process, System, Filesystem, File, Directory, Fifo, Remote Host, Program, Net. */
  type: string;
  state: MonitState;
  /** Monit's own words (e.g. "Does not exist - restart pending"), for messages. */
  detail: string;
  pid?: number;
  cpuPercent?: number;
  memoryPercent?: number;
}

export interface MonitStatus {
  version?: string;
  services: MonitService[];
  /** Host-level figures when the source carries them (XML system service). */
  system?: { cpuPercent?: number; memoryPercent?: number };
  /** Which parser produced it. */
  via: 'xml' | 'summary' | 'status';
}

export type MonitAction = 'start' | 'stop' | 'restart' | 'monitor' | 'unmonitor';

export interface MonitOptions {
  /** Control file passed with `-c` (a private monit like BOSH's); undefined = the system default. */
  controlFile?: string;
  /** Port of the HTTP interface on 127.0.0.1; undefined = read status from the CLI only. */
  httpPort?: number;
  /** `xml` needs httpPort; `auto` tries XML first, then summary text. */
  statusVia?: 'auto' | 'xml' | 'summary';
  timeoutMs?: number;
}

/** monit over SSH: status from XML or text of any 5.x, actions through the CLI. Connection errors are transient. */
export interface MonitDriver {
  status(target: SshTarget, signal?: AbortSignal): Promise<MonitStatus>;
  /** Runs `monit <action> <service>`. */
  control(target: SshTarget, action: MonitAction, service: string, signal?: AbortSignal): Promise<void>;
  /** Re-reads the control files (after driftless wrote or removed one). */
  reload(target: SshTarget, signal?: AbortSignal): Promise<void>;
  /** The command prefix (`monit -c FILE`), for scripts that run monit themselves. */
  readonly command: string;
}

/** Builds a monit driver for one monit setup (control file, port) on top of the SSH transport. */
export type MonitDriverFactory = (options: MonitOptions) => MonitDriver;
