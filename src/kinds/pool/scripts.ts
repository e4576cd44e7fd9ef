/**
 * The shell that runs on a pool's hosts, built as pure functions so unit tests can read it. Node containers carry
 * labels naming pool, service, host, spec digest and ordinal: observing a host is one `docker ps` filtered by them,
 * and a container without our labels is never touched. `network: host` resolves through
 * /etc/driftless/docker-host-network when a lab host provides it (a sibling container sharing the lab host's
 * network namespace stands in for `--network host`); on a real machine it is plain `--network host`.
 */
import { parseDuration } from '../../config/duration.js';
import { dockerRestartFlag } from './restart-policy.js';
import { NODE_LABELS, type ContainerSpec, type HealthCheckSpec } from './spec.js';
import { shellQuote } from '../../util/shell.js';

/** Where a lab host names its own network namespace (see src/lab/hosts.ts). */
export const HOST_NETWORK_FILE = '/etc/driftless/docker-host-network';

/** Single-quotes a value for sh (util/shell.ts, the one quoting helper). */
export const q = shellQuote;

/** Identity and labels of the node a start script creates. */
export interface NodeMeta {
  pool: string;
  service: string;
  name: string;
  ordinal: number;
  image: string;
  specDigest: string;
}

/** Lists a pool's containers on this host, one tab-separated line each: id name state spec ordinal created image. */
export function listScript(pool: string): string {
  const fields = ['{{.ID}}', '{{.Names}}', '{{.State}}', ...[NODE_LABELS.spec, NODE_LABELS.ordinal, NODE_LABELS.created, NODE_LABELS.image].map((l) => `{{.Label "${l}"}}`)];
  return [
    'H=$(hostname)',
    `docker ps -a --no-trunc --filter ${q(`label=${NODE_LABELS.pool}=${pool}`)} --filter "label=${NODE_LABELS.host}=$H" --format ${q(fields.join('\t'))}`,
  ].join('\n');
}

/** Sets $NET for `docker run --network "$NET"`: the host network resolves through HOST_NETWORK_FILE on lab hosts. */
export function networkLine(network: string): string {
  if (network === 'host') return `NET=$(cat ${HOST_NETWORK_FILE} 2>/dev/null || echo host)`;
  return `NET=${q(network)}`;
}

/** `docker run` flags for the container spec (without name, labels and network, which startScript adds). */
export function runFlags(spec: ContainerSpec): string[] {
  const flags: string[] = [];
  for (const [k, v] of Object.entries(spec.env ?? {}).sort()) flags.push('-e', q(`${k}=${v}`));
  if (spec.workdir) flags.push('-w', q(spec.workdir));
  if ((spec.network ?? 'host') !== 'host') {
    for (const p of spec.ports ?? []) flags.push('-p', q(`${p.host ?? p.container}:${p.container}/${p.protocol ?? 'tcp'}`));
  }
  for (const [k, v] of Object.entries(spec.labels ?? {}).sort()) flags.push('--label', q(`${k}=${v}`));
  const { limits, reservations } = spec.resources ?? {};
  if (limits?.cpus !== undefined) flags.push('--cpus', String(limits.cpus));
  if (limits?.memory) flags.push('--memory', limits.memory);
  if (reservations?.cpus !== undefined) flags.push('--cpu-shares', String(Math.max(2, Math.round(reservations.cpus * 1024))));
  if (reservations?.memory) flags.push('--memory-reservation', reservations.memory);
  flags.push('--restart', dockerRestartFlag(spec.restartPolicy));
  if (spec.stopGracePeriod) flags.push('--stop-timeout', String(Math.max(0, Math.ceil(parseDuration(spec.stopGracePeriod) / 1000))));
  for (const m of spec.mounts ?? []) {
    flags.push('--mount', q(`type=${m.type ?? 'bind'},source=${m.source},target=${m.target}${m.readOnly ? ',readonly' : ''}`));
  }
  return flags;
}

/** The `docker run -d` line for one node (expects $H and $NET set, as startScript and replaceScript do). */
export function runLine(spec: ContainerSpec, meta: NodeMeta): string {
  const labels: [string, string][] = [
    [NODE_LABELS.pool, meta.pool],
    [NODE_LABELS.service, meta.service],
    [NODE_LABELS.spec, meta.specDigest],
    [NODE_LABELS.ordinal, String(meta.ordinal)],
    [NODE_LABELS.image, meta.image],
  ];
  const entry = spec.command ?? [];
  return [
    'docker run -d --name', q(meta.name),
    ...labels.flatMap(([k, v]) => ['--label', q(`${k}=${v}`)]),
    '--label', `"${NODE_LABELS.host}=$H"`,
    '--label', `"${NODE_LABELS.created}=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)"`,
    '--init',
    '--network "$NET"',
    ...runFlags(spec),
    ...(entry[0] !== undefined ? ['--entrypoint', q(entry[0])] : []),
    q(meta.image),
    ...entry.slice(1).map(q),
    ...(spec.args ?? []).map(q),
  ].join(' ');
}

/**
 * Starts one node: a leftover container of ours with the same name (a crash between create and record) is
 * replaced; a container with that name that is not ours makes the step fail instead.
 */
export function startScript(spec: ContainerSpec, meta: NodeMeta): string {
  return [
    'set -e',
    'H=$(hostname)',
    networkLine(spec.network ?? 'host'),
    ownershipCheck(meta.name, meta.pool),
    `if [ -n "$OWNER" ]; then docker rm -f ${q(meta.name)} >/dev/null; fi`,
    runLine(spec, meta),
  ].join('\n');
}

function ownershipCheck(name: string, pool: string): string {
  return [
    `if OWNER=$(docker inspect -f '{{index .Config.Labels "${NODE_LABELS.pool}"}}' ${q(name)} 2>/dev/null); then`,
    `  if [ "$OWNER" != ${q(pool)} ]; then echo ${q(`container ${name} exists and is not a node of pool ${pool}; not touching it`)} >&2; exit 3; fi`,
    'else OWNER=; fi',
  ].join('\n');
}

/**
 * Stops and removes one node; a node already gone is success. `docker stop` waits the container's own stop timeout
 * (container.stopGracePeriod, given at run; Docker's 10 s otherwise), so the grace period is the one the node
 * was started with.
 */
export function stopScript(name: string, pool: string): string {
  return [
    'set -e',
    ownershipCheck(name, pool),
    `if [ -n "$OWNER" ]; then docker stop ${q(name)} >/dev/null 2>&1 || true; docker rm -f ${q(name)} >/dev/null; fi`,
  ].join('\n');
}

/** Login before a pull from a private registry; the password arrives on stdin, never in the command line. */
export function loginScript(image: string, username: string): string | undefined {
  const first = image.split('/')[0] ?? '';
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) return undefined;
  return `docker login -u ${q(username)} --password-stdin ${q(first)} >/dev/null`;
}

/**
 * Probes each named node once and prints `<name> ok|fail|down` per line (`down`: not running, only asked for with
 * checkRunning); the address comes from the network mode. Without a health check a running node is `ok`.
 */
export function probeScript(
  hc: HealthCheckSpec | undefined,
  names: string[],
  network: string,
  renderCommand: (name: string) => string,
  checkRunning = false,
): string {
  const seconds = Math.max(1, Math.ceil(parseDuration(hc?.probeTimeout ?? '2s') / 1000));
  const lines: string[] = [];
  for (const name of names) {
    const addr =
      network === 'host'
        ? 'ADDR=127.0.0.1'
        : `ADDR=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ${q(name)} 2>/dev/null)`;
    const checks: string[] = [];
    if (hc?.tcp) checks.push(`timeout ${seconds} bash -c "</dev/tcp/$ADDR/${hc.tcp.port}" 2>/dev/null`);
    if (hc?.http) checks.push(`curl -fsS -o /dev/null -m ${seconds} "http://$ADDR:"${q(`${hc.http.port}${hc.http.path ?? '/'}`)} 2>/dev/null`);
    if (hc?.command) checks.push(`timeout ${seconds} bash -c ${q(renderCommand(name))} >/dev/null 2>&1`);
    const verdict = `if ${checks.length > 0 ? checks.join(' && ') : 'true'}; then echo ${q(`${name} ok`)}; else echo ${q(`${name} fail`)}; fi`;
    if (!checkRunning) {
      lines.push(`${addr}\n${verdict}`);
    } else if (network === 'host') {
      lines.push(`if [ "$(docker inspect -f '{{.State.Running}}' ${q(name)} 2>/dev/null)" != true ]; then echo ${q(`${name} down`)}; else\n${addr}\n${verdict}\nfi`);
    } else {
      // One inspect for both the running state and the address: a health wait probes often, the engine may be busy.
      const state = `S=$(docker inspect -f '{{.State.Running}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ${q(name)} 2>/dev/null)`;
      lines.push(`${state}\nif [ "\${S%% *}" != true ]; then echo ${q(`${name} down`)}; else\nADDR=\${S#* }\n${verdict}\nfi`);
    }
  }
  return lines.join('\n');
}

/** Parses listScript output. */
export function parseList(stdout: string): { id: string; name: string; state: string; spec: string; ordinal: number; created: string; image: string }[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [id = '', name = '', state = '', spec = '', ordinal = '', created = '', image = ''] = line.split('\t');
      return { id, name, state, spec, ordinal: Number.parseInt(ordinal, 10), created, image };
    })
    .filter((n) => Number.isInteger(n.ordinal));
}
