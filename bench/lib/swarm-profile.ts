/**
 * Where a Swarm rollout's time goes, from the container events of every node (the engines share this machine's
 * clock): per batch, old task stopped -> new container started (Swarm scheduling and container creation), start
 * -> healthy beyond the start-up time (health-probe lag), healthy -> next batch's stop (Swarm's monitor and
 * update loop), and last healthy -> apply returned (driftless noticing the end).
 */
interface Ev {
  t: number;
  action: string;
  name: string;
}

/** Something that runs a shell command on a node (a lab host). */
export interface ProfileHost {
  exec(cmd: string): Promise<{ stdout: string }>;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * Starts recording the start, die and health events of `service`'s containers on every node (a background
 * `docker events` per node: the engine keeps only its last 256 events, and health probes fill that in seconds);
 * the returned function stops the recording and returns one line of averages for the rollout between t0 and t1.
 */
export async function profileSwarmRollout(hosts: ProfileHost[], service: string): Promise<(t0: number, t1: number, batch: number, startupMs: number) => Promise<string>> {
  const fmt = `{{.TimeNano}}|{{.Action}}|{{.Actor.Attributes.name}}`;
  const log = `/tmp/driftless-bench-events-${service}`;
  await Promise.all(
    hosts.map((h) =>
      h.exec(
        `nohup docker events --filter type=container --filter event=start --filter event=die --filter event=health_status --filter label=com.docker.swarm.service.name=${service} --format '${fmt}' >${log} 2>&1 </dev/null & echo $! >${log}.pid`,
      ),
    ),
  );
  return (t0, t1, batch, startupMs) => summarise(hosts, log, t0, t1, batch, startupMs);
}

async function summarise(hosts: ProfileHost[], log: string, t0: number, t1: number, batch: number, startupMs: number): Promise<string> {
  const out = await Promise.all(hosts.map((h) => h.exec(`kill $(cat ${log}.pid) 2>/dev/null; cat ${log}; rm -f ${log} ${log}.pid`)));
  const evs: Ev[] = out
    .flatMap((o) => o.stdout.trim().split('\n'))
    .filter((l) => /^\d+\|/.test(l))
    .map((l) => {
      const [t, action, name] = l.split('|') as [string, string, string];
      return { t: Number(BigInt(t) / 1_000_000n), action, name };
    })
    .filter((e) => e.t >= t0 && e.t <= t1)
    .sort((a, b) => a.t - b.t);
  const dies = evs.filter((e) => e.action === 'die');
  const starts = evs.filter((e) => e.action === 'start');
  const healthyAt = new Map(evs.filter((e) => e.action === 'health_status: healthy').map((e) => [e.name, e.t]));
  const batches = Math.ceil(starts.length / batch);
  const stopToStart: number[] = [];
  const probeLag: number[] = [];
  const gap: number[] = [];
  let prevHealthy = t0;
  for (let k = 0; k < batches; k++) {
    const s = starts.slice(k * batch, (k + 1) * batch);
    const d = dies.slice(k * batch, (k + 1) * batch);
    const stopped = d.length ? Math.min(...d.map((e) => e.t)) : s[0]!.t;
    gap.push(stopped - prevHealthy);
    stopToStart.push(Math.min(...s.map((e) => e.t)) - stopped);
    for (const e of s) probeLag.push((healthyAt.get(e.name) ?? e.t) - e.t - startupMs);
    prevHealthy = Math.max(...s.map((e) => healthyAt.get(e.name) ?? e.t));
  }
  const f = (x: number) => `${x.toFixed(0)} ms`;
  return `per batch: healthy->next stop ${f(mean(gap.slice(1)))}, stop->start ${f(mean(stopToStart))}, probe lag ${f(mean(probeLag))}; apply->first stop ${f(gap[0] ?? NaN)}, last healthy->apply returned ${f(t1 - prevHealthy)} (${starts.length} starts, ${dies.length} stops)`;
}
