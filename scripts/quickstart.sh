#!/usr/bin/env bash
# Runs the sample config repo end to end on this machine: installs what is missing, starts local lab hosts
# (sshd containers on 127.0.0.1:2201-2203, on a private Docker engine when none is running), then
# validate -> plan -> apply -> plan again (which must be all no-op) -> status.
set -euo pipefail
cd "$(dirname "$0")/.."
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
