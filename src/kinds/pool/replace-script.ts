/**
 * Replacing a node in place (the deploy flow's stop_service directly followed by start_service) as one script, one
 * SSH exec per node instead of two. When the node publishes no host port and does not share the host's network,
 * the old and new containers cannot collide on a port: the old one is renamed out of the way and stopped in the
 * background while the new one starts under the node's name: the stop no longer adds to a batch, it runs while
 * the new node starts up. The old node was already unregistered and gets SIGTERM as the new one is created
 * (Kubernetes' terminating pods, not a surge: maxSurge still governs extra nodes); the health wait that follows
 * passes only once the old container is gone (probeAfterRetire), so a batch never ends with old containers left.
 * With host networking or published ports the old container is stopped and removed first, as stop_service does.
 * A new image is pulled before the old container is touched, so a pull never lengthens the time a node is down.
 */
import { NODE_LABELS, type ContainerSpec } from './spec.js';
import { networkLine, q, runLine, type NodeMeta } from './scripts.js';

/** Suffix of a node container renamed while it stops; a leftover (host crashed mid-replace) is an extra stale node. */
export const RETIRING_SUFFIX = '.retiring';

/** Exit codes that say which step a failed replace belongs to. */
export const REPLACE_EXIT = { notOurs: 3, stopFailed: 4, startFailed: 5 } as const;

/** True when a new container of this spec can start while the old one still runs (no port either could hold). */
export function canOverlap(spec: ContainerSpec): boolean {
  return (spec.network ?? 'host') !== 'host' && (spec.ports ?? []).length === 0;
}

/**
 * The replace script for one node (named meta.name). A container of that name that is not the pool's makes it exit
 * 3 untouched. Exit 4: the old container could not be moved or removed; exit 5: the new one did not start (the old
 * one is gone either way, as after stop_service then a failed start_service). A leftover `<name>.retiring` of the
 * pool is removed first; one that is not the pool's makes the script fall back to stopping before starting.
 */
export function replaceScript(spec: ContainerSpec, meta: NodeMeta): string {
  const name = meta.name;
  const overlap = canOverlap(spec) && !name.endsWith(RETIRING_SUFFIX);
  const retiring = `${name}${RETIRING_SUFFIX}`;
  // `=<pool label>` when the container exists (an empty label still says it exists), nothing when it does not.
  const labelOf = (n: string): string => `$(printf '%s\\n' "$INFO" | awk -v n=${q(`/${n}`)} '$1 == n { print "=" $2 }')`;
  const stopNow = `docker stop ${q(name)} >/dev/null 2>&1 || true; docker rm -f ${q(name)} >/dev/null || exit ${REPLACE_EXIT.stopFailed}`;
  const lines = [
    'H=$(hostname)',
    networkLine(spec.network ?? 'host'),
    'RETIRE=',
    'DETACH=$(command -v setsid || true)',
    // A new image is pulled while the old container still runs (docker run would pull it inside the down window).
    `( docker image inspect ${q(meta.image)} >/dev/null 2>&1 || docker pull -q ${q(meta.image)} >/dev/null 2>&1 ) </dev/null &`,
    'PULL=$!',
    `INFO=$(docker inspect -f '{{.Name}} {{index .Config.Labels "${NODE_LABELS.pool}"}}' ${q(name)}${overlap ? ` ${q(retiring)}` : ''} 2>/dev/null) || true`,
    `OWNER=${labelOf(name)}`,
    `if [ -n "$OWNER" ] && [ "$OWNER" != ${q(`=${meta.pool}`)} ]; then echo "container ${name} exists and is not a node of pool ${meta.pool}; not touching it" >&2; exit ${REPLACE_EXIT.notOurs}; fi`,
    'wait "$PULL" || true',
  ];
  if (overlap) {
    lines.push(
      `OLD=${labelOf(retiring)}`,
      `if [ "$OLD" = ${q(`=${meta.pool}`)} ]; then docker rm -f ${q(retiring)} >/dev/null 2>&1 || true; OLD=; fi`,
      'if [ -n "$OWNER" ] && [ -z "$OLD" ]; then',
      `  docker rename ${q(name)} ${q(retiring)} || exit ${REPLACE_EXIT.stopFailed}`,
      `  $DETACH sh -c ${q(`docker stop ${q(retiring)}; docker rm -f ${q(retiring)}`)} >/dev/null 2>&1 </dev/null &`,
      '  RETIRE=$!',
      `elif [ -n "$OWNER" ]; then ${stopNow}; fi`,
    );
  } else {
    lines.push(`if [ -n "$OWNER" ]; then ${stopNow}; fi`);
  }
  const finish = 'if [ -n "$RETIRE" ]; then wait "$RETIRE" || true; fi';
  lines.push(`if ! ${runLine(spec, meta)} >/dev/null; then ${finish}; exit ${REPLACE_EXIT.startFailed}; fi`, `if [ -n "$RETIRE" ]; then echo ${RETIRING_MARK}; fi`);
  return lines.join('\n');
}

/** What replaceScript prints when the old container is still stopping in the background as it returns. */
export const RETIRING_MARK = 'retiring';

/**
 * A probe round (probeScript's, for one node) that first requires the node's retiring container to be gone: it
 * prints `<name> retiring` while that one still exists, so a batch ends only once its old containers are gone.
 */
export function probeAfterRetire(name: string, probe: string): string {
  return [`if docker inspect ${q(`${name}${RETIRING_SUFFIX}`)} >/dev/null 2>&1; then echo ${q(`${name} ${RETIRING_MARK}`)}; else`, probe, 'fi'].join('\n');
}
