#!/usr/bin/env bash
# Idempotent installer for CI and the README quick start: the Debian packages the lab and the kinds drive,
# then node modules. Installs only what is missing, so a second run does nothing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(docker.io debootstrap git openssh-client iproute2 ansible sshpass docker-registry nginx-light monit ca-certificates
  etcd-server etcd-client age chromium fonts-dejavu-core)

say() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    say "need root to run: $*" >&2; exit 1
  fi
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing packages (${missing[*]}) and no apt-get; install them by hand" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  say "installing ${missing[*]}"
  as_root apt-get update -qq
  # policy-rc.d keeps package scripts from starting daemons (docker, nginx, monit, registry) on this machine;
  # the test harness starts what it needs itself.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    added_policy=1
  fi
  trap 'if [ "$added_policy" -eq 1 ]; then as_root rm -f "$policy"; fi' EXIT
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  say "packages installed"
else
  say "debian packages present"
fi

if ! command -v node >/dev/null 2>&1; then
  say "node is not installed; install Node.js >= 20.19 first" >&2
  exit 1
fi

# npm writes node_modules/.package-lock.json on every install; older than the lock file means stale modules.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  # The registry this machine reaches serves only some platforms' optional native packages (rollup's android,
  # darwin, win32 builds answer 404), so the lock cannot list them and `npm ci` refuses the lock as out of sync.
  # `npm install` then installs the same pinned versions from the lock and skips the unreachable optional ones.
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    say "npm ci refused the lock (optional platform packages this registry does not serve); npm install from the lock"
    npm install --no-audit --no-fund --loglevel=error --no-save
  fi
else
  say "node_modules up to date"
fi
