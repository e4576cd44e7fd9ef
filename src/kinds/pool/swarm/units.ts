/** Units the Engine API wants: nanoseconds for durations, bytes for memory, nano-CPUs. */
import { parseDuration } from '../../../config/duration.js';

export const ns = (d: string | undefined, fallback = '0s'): number => parseDuration(d ?? fallback) * 1_000_000;

const UNIT: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function bytes(m: string | undefined): number {
  if (!m) return 0;
  const match = /^([0-9]+)([bkmg])$/.exec(m);
  return match ? Number(match[1]) * (UNIT[match[2]!] ?? 1) : 0;
}

export const nanoCpus = (cpus: number | undefined): number => Math.round((cpus ?? 0) * 1e9);
