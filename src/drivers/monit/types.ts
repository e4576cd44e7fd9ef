/**
 * The monit shapes live in drivers/types.ts (kinds see only that file); this module adds the service type
 * numbers the XML interface uses (monit src/monit.h).
 */
export type { MonitAction, MonitDriver, MonitOptions, MonitService, MonitState, MonitStatus } from '../types.js';

export const SERVICE_TYPES = ['Filesystem', 'Directory', 'File', 'Process', 'Remote Host', 'System', 'Fifo', 'Program', 'Net'] as const;
