/**
 * What monit tells about its services, in one shape whichever way it was read (summary text of any 5.x version,
 * full status text, or the HTTP interface's XML), so callers never care which monit a host runs.
 */

/** The verdict callers act on: running, failing (monitored but in error), stopped (not monitored), or in between. */
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
  /** Which parser produced it: `xml`, `summary` or `status`. */
  via: 'xml' | 'summary' | 'status';
}

/** Service type numbers of the XML interface (monit src/monit.h). */
export const SERVICE_TYPES = ['Filesystem', 'Directory', 'File', 'Process', 'Remote Host', 'System', 'Fifo', 'Program', 'Net'] as const;
