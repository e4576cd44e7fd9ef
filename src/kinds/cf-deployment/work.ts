/**
 * What a run must do, decided purely from desired instances and what the hosts report: install (new host =
 * scale-out, changed digest = update), start, stop, resurrect (down but should run) and remove; plus the meltdown
 * guard, which holds every resurrection when too many instances are down at once (BOSH's resurrector rule).
 */
import type { CFObserved, Instance } from './spec.js';

export interface Work {
  install: Instance[];
  start: Instance[];
  stop: Instance[];
  resurrect: Instance[];
  remove: { component: string; host: string }[];
  /** Set when the guard holds: resurrections are not attempted. */
  meltdown?: string;
}

export const instanceId = (i: { component: string; index?: number; host: string }): string =>
  i.index === undefined ? `${i.component}@${i.host}` : `${i.component}_${i.index}@${i.host}`;

export function workOf(observed: CFObserved): Work {
  const w: Work = { install: [], start: [], stop: [], resurrect: [], remove: [] };
  const hosts = new Map(observed.hosts.map((h) => [h.host, h]));
  let running = 0;
  for (const inst of observed.instances) {
    const h = hosts.get(inst.host);
    if (!h || !h.reachable) continue;
    if (inst.state === 'running') running++;
    if (h.installed[inst.component] !== inst.digest) {
      w.install.push(inst);
      continue;
    }
    const proc = h.processes[inst.component];
    const state = proc?.state ?? 'unknown';
    if (inst.state === 'stopped') {
      if (state !== 'not-monitored') w.stop.push(inst);
    } else if (state === 'failing') w.resurrect.push(inst);
    else if (state === 'not-monitored' || state === 'unknown' || !h.monitRunning) w.start.push(inst);
  }
  for (const h of observed.hosts) {
    for (const component of Object.keys(h.installed)) {
      if (!observed.instances.some((i) => i.host === h.host && i.component === component)) w.remove.push({ component, host: h.host });
    }
  }
  const r = observed.resurrection;
  const down = w.resurrect.length;
  // One instance down is always resurrected (unless maxDown is 0); the percentage guards against mass failure.
  if (r.enabled && down > 0 && (down > r.maxDown || (down > 1 && (down * 100) / Math.max(1, running) > r.maxDownPercent))) {
    w.meltdown = `meltdown guard holds: ${down} of ${running} instances down at once (limit ${r.maxDown} or ${r.maxDownPercent}%), not resurrecting ${w.resurrect.map(instanceId).join(', ')}`;
  } else if (!r.enabled && down > 0) {
    w.meltdown = `resurrection is off: ${w.resurrect.map(instanceId).join(', ')} down`;
  }
  return w;
}
