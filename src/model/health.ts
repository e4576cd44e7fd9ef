/**
 * Health vocabulary ordered from best to worst (gitops-engine's order), so a wave's health is the worst of its members.
 */
export type HealthStatus = 'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';

export const HEALTH_ORDER: readonly HealthStatus[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

export function isWorse(current: HealthStatus, next: HealthStatus): boolean {
  return HEALTH_ORDER.indexOf(next) > HEALTH_ORDER.indexOf(current);
}

export function worst(statuses: Iterable<HealthStatus>): HealthStatus {
  let out: HealthStatus = 'Healthy';
  for (const s of statuses) if (isWorse(out, s)) out = s;
  return out;
}

/** Health plus a human-readable reason (e.g. "ssh: connection refused"), as kinds report it. */
export interface HealthReport {
  status: HealthStatus;
  message?: string;
}
