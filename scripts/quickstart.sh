#!/usr/bin/env bash
# Runs the sample config repo end to end on this machine: installs what is missing, starts local lab hosts
# (sshd containers on 127.0.0.1:2201-2203, on a private Docker engine when none is running), then
# validate -> plan -> apply -> plan again (which must be all no-op) -> status, and ends with the dashboard's URL.
# `npm run quickstart -- --serve` then keeps `driftless serve` up on the sample repo (Ctrl-C stops it);
# DRIFTLESS_DASHBOARD_LISTEN changes its address (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
serve=0
for arg in "$@"; do
  case "$arg" in
    --serve) serve=1 ;;
    *) echo "quickstart: unknown argument $arg (only --serve)" >&2; exit 2 ;;
  esac
done
listen="${DRIFTLESS_DASHBOARD_LISTEN:-127.0.0.1:8080}"
bash scripts/setup.sh
export DRIFTLESS_STATE_DIR="${DRIFTLESS_STATE_DIR:-$PWD/.driftless}"
dl() { node bin/driftless.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lab up: start the lab hosts the sample repo declares"
dl lab up
step "driftless validate sample-repo"
dl validate sample-repo
step "driftless plan sample-repo"
dl plan sample-repo
step "driftless apply sample-repo --yes"
dl apply sample-repo --yes
step "driftless plan sample-repo (after apply: expect no changes)"
out=$(dl plan sample-repo)
printf '%s\n' "$out"
grep -q '^No changes\.' <<<"$out" || { echo "quickstart: second plan is not a no-op" >&2; exit 1; }
step "driftless status"
dl status
step "a request through nginx on lab-3 reaches the feed-web pool built from the ImageProject"
ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -i "$DRIFTLESS_STATE_DIR/lab/id_ed25519" -p 2203 root@127.0.0.1 'curl -fsS -m 5 http://127.0.0.1/'
printf '\nDone. Lab hosts and lab machines keep running; remove them with: node bin/driftless.js lab down\n'
if [ "$serve" = 1 ]; then
  step "driftless serve --repo sample-repo --listen $listen (Ctrl-C stops it)"
  # node itself in the background (not the dl function, whose subshell would not pass the signal on)
  node bin/driftless.js serve --repo sample-repo --listen "$listen" &
  daemon=$!
  trap 'kill -TERM "$daemon" 2>/dev/null; wait "$daemon"' INT TERM
  # Ready once its first run (a no-op after the apply above) is recorded.
  for _ in $(seq 1 600); do
    node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "http://$listen/readyz" && break
    kill -0 "$daemon" 2>/dev/null || { echo "quickstart: driftless serve exited" >&2; exit 1; }
    sleep 0.2
  done
  printf '\nDashboard: http://%s/ui/  (driftless serve keeps running; Ctrl-C stops it)\n' "$listen"
  wait "$daemon"
else
  printf '\nDashboard: http://%s/ui/  once the daemon runs: npm run quickstart -- --serve, or node bin/driftless.js serve --repo sample-repo\n' "$listen"
fi
