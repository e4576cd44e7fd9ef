#!/usr/bin/env bash
# Runs the Docker Swarm example (sample-repo/examples/swarm, README "Docker Swarm") end to end on this machine:
# starts three lab hosts with their own Docker engine (swarm-1..3 on 127.0.0.1:2211-2213) and the lab registry,
# applies the example (image built and pushed, swarm init + joins, the pool as a Swarm service, nginx on swarm-1),
# checks the second plan is a no-op and sends requests through nginx. `node bin/driftless.js lab down` removes it all.
# Prerequisites as for the quick start: run `npm run setup` (or `npm run quickstart`) once before.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -eq 0 ] || { echo "example-swarm: no arguments expected" >&2; exit 2; }
export DRIFTLESS_STATE_DIR="${DRIFTLESS_STATE_DIR:-$PWD/.driftless}"
repo=sample-repo/examples/swarm
dl() { node bin/driftless.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lab up --swarm: swarm-1..3 with their own engines, the registry relayed to them"
dl lab up --swarm
step "driftless apply $repo --yes"
dl apply "$repo" --yes
step "driftless plan $repo (after apply: expect no changes)"
out=$(dl plan "$repo")
printf '%s\n' "$out"
grep -q '^No changes\.' <<<"$out" || { echo "example-swarm: second plan is not a no-op" >&2; exit 1; }
step "the swarm service, seen from its manager (swarm-1)"
on1() { ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -i "$DRIFTLESS_STATE_DIR/lab/id_ed25519" -p 2211 root@127.0.0.1 "$@"; }
on1 'docker node ls; docker service ps feed-web-swarm --filter desired-state=running'
step "requests through nginx on swarm-1 (port 8091) reach the feed-web-swarm service"
on1 'for i in 1 2 3; do curl -fsS -m 5 http://127.0.0.1:8091/; done'
printf '\nDone. The swarm keeps running; remove its hosts (and everything in them) with: node bin/driftless.js lab down\n'
