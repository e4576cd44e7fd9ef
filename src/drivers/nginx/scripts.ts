/**
 * The shell that runs on nginx hosts, as pure functions so it can be read and tested without a host. Every phase
 * of a publish is one SSH round trip per host: inspect, stage (write the version dir + `nginx -t` against it),
 * switch (atomic symlink + reload confirmed by new workers), restore (back to the previous dir) and stop.
 * Ten hosts run each phase at once and the driver waits for the slowest, so the scripts use bash builtins where a
 * fork would do (`read` for `cat`, `${x##*}` for `basename`, globs for `ls | grep`): on a loaded box each fork is
 * milliseconds of the slowest host's time.
 * Layout under a unit's root: `versions/<id>/` (immutable once tested), `current -> versions/<id>`, `run/nginx.pid`,
 * `logs/error.log`, `history.log` (one line per switch, kept on the host as its own record).
 */

import { shellQuote } from '../../util/shell.js';

/** Single-quotes a value for bash (util/shell.ts, the one quoting helper). */
export const q = shellQuote;

/** Paths every template and script agrees on, derived from the unit's root. */
export function unitPaths(root: string): { root: string; current: string; pidFile: string; errorLog: string; logs: string } {
  return {
    root,
    current: `${root}/current`,
    pidFile: `${root}/run/nginx.pid`,
    errorLog: `${root}/logs/error.log`,
    logs: `${root}/logs`,
  };
}

/** Prints `key=value` lines: nginx version, current dir, running, file digests of current, version dirs. */
export function inspectScript(root: string): string {
  const p = unitPaths(root);
  return [
    `R=${q(root)}`,
    "if command -v nginx >/dev/null 2>&1; then v=$(nginx -v 2>&1); v=${v%%$'\\n'*}; echo \"nginx=$v\"; else echo 'nginx='; fi",
    'cur=$(readlink "$R/current" 2>/dev/null) && echo "current=${cur##*/}"',
    `m=; [ -f ${q(p.pidFile)} ] && read -r m < ${q(p.pidFile)}; if [ -n "$m" ] && kill -0 "$m" 2>/dev/null; then echo running=1; fi`,
    // Order does not matter (the digest is over a sorted map), so no sort | xargs: one find, one sha256sum.
    // sha256sum's own lines (`<sha>  ./<path>`), read as files by parseInspect: no sed.
    `if [ -d "$R/current/" ]; then (cd "$R/current/" && exec find . -type f -exec sha256sum {} +); fi`,
    'for v in "$R"/versions/*; do [ -e "$v" ] || continue; case "$v" in *.tmp) ;; *) echo "version=${v##*/}";; esac; done',
    'true',
  ].join('\n');
}

/**
 * Compare-and-swap guard: the plan saw `current` as `expect` (null: no current); when it is something else now, a
 * concurrent writer moved it since: print `__moved=<what it is>` and stop before changing anything.
 */
function casGuard(expect: string | null | undefined, name = 'now'): string[] {
  const read = `${name}=$(readlink "$R/current" 2>/dev/null); ${name}=\${${name}##*/}`;
  if (expect === undefined) return [read];
  return [read, `[ "$${name}" = ${q(expect ?? '')} ] || { echo "__moved=\${${name}:-none}"; exit 0; }`];
}

/**
 * Writes every file of a version into `versions/<dir>` (via a temp dir, then rename) and runs `nginx -t` on it.
 * With `expect` (the plan's `current`), first refuses with `__moved=` when `current` moved since the plan.
 * Files go through bash itself (a quoted here-doc read into a variable, written by the `printf` builtin): three
 * processes in all (mkdir, mv, nginx -t) where a `base64 -d` and a `mkdir` per file made ten; the bench's stage
 * phase was the slowest on a loaded box. A file holding a NUL byte (bash strings cannot) goes through `base64 -d`.
 */
export function stageScript(root: string, dir: string, files: Record<string, string>, expect?: string | null): string {
  const p = unitPaths(root);
  const d = `${root}/versions/${dir}`;
  const entries = Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1));
  const subdirs = [...new Set(entries.map(([path]) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '')).filter(Boolean))];
  const lines = [
    `R=${q(root)}`,
    ...(expect === undefined ? [] : casGuard(expect)),
    'set -e',
    `D=${q(d)}`,
    'if [ -e "$D.tmp" ]; then rm -rf "$D.tmp"; fi',
    `mkdir -p ${q(`${root}/run`)} ${q(p.logs)} ${q(`${root}/versions`)} "$D.tmp"${subdirs.map((sd) => ` "$D.tmp/"${q(sd)}`).join('')}`,
  ];
  for (const [path, content] of entries) {
    if (content.includes('\0')) {
      lines.push(`base64 -d > "$D.tmp/"${q(path)} <<'__DRIFTLESS_EOF__'`, Buffer.from(content).toString('base64'), '__DRIFTLESS_EOF__');
      continue;
    }
    const eof = delimiterFor(content);
    // The here-doc adds a newline after the content; `${c%$'\n'}` takes exactly that one off again.
    lines.push(`IFS= read -r -d '' c <<'${eof}' || true`, content, eof, `printf '%s' "\${c%$'\\n'}" > "$D.tmp/"${q(path)}`);
  }
  // A dir of this name already holding these very files is kept as it is (it may be the current or the previous
  // version: replacing it would leave `current` dangling for a moment), and said so, so a failed test never discards it.
  lines.push(
    'if [ -d "$D" ] && diff -r -q "$D" "$D.tmp" >/dev/null 2>&1; then rm -rf "$D.tmp"; touch "$D"; echo "__reused=1"; else if [ -e "$D" ]; then rm -rf "$D"; fi; mv "$D.tmp" "$D"; fi',
    'set +e',
    'nginx -t -c "$D/nginx.conf" 2>&1',
    'rc=$?',
    'echo "__rc=$rc"',
    'exit 0',
  );
  return lines.join('\n');
}

/** A here-doc delimiter that is no line of `content`. */
function delimiterFor(content: string): string {
  const lines = new Set(content.split('\n'));
  let eof = '__DRIFTLESS_EOF__';
  for (let i = 1; lines.has(eof); i++) eof = `__DRIFTLESS_EOF_${i}__`;
  return eof;
}

/**
 * Points `current` at the dir atomically (rename of a new symlink), then reloads and waits until the master has
 * replaced every old worker (see reloadBlock), or starts nginx when it is not running. With `drain`, also waits
 * (bounded) for the old workers to finish their requests. With `expect` (the plan's `current`), the check and the rename happen
 * under an flock on `<root>/.switch.lock`, so of two driftless writers racing only the first switches and the
 * other sees `__moved=`. Prunes version dirs beyond `keep`, never the current or previous one. Prints `prev=<dir>`.
 */
export function switchScript(root: string, dir: string, opts: { keep: number; drain: boolean; waitSeconds: number; expect?: string | null }): string {
  const p = unitPaths(root);
  const lock = opts.expect === undefined ? [] : ['exec 9>>"$R/.switch.lock"; flock -w 10 9 2>/dev/null || true'];
  return [
    `R=${q(root)}`,
    `PID=${q(p.pidFile)}`,
    `DIR=${q(dir)}`,
    ...lock,
    ...casGuard(opts.expect, 'prev'),
    'echo "prev=$prev"',
    'ln -sfn "versions/$DIR" "$R/current.tmp" && mv -T "$R/current.tmp" "$R/current" || { echo "__fail=symlink switch failed"; exit 0; }',
    ...(lock.length > 0 ? ['exec 9>&-'] : []),
    reloadBlock(p.errorLog, opts.waitSeconds, opts.drain),
    // Prune only when there is something to prune: counting with a glob costs no fork, the ls pipeline five.
    `n=0; for v in "$R"/versions/*; do [ -e "$v" ] && n=$((n + 1)); done`,
    `if [ $n -gt ${Math.max(2, opts.keep)} ]; then (cd "$R/versions" && ls -1t | grep -v -x -e "$DIR" -e "$prev" | grep -v '\\.tmp$' | tail -n +${Math.max(1, opts.keep - 1)} | xargs -r rm -rf); fi`,
    "TZ=UTC printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1",
    'echo "$now $prev -> $DIR" >> "$R/history.log"',
    'echo __ok',
  ].join('\n');
}

/** Points `current` back at `prev` (or removes it and stops nginx when there was none) and reloads. */
export function restoreScript(root: string, prev: string | undefined, waitSeconds: number): string {
  const p = unitPaths(root);
  if (!prev) {
    return [`R=${q(root)}`, `PID=${q(p.pidFile)}`, 'rm -f "$R/current"', '[ -f "$PID" ] && kill -QUIT "$(cat "$PID")" 2>/dev/null', 'echo __ok'].join('\n');
  }
  return [
    `R=${q(root)}`,
    `PID=${q(p.pidFile)}`,
    `ln -sfn ${q(`versions/${prev}`)} "$R/current.tmp" && mv -T "$R/current.tmp" "$R/current"`,
    reloadBlock(p.errorLog, waitSeconds, false),
    'echo __ok',
  ].join('\n');
}

/** Removes a staged dir that was never switched to. */
export function discardScript(root: string, dir: string): string {
  return `rm -rf ${q(`${root}/versions/${dir}`)} ${q(`${root}/versions/${dir}.tmp`)}; true`;
}

/**
 * Reload (or first start) confirmed on the host, inside the same exec. On a HUP the master re-reads the config and
 * opens its sockets; only when that worked does it fork new workers, then sleeps 100 ms (its `ngx_msleep(100)`,
 * with every signal blocked, so nothing can cut it short) before telling the old workers to quit. Until then the
 * old workers still accept connections and serve the old config, so a new worker is the earliest sign the config
 * was accepted but not that requests see it (tried: a request right after that confirmation got the old upstream
 * on one host in four tests of test/kinds/nginx-unit/publish.test.ts). The reload is applied when no worker is
 * an old one (an old worker told to quit renames itself "worker process is shutting down" as it closes its
 * listening sockets): nginx's own 100 ms plus a few ms. Each check reads the master's child list and the
 * children's titles from /proc with bash builtins (no fork; pgrep when the kernel has no child list), every 5 ms.
 */
function reloadBlock(errorLog: string, waitSeconds: number, drain: boolean): string {
  const fail = (what: string) => `{ echo "__fail=${what}: $(tail -n 2 ${q(errorLog)} 2>/dev/null | tr '\\n' ' ')"; exit 0; }`;
  const wait = Math.max(1, Math.ceil(waitSeconds));
  return `
exec {nap}<> <(:)
nap() { read -r -t 0.005 -u "$nap" _ || true; }
# Sets W (" pid pid ", workers serving) and S (1 when one is shutting down) for master $1.
workers() {
  local kids=() k a; W=' '; S=0
  if [ -r "/proc/$1/task/$1/children" ]; then read -r -a kids < "/proc/$1/task/$1/children"; else kids=($(pgrep -P "$1")); fi
  for k in "\${kids[@]}"; do a=; IFS= read -r -d '' a < "/proc/$k/cmdline"; case "$a" in *"shutting down"*) S=1;; *worker*) W="$W$k ";; esac; done 2>/dev/null
}
end=$((SECONDS + ${wait}))
m=; [ -f "$PID" ] && read -r m < "$PID"
if [ -n "$m" ] && kill -0 "$m" 2>/dev/null; then
  workers "$m"; old=$W
  kill -HUP "$m"
  ok=
  while [ $SECONDS -le $end ]; do
    workers "$m"; fresh=0; stale=0
    for w in $W; do case "$old" in *" $w "*) stale=1;; *) fresh=1;; esac; done
    if [ $fresh = 1 ] && [ $stale = 0 ]; then ok=1; break; fi
    nap
  done
  [ -n "$ok" ] || ${fail('reload not applied')}
  ${drain ? 'while [ $SECONDS -le $end ]; do workers "$m"; [ $S = 0 ] && break; nap; done' : 'true'}
  echo __reloaded
else
  out=$(nginx -c "$R/current/nginx.conf" 2>&1) || { echo "__fail=nginx did not start: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"; exit 0; }
  ok=
  while [ $SECONDS -le $end ]; do m=; [ -f "$PID" ] && read -r m < "$PID"; if [ -n "$m" ] && kill -0 "$m" 2>/dev/null; then ok=1; break; fi; nap; done
  # Started, but not where driftless looks: stop it rather than leave a master holding the ports.
  [ -n "$ok" ] || { pkill -QUIT -f -x "nginx: master process nginx -c $R/current/nginx.conf" 2>/dev/null; echo "__fail=nginx started but its pid file $PID never appeared (does the config set another pid?); that nginx was stopped"; exit 0; }
  echo __started
fi`;
}

/** The line of `nginx -t` output that says what is wrong: the first emerg/alert/crit/error line, else the last. */
export function errorLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim().replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: /, 'nginx: [$1] '))
    .filter((l) => l && !l.startsWith('__'));
  return lines.find((l) => /\[(emerg|alert|crit|error)\]/.test(l)) ?? lines[lines.length - 1] ?? 'no output';
}

/** Parses the inspect output. File paths are relative to the version dir, without `./`. */
export function parseInspect(stdout: string): { nginx?: string; current?: string; running: boolean; files: Record<string, string>; versions: string[] } {
  const out: { nginx?: string; current?: string; running: boolean; files: Record<string, string>; versions: string[] } = {
    running: false,
    files: {},
    versions: [],
  };
  for (const line of stdout.split('\n')) {
    const raw = /^([0-9a-f]{64})\s+\.\/(.+)$/.exec(line);
    if (raw?.[1] && raw[2]) {
      out.files[raw[2]] = raw[1];
      continue;
    }
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const key = line.slice(0, i);
    const value = line.slice(i + 1);
    if (key === 'nginx' && value.trim()) out.nginx = value.trim().replace(/^nginx version:\s*/, '');
    else if (key === 'current' && value.trim()) out.current = value.trim();
    else if (key === 'running') out.running = true;
    else if (key === 'version' && value.trim()) out.versions.push(value.trim());
    else if (key === 'file') {
      const m = /^([0-9a-f]{64})\s+\.\/(.+)$/.exec(value);
      if (m?.[1] && m[2]) out.files[m[2]] = m[1];
    }
  }
  return out;
}
